"""Checking a review offline: its signatures against the JWKS, its chain, its status.

Needs nothing but the review as stored (or exported) and the hub's JWKS; retired
keys stay in the JWKS, so a review signed before a key rotation still verifies.
Every problem found is named, the first broken signature by its place and department.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import KeySet

from xietong.kernel.jws import load_key_set
from xietong.reviews.digest import content_digest, link_digest
from xietong.reviews.publication import publication_problems
from xietong.reviews.records import ReviewRecord, ReviewStatus, SignatureRecord
from xietong.reviews.rules import outcome
from xietong.reviews.signing import UnverifiableSignatureError, open_signed_link


@dataclass(frozen=True, slots=True)
class VerificationReport:
    review_id: str
    signatures: int
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_review(review: ReviewRecord, jwks: Mapping[str, Any]) -> VerificationReport:
    """Check every signature, the digest chain, and that the status follows from the
    live signatures."""
    try:
        keys = load_key_set(jwks)
    except ValueError as error:
        return VerificationReport(review.id, len(review.signatures), (str(error),))
    head, problems = _check_chain(review, keys)
    if review.digest != head:
        problems.append(
            f"the review's digest {review.digest} is not the digest of its content and "
            f"signatures ({head}): a signature was removed, or the digest was changed"
        )
    problems += _check_live_signatures(review)
    problems += _check_status(review)
    problems += publication_problems(review, keys)
    problems += _check_version(review)
    return VerificationReport(review.id, len(review.signatures), tuple(problems))


def _check_chain(review: ReviewRecord, keys: KeySet) -> tuple[str, list[str]]:
    """The digest the signatures lead to, and what is wrong along the way."""
    problems: list[str] = []
    previous = content_digest(review.id, review.credit_code, review.year, review.required_signers)
    for place, signature in enumerate(review.signatures, 1):
        where = f"signature {place} ({signature.department}, {signature.signer})"
        recomputed = link_digest(previous, review.id, signature)
        try:
            link = open_signed_link(signature.jws, keys)
        except UnverifiableSignatureError as error:
            problems.append(f"{where}: {error}")
            previous = recomputed
            continue
        if link.review != review.id:
            problems.append(f"{where}: its JWS was made for review {link.review}")
        if link.department != signature.department:
            problems.append(f"{where}: its JWS was made by {link.department}")
        if link.signer is not None and link.signer != signature.signer:
            problems.append(f"{where}: its JWS names {link.signer} as the signer")
        if link.previous != previous:
            problems.append(f"{where}: {_out_of_chain(place)}")
        if link.snapshot != signature.snapshot_digest:
            problems.append(
                f"{where}: the snapshot of the record it keeps is not the one its signer saw "
                "and signed (changed, added or removed after signing)"
            )
        if link_digest(link.previous, review.id, signature) != link.digest:
            problems.append(
                f"{where}: its department, signer, conclusion, findings or time differ "
                "from what was signed"
            )
        previous = link.digest
    return previous, problems


def _out_of_chain(place: int) -> str:
    if place == 1:
        return (
            "it does not follow the review's content: the content (id, credit code, year, "
            "required signers) changed, or a signature before it was removed"
        )
    return (
        f"it does not follow signature {place - 1}: a signature before it was removed, "
        "inserted or reordered"
    )


def _check_live_signatures(review: ReviewRecord) -> list[str]:
    """One live signature per required signer, and only its latest may be live:
    signing again requires revoking first."""
    problems: list[str] = []
    latest: dict[str, SignatureRecord] = {}
    for signature in review.signatures:
        if signature.department not in review.required_signers:
            problems.append(f"{signature.department} signed but is not a required signer")
        latest[signature.department] = signature
    for place, signature in enumerate(review.signatures, 1):
        if signature.live and latest[signature.department] is not signature:
            problems.append(
                f"signature {place} ({signature.department}) is live although "
                f"{signature.department} signed again after it"
            )
    return problems


def _check_status(review: ReviewRecord) -> list[str]:
    live = [(s.department, s.conclusion) for s in review.live_signatures]
    status, conclusion = outcome(review.required_signers, live)
    stored = review.status
    published = stored is ReviewStatus.PUBLISHED
    if published != (review.published_at is not None):
        return [f"its status is {stored} but it has {'no ' if published else 'a '}publication time"]
    if published:
        stored = ReviewStatus.COSIGNED
    if (stored, review.conclusion) != (status, conclusion):
        return [
            f"its status {review.status} ({review.conclusion or 'no conclusion'}) does not "
            f"follow from its live signatures, which make it {status} "
            f"({conclusion or 'no conclusion'})"
        ]
    return []


def _check_version(review: ReviewRecord) -> list[str]:
    """Every change moves the version by one: opening makes 1, each signature,
    revocation and the publication add one. A version that counts more changes
    than the review shows had one undone (a publication removed, for one)."""
    revoked = sum(1 for signature in review.signatures if not signature.live)
    published = review.status is ReviewStatus.PUBLISHED
    changes = 1 + len(review.signatures) + revoked + published
    if review.version == changes:
        return []
    return [
        f"its version {review.version} does not count its changes ({changes}: opening, "
        f"{len(review.signatures)} signatures, {revoked} revocations"
        f"{', publication' if published else ''}): a change was undone or added outside "
        "the workflow"
    ]
