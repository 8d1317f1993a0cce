"""Signed checkpoints of the access log's head: proof kept outside the database.

The hash chain shows that no event was changed *relative to the others*; someone
who can write the hub database can still re-hash the whole chain, or cut its tail
and move the head back, and the chain verifies. A checkpoint is the hub's ES256
compact JWS (header ``{"alg", "kid", "typ": "xietong-checkpoint+jws"}``) over the
canonical JSON ``{"seq", "headHash", "at"}``; auditors export and keep them
(``xietong audit checkpoints export``), and ``verify_checkpoints`` later proves
that the live chain still extends every one of them.

This module signs with whatever key it is handed and verifies against a JWKS given
as data: the hub's keys live in ``auth``, a layer above (DESIGN §4).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from joserfc.jwk import Key, KeySet
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.audit.verify import ChainReport, verify_chain
from xietong.kernel.jws import UnverifiableJWSError, load_key_set, open_claims, sign_claims
from xietong.kernel.store import AuditChainHead, AuditCheckpoint, AuditEvent

CHECKPOINT_TYPE = "xietong-checkpoint+jws"
ALGORITHM = "ES256"


class CheckpointKey(Protocol):
    """The key that signs now (``auth.keys.SigningKeyPair`` is one)."""

    @property
    def kid(self) -> str: ...
    @property
    def private_key(self) -> Key: ...


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    head_hash: str
    at: datetime
    jws: str

    def document(self) -> dict[str, Any]:
        """One line of an export: what was signed, and the signature."""
        return {
            "seq": self.seq,
            "headHash": self.head_hash,
            "at": rfc3339(self.at),
            "jws": self.jws,
        }


def rfc3339(at: datetime) -> str:
    """UTC with an explicit offset and microseconds; a naive time (SQLite's) is UTC."""
    utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return utc.isoformat(timespec="microseconds")


def sign_checkpoint(key: CheckpointKey, seq: int, head_hash: str, at: datetime) -> str:
    claims = {"seq": seq, "headHash": head_hash, "at": rfc3339(at)}
    return sign_claims(
        claims, kid=key.kid, key=key.private_key, typ=CHECKPOINT_TYPE, algorithm=ALGORITHM
    )


def make_checkpoint(engine: Engine, key: CheckpointKey, *, at: datetime) -> Checkpoint | None:
    """Sign and store the chain's head as it is now; None if the head has not moved
    since the last checkpoint (or there are no events yet).

    Several workers may checkpoint the same head at once: the first stores it, the
    others' inserts hit the primary key on ``seq`` and they return None.
    """
    with engine.connect() as connection:
        head = connection.execute(select(AuditChainHead.seq, AuditChainHead.hash)).one()
        last = connection.scalar(
            select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()).limit(1)
        )
    if head.seq == 0 or (last is not None and head.seq <= last):
        return None
    checkpoint = Checkpoint(head.seq, head.hash, at, sign_checkpoint(key, head.seq, head.hash, at))
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(AuditCheckpoint).values(
                    seq=checkpoint.seq, head_hash=checkpoint.head_hash, at=at, jws=checkpoint.jws
                )
            )
    except IntegrityError:
        return None
    return checkpoint


@dataclass(frozen=True, slots=True)
class HeadProgress:
    """How far the head is past the last checkpoint: what the scheduler decides on."""

    head_seq: int
    last_seq: int
    last_at: datetime | None

    def due(self, now: datetime, *, every: int, seconds: float) -> bool:
        """A new checkpoint is due when the head moved and either ``every`` events
        came since the last one or ``seconds`` passed (0 turns either off)."""
        if self.head_seq <= self.last_seq:
            return False
        if every and self.head_seq - self.last_seq >= every:
            return True
        if not seconds:
            return False
        return self.last_at is None or (now - self.last_at).total_seconds() >= seconds


def head_progress(engine: Engine) -> HeadProgress:
    with engine.connect() as connection:
        head_seq = connection.scalar(select(AuditChainHead.seq)) or 0
        last = connection.execute(
            select(AuditCheckpoint.seq, AuditCheckpoint.at)
            .order_by(AuditCheckpoint.seq.desc())
            .limit(1)
        ).first()
    if last is None:
        return HeadProgress(head_seq, 0, None)
    at: datetime = last.at
    return HeadProgress(head_seq, last.seq, at if at.tzinfo else at.replace(tzinfo=UTC))


def stored_checkpoints(engine: Engine) -> list[Checkpoint]:
    """Every stored checkpoint, oldest first (for an export)."""
    with engine.connect() as connection:
        rows = connection.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))
        return [_checkpoint(row) for row in rows]


async def checkpoints_after(
    sessions: async_sessionmaker[AsyncSession], after: int | None, first: int
) -> list[Checkpoint]:
    """Up to ``first`` checkpoints with ``seq`` above ``after``, oldest first."""
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.seq).limit(first)
    if after is not None:
        query = query.where(AuditCheckpoint.seq > after)
    async with sessions() as session:
        rows = (await session.scalars(query)).all()
    return [_checkpoint(row) for row in rows]


def _checkpoint(row: Any) -> Checkpoint:
    at: datetime = row.at
    return Checkpoint(row.seq, row.head_hash, at if at.tzinfo else at.replace(tzinfo=UTC), row.jws)


class UnverifiableCheckpointError(UnverifiableJWSError):
    """A checkpoint's JWS is malformed, from a key the JWKS lacks, or forged."""


@dataclass(frozen=True, slots=True)
class Attested:
    """What a checkpoint's JWS says, once it verified."""

    kid: str
    seq: int
    head_hash: str
    at: str


def open_checkpoint(token: str, keys: KeySet) -> Attested:
    """Check ``token`` against ``keys``; raises UnverifiableCheckpointError saying why."""
    kid, claims = open_claims(
        token,
        keys,
        typ=CHECKPOINT_TYPE,
        what="checkpoint",
        algorithm=ALGORITHM,
        error=UnverifiableCheckpointError,
    )
    try:
        return Attested(kid, int(claims["seq"]), str(claims["headHash"]), str(claims["at"]))
    except (KeyError, TypeError, ValueError):
        raise UnverifiableCheckpointError("its JWS payload lacks seq, headHash, at") from None


def read_checkpoints(lines: Iterable[str]) -> list[str]:
    """The JWS of each checkpoint in an export (JSON Lines); a ValueError names the
    first line that is not one. Only the JWS is taken: the other fields are a
    convenience for readers, and what counts is what the hub signed."""
    tokens = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            token = json.loads(line)["jws"]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"line {number} is not a checkpoint (JSON with a jws)") from None
        if not isinstance(token, str):
            raise ValueError(f"line {number} is not a checkpoint (its jws is not text)")
        tokens.append(token)
    return tokens


@dataclass(frozen=True, slots=True)
class CheckpointReport:
    chain: ChainReport
    checkpoints: int
    """How many checkpoints were given."""
    first_failed_seq: int | None
    """The first checkpoint (by sequence number) that no longer holds."""
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.chain.intact and self.reason is None


def verify_checkpoints(
    engine: Engine,
    tokens: Sequence[str],
    jwks: Mapping[str, Any],
    *,
    progress: Callable[[int], None] | None = None,
) -> CheckpointReport:
    """Prove that the live chain extends every checkpoint in ``tokens``: each JWS
    verifies against ``jwks``, the stored event at its ``seq`` has exactly its
    ``headHash``, and the chain itself verifies. Truncation (the event is gone),
    re-hashing or re-ordering (the event's hash differs) each fail the first
    checkpoint they reach back to."""
    keys = load_key_set(jwks)
    attested: list[Attested] = []
    unverifiable: tuple[int, str] | None = None
    for place, token in enumerate(tokens, 1):
        try:
            attested.append(open_checkpoint(token, keys))
        except UnverifiableCheckpointError as error:
            unverifiable = unverifiable or (place, f"checkpoint {place} in the file: {error}")
    attested.sort(key=lambda checkpoint: checkpoint.seq)
    stored = _stored_hashes(engine, [checkpoint.seq for checkpoint in attested])
    first_failed: tuple[int, str] | None = None
    for checkpoint in attested:
        problem = _not_extended(checkpoint, stored.get(checkpoint.seq))
        if problem is not None:
            first_failed = (checkpoint.seq, problem)
            break
    chain = verify_chain(engine, progress=progress)
    if first_failed is not None:
        return CheckpointReport(chain, len(tokens), *first_failed)
    if unverifiable is not None:
        return CheckpointReport(chain, len(tokens), None, unverifiable[1])
    return CheckpointReport(chain, len(tokens), None, None)


def _not_extended(checkpoint: Attested, stored_hash: str | None) -> str | None:
    name = f"checkpoint {checkpoint.seq} (signed {checkpoint.at}, head {checkpoint.head_hash})"
    if stored_hash is None:
        return (
            f"{name}: event {checkpoint.seq} is no longer stored "
            "(events removed at the end, the head moved back)"
        )
    if stored_hash != checkpoint.head_hash:
        return (
            f"{name}: event {checkpoint.seq} now hashes to {stored_hash} "
            "(the chain was rewritten: events changed, removed, inserted or reordered, "
            "and re-hashed)"
        )
    return None


def _stored_hashes(engine: Engine, seqs: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    with engine.connect() as connection:
        for start in range(0, len(seqs), 1000):
            wanted = seqs[start : start + 1000]
            rows = connection.execute(
                select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(wanted))
            )
            found.update({row.seq: row.hash for row in rows})
    return found
