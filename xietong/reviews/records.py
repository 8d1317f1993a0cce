"""The review workflow's vocabulary: its enums, a review as read, and a refusal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from xietong.domain.departments import Department
from xietong.kernel.canonical import sha256_hex


class ReviewStatus(StrEnum):
    OPEN = "OPEN"
    """Waiting for signatures, none of them disagreeing."""
    COSIGNED = "COSIGNED"
    """Every required signer signed, all with the same conclusion."""
    DISPUTED = "DISPUTED"
    """Two live signatures disagree; a signer revokes and re-signs to settle it."""
    PUBLISHED = "PUBLISHED"
    """Cosigned and made public; it never changes again."""


class ReviewConclusion(StrEnum):
    EXCELLENT = "EXCELLENT"
    """优秀."""
    PASS = "PASS"
    """合格."""
    BASIC_PASS = "BASIC_PASS"
    """基本合格."""
    FAIL = "FAIL"
    """不合格."""


class ReviewErrorCode(StrEnum):
    """Why a review mutation was refused (``ReviewError.code``, DESIGN §9)."""

    NOT_FOUND = "NOT_FOUND"
    NOT_A_SIGNER = "NOT_A_SIGNER"
    ALREADY_SIGNED = "ALREADY_SIGNED"
    WRONG_STATE = "WRONG_STATE"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    DUPLICATE_REVIEW = "DUPLICATE_REVIEW"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    CONTRADICTS_RECORD = "CONTRADICTS_RECORD"
    """PASS or EXCELLENT for an institution the joint record shows blacklisted, with a
    revoked licence or a campus that failed fire acceptance (``reviews.checklist``)."""


@dataclass(frozen=True, slots=True)
class ReviewFailure:
    """An expected refusal, returned as a value (``ReviewError`` in the schema)."""

    code: ReviewErrorCode
    message: str
    field: str | None = None
    """The input field at fault, e.g. ``expectedVersion``."""


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    seq: int
    """Position in the review's chain (the row id: increasing, never reused)."""
    department: Department
    signer: str
    conclusion: ReviewConclusion
    findings: str
    signed_at: datetime
    jws: str
    revoked_at: datetime | None
    signer_region: str | None = None
    """The signer's region when it signed (who else may revoke it); None if unknown."""
    snapshot: str | None = None
    """The canonical JSON of what the signer saw (``reviews.checklist.Snapshot``); None
    for signatures made before snapshots were taken."""

    @property
    def live(self) -> bool:
        return self.revoked_at is None

    @property
    def snapshot_digest(self) -> str | None:
        return None if self.snapshot is None else sha256_hex(self.snapshot.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    id: str
    credit_code: str
    region: str
    year: int
    status: ReviewStatus
    required_signers: tuple[Department, ...]
    conclusion: ReviewConclusion | None
    version: int
    digest: str
    opened_by: str
    opened_at: datetime
    published_at: datetime | None
    signatures: tuple[SignatureRecord, ...]
    """Every signature ever made, revoked ones included, in chain order."""
    published_by: str | None = None
    published_by_department: str | None = None
    publication_jws: str | None = None
    """The hub's JWS over the publication (``reviews.publication``)."""

    @property
    def live_signatures(self) -> tuple[SignatureRecord, ...]:
        return tuple(signature for signature in self.signatures if signature.live)

    def live_signature_of(self, department: Department) -> SignatureRecord | None:
        return next((s for s in self.live_signatures if s.department is department), None)

    @property
    def awaiting_signature_from(self) -> tuple[Department, ...]:
        """Required signers without a live signature (none once published)."""
        if self.status is ReviewStatus.PUBLISHED:
            return ()
        signed = {signature.department for signature in self.live_signatures}
        return tuple(d for d in self.required_signers if d not in signed)


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """``AnnualReviewFilter``: every condition given must hold."""

    status: ReviewStatus | None = None
    year: int | None = None
    credit_code: str | None = None
    awaiting_signature_from: Department | None = None
    """A bureau's inbox: reviews it must sign and has not (or has revoked)."""
