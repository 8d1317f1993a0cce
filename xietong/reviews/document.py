"""A review as a JSON document, for verification away from the hub.

The shape is the GraphQL ``AnnualReview`` (camelCase, signatures in chain order,
times in UTC, each signature's ``snapshot`` as its canonical JSON text), plus
``region``, so an exported review, or one a client fetched with every field,
verifies with ``xietong reviews verify --document``. A published review carries
its publication: ``publishedBy``, ``publishedByDepartment`` and the hub's
``publicationJws`` over them, the digest, the time and the opener.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from xietong.domain.departments import Department
from xietong.reviews.digest import canonical_time
from xietong.reviews.records import (
    ReviewConclusion,
    ReviewRecord,
    ReviewStatus,
    SignatureRecord,
)


def review_document(review: ReviewRecord) -> dict[str, Any]:
    return {
        "id": review.id,
        "creditCode": review.credit_code,
        "region": review.region,
        "year": review.year,
        "status": review.status.value,
        "requiredSigners": [department.value for department in review.required_signers],
        "conclusion": review.conclusion.value if review.conclusion else None,
        "version": review.version,
        "digest": review.digest,
        "openedBy": review.opened_by,
        "openedAt": canonical_time(review.opened_at),
        "publishedAt": canonical_time(review.published_at) if review.published_at else None,
        "publishedBy": review.published_by,
        "publishedByDepartment": review.published_by_department,
        "publicationJws": review.publication_jws,
        "signatures": [_signature_document(s) for s in review.signatures],
    }


def _signature_document(signature: SignatureRecord) -> dict[str, Any]:
    return {
        "department": signature.department.value,
        "signer": signature.signer,
        "conclusion": signature.conclusion.value,
        "findings": signature.findings,
        "signedAt": canonical_time(signature.signed_at),
        "jws": signature.jws,
        "revokedAt": canonical_time(signature.revoked_at) if signature.revoked_at else None,
        "snapshot": signature.snapshot,
    }


def review_from_document(document: Mapping[str, Any]) -> ReviewRecord:
    """The review a document describes; a ValueError names the first bad field."""
    try:
        return ReviewRecord(
            id=str(document["id"]),
            credit_code=str(document["creditCode"]),
            region=str(document.get("region") or ""),
            year=int(document["year"]),
            status=ReviewStatus(document["status"]),
            required_signers=tuple(Department(d) for d in document["requiredSigners"]),
            conclusion=ReviewConclusion(document["conclusion"])
            if document.get("conclusion")
            else None,
            version=int(document["version"]),
            digest=str(document["digest"]),
            opened_by=str(document.get("openedBy") or ""),
            opened_at=_time(document["openedAt"]),
            published_at=_time(document["publishedAt"]) if document.get("publishedAt") else None,
            signatures=tuple(
                _signature(place, s) for place, s in enumerate(document["signatures"], 1)
            ),
            published_by=_text(document.get("publishedBy")),
            published_by_department=_text(document.get("publishedByDepartment")),
            publication_jws=_text(document.get("publicationJws")),
        )
    except KeyError as missing:
        raise ValueError(f"the review document has no {missing}") from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"the review document is malformed: {error}") from None


def _signature(place: int, document: Mapping[str, Any]) -> SignatureRecord:
    return SignatureRecord(
        seq=place,
        department=Department(document["department"]),
        signer=str(document["signer"]),
        conclusion=ReviewConclusion(document["conclusion"]),
        findings=str(document["findings"]),
        signed_at=_time(document["signedAt"]),
        jws=str(document["jws"]),
        revoked_at=_time(document["revokedAt"]) if document.get("revokedAt") else None,
        snapshot=_text(document.get("snapshot")),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a time")
    return datetime.fromisoformat(value)
