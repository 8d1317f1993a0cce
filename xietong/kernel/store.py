"""Hub-owned tables: clients and signing keys, annual reviews and signatures, the
audit log. Department data never lands here (DESIGN §2.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DOCUMENT_ID_LENGTH = len("sha256:") + 64

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: DateTime(timezone=True),
        list[str]: JSON,
        dict[str, Any]: JSON,
    }


class Client(Base):
    """A department system or officer allowed to ask the hub for tokens."""

    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(40))
    roles: Mapped[list[str]]
    region: Mapped[str] = mapped_column(String(6))
    secret_hash: Mapped[str | None] = mapped_column(String(200))
    """scrypt hash of the client secret (client_secret_basic); null for key-only clients."""
    jwks: Mapped[dict[str, Any] | None]
    """Public keys for private_key_jwt (RFC 7523)."""
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    trusted_documents_only: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """Runs only the documents registered for it (``trusted_documents``)."""


class TrustedDocument(Base):
    """A GraphQL document a client may run by its id (GraphQL over HTTP's persisted
    documents: ``{"documentId": "sha256:…"}``), agreed between the departments."""

    __tablename__ = "trusted_documents"

    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id"), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(DOCUMENT_ID_LENGTH), primary_key=True)
    """``sha256:`` and the lowercase hex SHA-256 of the document's UTF-8 text."""
    document: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(200))
    """Where it came from (a file, an operation), for people reading the list."""
    added_at: Mapped[datetime]


class SigningKey(Base):
    """A hub key that signs access tokens and review signatures."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    private_jwk: Mapped[dict[str, Any]]
    public_jwk: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]
    """When a newer key took over signing. Its public key stays in the JWKS so that
    review signatures made with it verify offline; tokens it signed are refused once
    they would have expired anyway."""


class UsedClientAssertion(Base):
    """A private_key_jwt client assertion already spent (RFC 7523 §3 replay
    protection); kept until it would have expired anyway."""

    __tablename__ = "used_client_assertions"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AnnualReview(Base):
    """An institution's annual review (年度检查), co-signed by its supervisors."""

    __tablename__ = "annual_reviews"
    __table_args__ = (UniqueConstraint("credit_code", "year"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    region: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    required_signers: Mapped[list[str]]
    conclusion: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(200))
    """Who published it (the access token's ``sub``)."""
    published_by_department: Mapped[str | None] = mapped_column(String(40))
    publication_jws: Mapped[str | None] = mapped_column(Text)
    """The hub's JWS over digest, status, publication time and publisher
    (``reviews.publication``): set in the same write as the PUBLISHED status."""

    signatures: Mapped[list[ReviewSignature]] = relationship(
        back_populates="review", order_by="ReviewSignature.id"
    )


class ReviewSignature(Base):
    """One department's signature on a review; a revoked one stays, marked."""

    __tablename__ = "review_signatures"
    __table_args__ = (
        # One live signature per department, enforced by the database so that
        # concurrent signers on several workers can never double a signature.
        Index(
            "uq_review_signatures_live",
            "review_id",
            "department",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("annual_reviews.id"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    signer: Mapped[str] = mapped_column(String(200))
    conclusion: Mapped[str] = mapped_column(String(16))
    findings: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime]
    jws: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime | None]
    signer_region: Mapped[str | None] = mapped_column(String(6))
    """The signer's region when it signed: who else may revoke the signature
    (a client of the department whose region contains it). Null for signatures
    made before it was recorded whose signer the hub did not know."""
    snapshot: Mapped[str | None] = mapped_column(Text)
    """The canonical JSON of the joint record's checklist and risk as the signer saw
    them (``xietong.reviews.checklist``); its digest is inside the signature's JWS.
    Null for signatures made before snapshots were taken."""

    review: Mapped[AnnualReview] = relationship(back_populates="signatures")


class AuditEvent(Base):
    """One request, whatever its outcome, linked into a SHA-256 hash chain."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    client_id: Mapped[str | None] = mapped_column(String(100), index=True)
    subject: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(40))
    roles: Mapped[list[str]]
    region: Mapped[str | None] = mapped_column(String(6))
    purpose: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[str | None] = mapped_column(String(200))
    operation_type: Mapped[str | None] = mapped_column(String(16))
    operation_name: Mapped[str | None] = mapped_column(String(200))
    document_hash: Mapped[str | None] = mapped_column(
        # SQLite enforces no VARCHAR length, and re-creating this append-only table to
        # widen it would drop its triggers: there the column stays as 0001 made it.
        String(DOCUMENT_ID_LENGTH).with_variant(String(64), "sqlite")
    )
    """Hex SHA-256 of the document's text, or the trusted document's id
    (``sha256:…``) when the client ran a registered one."""
    variables: Mapped[dict[str, Any]]
    fields_read: Mapped[list[str]]
    fields_masked: Mapped[list[str]]
    fields_denied: Mapped[list[str]]
    record_keys: Mapped[list[str]]
    error_codes: Mapped[list[str]]
    outcome: Mapped[str] = mapped_column(String(20))
    duration_ms: Mapped[float] = mapped_column(Float)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    trace_id: Mapped[str | None] = mapped_column(String(32))
    """The request's W3C trace id, to find its spans and log lines; outside the hashed
    body (``UNHASHED``): a pointer into other records, not a fact of the access."""


UNHASHED = frozenset({"prev_hash", "hash", "trace_id"})
"""Columns of ``audit_events`` that are not part of the hashed event body: the chain
links, and the trace id (added in 0009, so that events before it still verify)."""


class AuditChainHead(Base):
    """The single row that serializes appends to the chain (row lock on PostgreSQL)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """The hub's signed statement that the chain's head was ``head_hash`` at ``seq``
    (``audit.checkpoints``); kept by auditors outside the database, and append-only
    in it like the events."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """Unique: two workers checkpointing the same head store it once."""
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    jws: Mapped[str] = mapped_column(Text)


class AuditPseudonymKey(Base):
    """A secret for the keyed HMAC that stands for an ID number in the access log:
    an auditor who knows the number finds its events; an export cannot be
    enumerated (18-digit ID numbers are few enough to hash them all in seconds)."""

    __tablename__ = "audit_pseudonym_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    """Hex of 32 random bytes."""
    created_at: Mapped[datetime]


class ReleaseOrder(Base):
    """One prepaid order the education bureau has approved releases on (一课一消): how
    many of its lessons are approved so far. Approvals of the same order serialise on
    this row (a conditional ``UPDATE``), so no lesson is approved twice."""

    __tablename__ = "release_orders"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    order_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    bank: Mapped[str] = mapped_column(String(100))
    lessons_bought: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    approved_lessons: Mapped[int] = mapped_column(Integer)
    """Lessons released at the bank when first seen, plus those of every instruction
    not refused since."""
    updated_at: Mapped[datetime]


class ReleaseInstruction(Base):
    """The outbox of release instructions: recorded before the bank is called, re-sent
    while PENDING, settled once the bank applies (APPLIED) or refuses (REFUSED)."""

    __tablename__ = "release_instructions"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key", "order_number"),
        Index("ix_release_instructions_pending", "status", "credit_code", "order_number"),
        Index("ix_release_instructions_institution", "credit_code", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """Order of recording: an order's instructions are sent in this order."""
    instruction_id: Mapped[str] = mapped_column(String(36), unique=True)
    """What the bank sees and refuses to apply twice."""
    credit_code: Mapped[str] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    order_number: Mapped[str] = mapped_column(String(64))
    bank: Mapped[str] = mapped_column(String(100))
    first_lesson: Mapped[int] = mapped_column(Integer)
    lessons: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    refusal_code: Mapped[str | None] = mapped_column(String(40))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_attempt_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]


class Officer(Base):
    """A person who signs in to the console with the hub's own accounts (DESIGN §14).

    ``username`` is the subject of every act the officer does (the access log's
    ``subject``, a review signature's ``signer``); ids are never reused, so a
    disabled officer keeps the row."""

    __tablename__ = "officers"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(40))
    roles: Mapped[list[str]]
    region: Mapped[str] = mapped_column(String(6))
    password_hash: Mapped[str] = mapped_column(String(200))
    """argon2id (argon2-cffi's encoded form, parameters included)."""
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    """Base32 RFC 6238 secret; null: no second factor."""
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class AuthorizationCode(Base):
    """An OpenID Connect authorization code, kept in the store (not a worker's
    memory) so that any worker can redeem it, once."""

    __tablename__ = "authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the code: a copy of the table redeems nothing."""
    client_id: Mapped[str] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(String(200))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    auth_time: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ConsoleSession(Base):
    """A console session, server-side: the cookie holds only a random id, whose
    SHA-256 is the key here; sign-out and the idle timeout end it for every worker."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]]
    """The officer, the access token, the CSRF secret, the task's purpose and case."""
    last_seen: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime]
