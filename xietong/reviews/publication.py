"""The hub's signature on a review's publication, checkable with the JWKS alone.

Header ``{"alg": "ES256", "kid": ..., "typ": "xietong-publication+jws"}``; payload
the canonical JSON ``{"review", "digest", "status", "conclusion", "publishedAt",
"publisher": {"department", "subject"}, "openedBy", "openedAt"}``. The digest
commits to the content and every signature; this JWS adds what the digest does
not cover: that the review was published, when, by whom, and who opened it. So a
COSIGNED review relabelled PUBLISHED (no JWS), a backdated ``publishedAt``, a
changed opener, or a published review turned back to COSIGNED (a JWS it should
not have) each fail ``verify_review``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc.jwk import KeySet

from xietong.auth.keys import SIGNING_ALGORITHM, SigningKeyPair
from xietong.domain.actors import Actor
from xietong.kernel.jws import open_claims, sign_claims
from xietong.reviews.digest import canonical_time
from xietong.reviews.records import ReviewRecord, ReviewStatus
from xietong.reviews.signing import UnverifiableSignatureError

PUBLICATION_TYPE = "xietong-publication+jws"


@dataclass(frozen=True, slots=True)
class Publication:
    """What is stored with a published review."""

    published_at: datetime
    published_by: str
    published_by_department: str
    jws: str


def publication_claims(
    review: ReviewRecord, *, published_at: datetime, publisher: str, department: str
) -> dict[str, Any]:
    """What the hub signs when ``review`` (still as read, COSIGNED) is published."""
    return {
        "review": review.id,
        "digest": review.digest,
        "status": ReviewStatus.PUBLISHED.value,
        "conclusion": review.conclusion.value if review.conclusion else None,
        "publishedAt": canonical_time(published_at),
        "publisher": {"department": department, "subject": publisher},
        "openedBy": review.opened_by,
        "openedAt": canonical_time(review.opened_at),
    }


def sign_publication(
    key: SigningKeyPair, review: ReviewRecord, actor: Actor, at: datetime
) -> Publication:
    claims = publication_claims(
        review, published_at=at, publisher=actor.subject, department=actor.department.value
    )
    token = sign_claims(
        claims, kid=key.kid, key=key.private_key, typ=PUBLICATION_TYPE, algorithm=SIGNING_ALGORITHM
    )
    return Publication(at, actor.subject, actor.department.value, token)


def open_publication(token: str, keys: KeySet) -> dict[str, Any]:
    """The claims of a publication JWS that verifies against ``keys``.

    Raises UnverifiableSignatureError saying what is wrong.
    """
    _, claims = open_claims(
        token,
        keys,
        typ=PUBLICATION_TYPE,
        what="publication",
        algorithm=SIGNING_ALGORITHM,
        error=UnverifiableSignatureError,
    )
    return claims


def publication_problems(review: ReviewRecord, keys: KeySet) -> list[str]:
    """What is wrong with the review's publication, or with its lack of one."""
    published = review.status is ReviewStatus.PUBLISHED
    token = review.publication_jws
    if not published:
        if token or review.published_by:
            return [
                f"its status is {review.status} but it carries the hub's publication "
                "signature: it was published, and un-published since"
            ]
        return []
    if not token:
        return [
            "its status is PUBLISHED but it carries no publication signed by the hub: "
            "relabelled, or its publication signature was dropped"
        ]
    try:
        claims = open_publication(token, keys)
    except UnverifiableSignatureError as error:
        return [f"its publication: {error}"]
    recorded = publication_claims(
        review,
        published_at=review.published_at or review.opened_at,
        publisher=review.published_by or "",
        department=review.published_by_department or "",
    )
    if review.published_at is None:
        recorded["publishedAt"] = None
    names = {
        "review": "review id",
        "digest": "digest (content and signatures)",
        "status": "status",
        "conclusion": "conclusion",
        "publishedAt": "publication time (backdated?)",
        "publisher": "publisher",
        "openedBy": "opener (openedBy)",
        "openedAt": "opening time",
    }
    return [
        f"its {label} differs from what the hub signed at publication "
        f"({recorded.get(claim)!r}, signed {claims.get(claim)!r})"
        for claim, label in names.items()
        if claims.get(claim) != recorded.get(claim)
    ]
