"""What a signer sees: the checklist filled from the joint record, the snapshot signed
with the signature, and the conclusions the record refuses (CONTRADICTS_RECORD)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from tests.domain.test_risk import TODAY, clean_record, with_institution
from tests.reviews.support import (
    CULTURE,
    EDUCATION,
    Workflow,
    arts_school,
    blacklisted_record,
    failed,
    observing,
    ok,
    tamper,
    workflow,
)
from xietong.domain.departments import Department
from xietong.domain.records import (
    BarredPerson,
    FireAcceptanceStatus,
    LicenseStatus,
    Premises,
)
from xietong.domain.risk import JointRecord, assess
from xietong.kernel.store import ReviewSignature
from xietong.reviews.checklist import (
    ChecklistItem,
    ChecklistItemCode,
    checklist,
    contradictions,
    snapshot_from_canonical,
    take_snapshot,
)
from xietong.reviews.records import ReviewConclusion, ReviewErrorCode
from xietong.reviews.verify import verify_review

PASS, EXCELLENT = ReviewConclusion.PASS, ReviewConclusion.EXCELLENT
BASIC_PASS, FAIL = ReviewConclusion.BASIC_PASS, ReviewConclusion.FAIL


def revoked_licence() -> JointRecord:
    record = clean_record()
    assert record.institution.license is not None
    licence = dataclasses.replace(record.institution.license, status=LicenseStatus.REVOKED)
    return with_institution(record, license=licence)


def failed_campus() -> JointRecord:
    record = clean_record()
    assert record.fire_safety is not None
    campuses = (
        Premises(
            "主校区", "中山路1号", 400, FireAcceptanceStatus.PASSED, date(2028, 1, 1), "x", 0, False
        ),
        Premises("分校区", "鼓楼街9号", 200, FireAcceptanceStatus.FAILED, None, None, 0, False),
    )
    return dataclasses.replace(
        record, fire_safety=dataclasses.replace(record.fire_safety, premises=campuses)
    )


def barred_head() -> JointRecord:
    record = clean_record()
    member = record.institution.staff[0]
    barred = BarredPerson(member.name, member.id_number, date(2025, 1, 1), "教育局", "师德", None)
    return with_institution(record, barred_staff=(barred,))


CAUSES = {
    "blacklisted": (blacklisted_record, "BLACKLIST: the institution is on the blacklist"),
    "barred staff": (barred_head, "BLACKLIST: 1 staff barred from the industry"),
    "revoked licence": (revoked_licence, "LICENSE_VALID: school licence 教民141020270000001号"),
    "failed fire acceptance": (failed_campus, "FIRE_ACCEPTANCE: 分校区 failed fire acceptance"),
}


@pytest.mark.parametrize("cause", sorted(CAUSES))
@pytest.mark.parametrize("conclusion", list(ReviewConclusion))
def test_pass_or_excellent_contradicts_each_cause_fail_and_basic_pass_do_not(
    cause: str, conclusion: ReviewConclusion
) -> None:
    make, item = CAUSES[cause]

    found = contradictions(make(), conclusion)

    if conclusion in (PASS, EXCELLENT):
        assert len(found) == 1
        assert found[0].startswith(item)
    else:
        assert found == []
    assert contradictions(clean_record(), conclusion) == []


def test_the_checklist_is_filled_from_the_joint_record_campus_by_campus() -> None:
    items = {(i.item, i.subject): i for i in checklist(failed_campus(), frozenset())}

    assert items[ChecklistItemCode.FIRE_ACCEPTANCE, "主校区"].ok is True
    assert items[ChecklistItemCode.FIRE_ACCEPTANCE, "分校区"] == ChecklistItem(
        ChecklistItemCode.FIRE_ACCEPTANCE, "分校区", False, "FAILED"
    )
    assert items[ChecklistItemCode.LICENSE_VALID, "教民141020270000001号"].ok is True
    assert items[ChecklistItemCode.STAFF_CHECKS, None] == ChecklistItem(
        ChecklistItemCode.STAFF_CHECKS, None, True, "CLEAR 1"
    )
    assert items[ChecklistItemCode.FUNDS_COVERAGE, None].value == "1.0000"
    assert items[ChecklistItemCode.BLACKLIST, None].ok is True
    assert {code for code, _ in items} == set(ChecklistItemCode)


def test_a_department_that_is_down_leaves_its_items_unknown() -> None:
    record = dataclasses.replace(
        clean_record(), registration=None, background_checks=None, funds=None
    )
    items = {i.item: i for i in checklist(record, frozenset({Department.FINANCE}))}

    for code in (
        ChecklistItemCode.COMPLAINTS,
        ChecklistItemCode.STAFF_CHECKS,
        ChecklistItemCode.FUNDS_COVERAGE,
    ):
        assert (items[code].ok, items[code].value) == (None, "UNAVAILABLE"), code


def test_a_snapshot_reads_back_as_it_was_taken() -> None:
    record = failed_campus()
    level, signals = assess(record)
    snapshot = take_snapshot(record, level, signals, ())

    assert snapshot_from_canonical(snapshot.canonical()) == snapshot
    assert json.loads(snapshot.canonical())["asOf"] == TODAY.isoformat()


@pytest.fixture
async def flow(hub_database_url: str) -> AsyncIterator[Workflow]:
    async with workflow(hub_database_url) as opened:
        await opened.keys.ensure_signing_key()
        yield opened


@pytest.mark.parametrize("cause", sorted(CAUSES))
async def test_the_workflow_refuses_a_pass_that_contradicts_the_record_and_keeps_nothing(
    flow: Workflow, cause: str
) -> None:
    make, item = CAUSES[cause]
    review = ok(await flow.reviews.open(EDUCATION, arts_school().credit_code, 2025, arts_school()))

    refused = failed(
        await flow.reviews.sign(EDUCATION, review.id, EXCELLENT, "x", 1, observe=observing(make()))
    )
    failing = ok(
        await flow.reviews.sign(EDUCATION, review.id, FAIL, "x", 1, observe=observing(make()))
    )

    assert (refused.code, refused.field) == (ReviewErrorCode.CONTRADICTS_RECORD, "conclusion")
    assert item in refused.message
    assert failing.version == 2  # the refusal changed nothing
    (signature,) = failing.signatures
    assert signature.snapshot is not None
    assert snapshot_from_canonical(signature.snapshot).checklist == checklist(make(), frozenset())


async def test_a_snapshot_changed_after_signing_fails_verification(
    flow: Workflow, hub_database_url: str
) -> None:
    review = ok(await flow.reviews.open(EDUCATION, arts_school().credit_code, 2025, arts_school()))
    record = clean_record()
    review = ok(
        await flow.reviews.sign(EDUCATION, review.id, PASS, "x", 1, observe=observing(record))
    )
    review = ok(
        await flow.reviews.sign(CULTURE, review.id, PASS, "y", 2, observe=observing(record))
    )
    keys = await flow.keys.jwks()
    assert verify_review(review, keys).intact
    first = review.signatures[0]
    assert first.snapshot is not None
    softened = first.snapshot.replace('"ok":false', '"ok":true').replace("CLEAR 1", "CLEAR 9")
    assert softened != first.snapshot

    tamper(
        hub_database_url,
        "UPDATE review_signatures SET snapshot = :snapshot WHERE id = :id",
        snapshot=softened,
        id=first.seq,
    )
    stored = await flow.reviews.get(review.id)

    assert stored is not None
    report = verify_review(stored, keys)
    assert not report.intact
    assert any("signature 1" in p and "snapshot" in p for p in report.problems), report.problems
    removed = dataclasses.replace(
        review, signatures=(dataclasses.replace(first, snapshot=None), *review.signatures[1:])
    )
    assert not verify_review(removed, keys).intact


async def test_the_database_refuses_to_rewrite_a_snapshot(
    flow: Workflow, hub_database_url: str
) -> None:
    review = ok(await flow.reviews.open(EDUCATION, arts_school().credit_code, 2025, arts_school()))
    review = ok(
        await flow.reviews.sign(
            EDUCATION, review.id, PASS, "x", 1, observe=observing(clean_record())
        )
    )

    with pytest.raises(DBAPIError):
        async with flow.sessions.begin() as session:
            await session.execute(
                update(ReviewSignature)
                .where(ReviewSignature.id == review.signatures[0].seq)
                .values(snapshot="{}")
            )
    assert (await flow.reviews.get(review.id)) == review
