"""The workflow's decisions, without a database: status, and who may do what."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.reviews.support import CULTURE, EDUCATION, SPORTS, actor, arts_school
from xietong.domain.departments import Department
from xietong.reviews.records import (
    ReviewConclusion,
    ReviewErrorCode,
    ReviewRecord,
    ReviewStatus,
    SignatureRecord,
)
from xietong.reviews.rules import (
    outcome,
    refusal_to_open,
    refusal_to_publish,
    refusal_to_revoke,
    refusal_to_sign,
    required_signers_of,
)

PASS, FAIL = ReviewConclusion.PASS, ReviewConclusion.FAIL
EDU, ART, SCI = Department.EDUCATION, Department.CULTURE_TOURISM, Department.SCIENCE_TECHNOLOGY
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def review(
    *signed: tuple[Department, ReviewConclusion],
    status: ReviewStatus = ReviewStatus.OPEN,
    version: int = 1,
) -> ReviewRecord:
    return ReviewRecord(
        id="r-1",
        credit_code="C",
        region="410204",
        year=2025,
        status=status,
        required_signers=(EDU, ART),
        conclusion=None,
        version=version,
        digest="d",
        opened_by="demo-education",
        opened_at=NOW,
        published_at=None,
        signatures=tuple(
            SignatureRecord(
                seq,
                department,
                f"demo-{department.value.lower()}",
                conclusion,
                "f",
                NOW,
                "jws",
                None,
                signer_region="410200",
            )
            for seq, (department, conclusion) in enumerate(signed, 1)
        ),
    )


@pytest.mark.parametrize(
    ("required", "signed", "expected"),
    [
        ((EDU, ART), [], (ReviewStatus.OPEN, None)),
        ((EDU, ART), [(EDU, PASS)], (ReviewStatus.OPEN, None)),
        ((EDU, ART), [(EDU, PASS), (ART, PASS)], (ReviewStatus.COSIGNED, PASS)),
        ((EDU, ART), [(EDU, PASS), (ART, FAIL)], (ReviewStatus.DISPUTED, None)),
        # A disagreement is a dispute before the last signer signs: it cannot settle it.
        ((EDU, ART, SCI), [(EDU, PASS), (SCI, FAIL)], (ReviewStatus.DISPUTED, None)),
    ],
)
def test_the_status_follows_from_the_live_signatures(
    required: tuple[Department, ...],
    signed: list[tuple[Department, ReviewConclusion]],
    expected: tuple[ReviewStatus, ReviewConclusion | None],
) -> None:
    assert outcome(required, signed) == expected


def test_required_signers_are_the_supervisors_once_each_education_first() -> None:
    assert required_signers_of([ART, EDU, ART, SCI]) == (EDU, ART, SCI)


def test_only_a_supervisor_within_its_region_opens() -> None:
    school = arts_school(region="410204")

    assert refusal_to_open(EDUCATION, school) is None
    assert refusal_to_open(CULTURE, school) is None
    assert _code(refusal_to_open(SPORTS, school)) is ReviewErrorCode.NOT_A_SIGNER
    district = actor(Department.EDUCATION, region="410202")
    assert _code(refusal_to_open(district, school)) is ReviewErrorCode.OUT_OF_SCOPE
    # Outside the region, the answer does not reveal who supervises the institution.
    assert _code(refusal_to_open(actor(Department.SPORTS, "410202"), school)) is (
        ReviewErrorCode.OUT_OF_SCOPE
    )


def test_signing_refusals_from_the_most_basic_to_the_most_transient() -> None:
    signed = review((EDU, PASS), version=2)
    published = review((EDU, PASS), (ART, PASS), status=ReviewStatus.PUBLISHED, version=4)

    assert refusal_to_sign(CULTURE, signed, 2) is None
    assert _code(refusal_to_sign(CULTURE, signed, 1)) is ReviewErrorCode.VERSION_CONFLICT
    assert _code(refusal_to_sign(EDUCATION, signed, 1)) is ReviewErrorCode.ALREADY_SIGNED
    assert _code(refusal_to_sign(SPORTS, signed, 2)) is ReviewErrorCode.NOT_A_SIGNER
    assert _code(refusal_to_sign(CULTURE, published, 4)) is ReviewErrorCode.WRONG_STATE
    assert _code(refusal_to_sign(actor(ART, "410100"), signed, 2)) is ReviewErrorCode.OUT_OF_SCOPE


def test_only_a_signature_can_be_revoked_and_only_a_cosigned_review_published() -> None:
    signed = review((EDU, PASS), version=2)
    cosigned = review((EDU, PASS), (ART, PASS), status=ReviewStatus.COSIGNED, version=3)

    assert refusal_to_revoke(EDUCATION, signed, 2) is None
    assert _code(refusal_to_revoke(CULTURE, signed, 2)) is ReviewErrorCode.WRONG_STATE
    assert _code(refusal_to_publish(EDUCATION, signed, 2)) is ReviewErrorCode.WRONG_STATE
    assert refusal_to_publish(CULTURE, cosigned, 3) is None
    assert _code(refusal_to_publish(CULTURE, cosigned, 2)) is ReviewErrorCode.VERSION_CONFLICT


def _code(refusal: object) -> ReviewErrorCode:
    assert refusal is not None
    code = getattr(refusal, "code", None)
    assert isinstance(code, ReviewErrorCode)
    return code


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        pytest.param(actor(EDU, "410200", "demo-education"), True, id="the-signer"),
        pytest.param(actor(EDU, "410000", "henan-education"), True, id="its-province"),
        pytest.param(actor(EDU, "410200", "kaifeng-education-2"), True, id="same-region"),
        pytest.param(actor(EDU, "410204", "district-education"), False, id="a-district-under-it"),
        pytest.param(actor(EDU, "000000", "ministry"), True, id="the-nation"),
    ],
)
def test_only_the_signer_or_a_client_over_its_region_may_revoke(who: object, allowed: bool) -> None:
    signed = review((EDU, PASS), version=2)

    refusal = refusal_to_revoke(who, signed, 2)  # type: ignore[arg-type]

    if allowed:
        assert refusal is None
    else:
        assert refusal is not None
        assert refusal.code is ReviewErrorCode.NOT_A_SIGNER
        assert "district-education (region 410204)" in refusal.message
        assert "demo-education (region 410200)" in refusal.message
