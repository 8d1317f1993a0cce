"""The canonical digest of a review: its content, then each signature in turn.

The digest is a hash chain, so a signature commits to everything before it::

    d0 = SHA-256(canonical {kind, id, creditCode, year, requiredSigners})
    dn = SHA-256(canonical {previous: d(n-1), review, department, signer,
                            conclusion, findings, signedAt[, snapshot]})

``snapshot`` is the SHA-256 of the canonical snapshot of what the signer saw
(``reviews.checklist``), left out for signatures made before snapshots existed.

Canonical JSON is sorted keys, no whitespace, UTF-8 (the RFC 8785 form for the
strings and integers used here); ``signedAt`` is UTC as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``. A review's ``digest`` is the digest of its last
signature (``d0`` before the first). Revoked signatures stay in the chain: a
revocation withdraws a signature, it does not unmake it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from xietong.domain.departments import Department
from xietong.kernel.canonical import canonical_bytes, sha256_hex
from xietong.reviews.records import ReviewConclusion

REVIEW_KIND = "xietong.annual-review"


class SignatureFields(Protocol):
    """What a signature says (``SignatureRecord`` is one)."""

    @property
    def department(self) -> Department: ...
    @property
    def signer(self) -> str: ...
    @property
    def conclusion(self) -> ReviewConclusion: ...
    @property
    def findings(self) -> str: ...
    @property
    def signed_at(self) -> datetime: ...
    @property
    def snapshot_digest(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class SignatureContent:
    department: Department
    signer: str
    conclusion: ReviewConclusion
    findings: str
    signed_at: datetime
    snapshot: str | None = None
    """The canonical snapshot JSON the signature commits to."""

    @property
    def snapshot_digest(self) -> str | None:
        return None if self.snapshot is None else sha256_hex(self.snapshot.encode("utf-8"))


def canonical_time(moment: datetime) -> str:
    """UTC with microseconds; a naive time (SQLite hands those back) is UTC."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_digest(
    review_id: str, credit_code: str, year: int, required_signers: Sequence[Department]
) -> str:
    """``d0``: what the review is about, before anyone signs."""
    return sha256_hex(
        canonical_bytes(
            {
                "kind": REVIEW_KIND,
                "id": review_id,
                "creditCode": credit_code,
                "year": year,
                "requiredSigners": [str(department) for department in required_signers],
            }
        )
    )


def link_digest(previous: str, review_id: str, signature: SignatureFields) -> str:
    """``dn``: the digest before a signature, extended by what the signature says."""
    content = {
        "previous": previous,
        "review": review_id,
        "department": str(signature.department),
        "signer": signature.signer,
        "conclusion": str(signature.conclusion),
        "findings": signature.findings,
        "signedAt": canonical_time(signature.signed_at),
    }
    if signature.snapshot_digest is not None:
        content["snapshot"] = signature.snapshot_digest
    return sha256_hex(canonical_bytes(content))
