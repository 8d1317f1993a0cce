"""Who may open, sign, revoke and publish, and what a review's status is: the
workflow's decisions, without I/O (DESIGN §9).

Checks run from the most basic to the most transient, so the answer is the most
useful one: a review outside the actor's region is OUT_OF_SCOPE whatever else
holds, and a stale ``expectedVersion`` is reported only when nothing else is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.reviews.records import (
    ReviewConclusion,
    ReviewErrorCode,
    ReviewFailure,
    ReviewRecord,
    ReviewStatus,
    SignatureRecord,
)

_ORDER = {department: index for index, department in enumerate(Department)}


class Supervised(Protocol):
    """An institution as the workflow needs it (``adapters.records.Institution`` is one)."""

    @property
    def credit_code(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def supervisors(self) -> Sequence[Department]: ...


def required_signers_of(supervisors: Iterable[Department]) -> tuple[Department, ...]:
    """The institution's supervisors, each once, EDUCATION first."""
    return tuple(sorted(set(supervisors), key=_ORDER.__getitem__))


def outcome(
    required: Sequence[Department], live: Iterable[tuple[Department, ReviewConclusion]]
) -> tuple[ReviewStatus, ReviewConclusion | None]:
    """The status the live signatures give a review that is not published.

    Any two disagreeing conclusions make it DISPUTED at once (a later signature
    cannot settle a disagreement); all required signers agreeing make it COSIGNED.
    """
    signed = dict(live)
    conclusions = set(signed.values())
    if len(conclusions) > 1:
        return ReviewStatus.DISPUTED, None
    if conclusions and set(required) <= set(signed):
        return ReviewStatus.COSIGNED, conclusions.pop()
    return ReviewStatus.OPEN, None


def unknown_institution(credit_code: str) -> ReviewFailure:
    return ReviewFailure(
        ReviewErrorCode.NOT_FOUND,
        f"the education bureau knows no institution {credit_code}",
        "creditCode",
    )


def unknown_review(review_id: str) -> ReviewFailure:
    return ReviewFailure(ReviewErrorCode.NOT_FOUND, f"no annual review {review_id}", "reviewId")


def refusal_to_open(actor: Actor, institution: Supervised) -> ReviewFailure | None:
    credit_code = institution.credit_code
    if not actor.scope.contains(institution.region):
        return ReviewFailure(
            ReviewErrorCode.OUT_OF_SCOPE,
            f"institution {credit_code} is outside region {actor.region}",
            "creditCode",
        )
    if actor.department not in institution.supervisors:
        return ReviewFailure(
            ReviewErrorCode.NOT_A_SIGNER,
            f"{actor.department} does not supervise institution {credit_code} "
            f"(its supervisors: {', '.join(institution.supervisors)})",
            "creditCode",
        )
    return None


def refusal_to_sign(
    actor: Actor, review: ReviewRecord, expected_version: int
) -> ReviewFailure | None:
    refusal = _refusal_to_change(actor, review)
    if refusal is None and review.live_signature_of(actor.department) is not None:
        refusal = ReviewFailure(
            ReviewErrorCode.ALREADY_SIGNED,
            f"{actor.department} has already signed this review; revoke its signature "
            "to sign again",
        )
    return refusal or _stale(review, expected_version)


def refusal_to_revoke(
    actor: Actor, review: ReviewRecord, expected_version: int
) -> ReviewFailure | None:
    refusal = _refusal_to_change(actor, review)
    signature = review.live_signature_of(actor.department)
    if refusal is None and signature is None:
        refusal = ReviewFailure(
            ReviewErrorCode.WRONG_STATE,
            f"{actor.department} has no signature on this review to revoke",
        )
    if refusal is None and signature is not None:
        refusal = _refusal_to_withdraw(actor, signature)
    return refusal or _stale(review, expected_version)


def _refusal_to_withdraw(actor: Actor, signature: SignatureRecord) -> ReviewFailure | None:
    """Only its signer, or a client of its department over the signer's region (a
    provincial bureau over a city's), may withdraw a signature (DESIGN §9)."""
    if actor.subject == signature.signer:
        return None
    region = signature.signer_region
    if region is not None and actor.scope.contains(region):
        return None
    return ReviewFailure(
        ReviewErrorCode.NOT_A_SIGNER,
        f"{actor.subject} (region {actor.region}) may not revoke the signature of "
        f"{signature.signer} (region {region or 'unknown'}): only its signer, or a "
        f"{signature.department} client whose region contains the signer's, may",
    )


def refusal_to_publish(
    actor: Actor, review: ReviewRecord, expected_version: int
) -> ReviewFailure | None:
    refusal = _refusal_to_change(actor, review)
    if refusal is None and review.status is not ReviewStatus.COSIGNED:
        refusal = ReviewFailure(
            ReviewErrorCode.WRONG_STATE,
            f"only a COSIGNED review can be published; this one is {review.status}",
        )
    return refusal or _stale(review, expected_version)


def _refusal_to_change(actor: Actor, review: ReviewRecord) -> ReviewFailure | None:
    if not actor.scope.contains(review.region):
        return ReviewFailure(
            ReviewErrorCode.OUT_OF_SCOPE,
            f"review {review.id} is of an institution outside region {actor.region}",
            "reviewId",
        )
    if actor.department not in review.required_signers:
        return ReviewFailure(
            ReviewErrorCode.NOT_A_SIGNER,
            f"{actor.department} is not a required signer of this review "
            f"({', '.join(review.required_signers)})",
        )
    if review.status is ReviewStatus.PUBLISHED:
        return ReviewFailure(
            ReviewErrorCode.WRONG_STATE, "this review is published and can no longer change"
        )
    return None


def _stale(review: ReviewRecord, expected_version: int) -> ReviewFailure | None:
    if review.version == expected_version:
        return None
    return version_conflict(expected_version, review.version)


def version_conflict(expected_version: int, current: int | None = None) -> ReviewFailure:
    now = f" (it is now at version {current})" if current is not None else ""
    return ReviewFailure(
        ReviewErrorCode.VERSION_CONFLICT,
        f"the review changed since version {expected_version}{now}: read it again and retry",
        "expectedVersion",
    )
