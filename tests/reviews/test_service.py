"""The review workflow over a real database (SQLite and PostgreSQL): lifecycle,
refusals as values, optimistic concurrency with real concurrent connections, and
verification of what is stored, across a key rotation."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.reviews.support import (
    ARTS_SCHOOL,
    CULTURE,
    EDUCATION,
    SPORTS,
    Institution,
    Workflow,
    actor,
    arts_school,
    blacklisted_record,
    cosigned_review,
    failed,
    observing,
    ok,
    tamper,
    workflow,
)
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.kernel.store import ReviewSignature
from xietong.reviews.records import (
    ReviewConclusion,
    ReviewErrorCode,
    ReviewRecord,
    ReviewStatus,
)
from xietong.reviews.service import ReviewResult, ReviewService
from xietong.reviews.verify import verify_review

PASS, FAIL = ReviewConclusion.PASS, ReviewConclusion.FAIL


@pytest.fixture
async def flow(hub_database_url: str) -> AsyncIterator[Workflow]:
    async with workflow(hub_database_url) as opened:
        await opened.keys.ensure_signing_key()
        yield opened


async def test_open_sign_cosign_publish(flow: Workflow) -> None:
    reviews = flow.reviews

    opened = ok(await reviews.open(CULTURE, ARTS_SCHOOL, 2025, arts_school()))
    first = ok(await reviews.sign(EDUCATION, opened.id, PASS, "licence and funds in order", 1))
    second = ok(await reviews.sign(CULTURE, opened.id, PASS, "teachers qualified", 2))
    published = ok(await reviews.publish(EDUCATION, opened.id, 3))

    assert (opened.status, opened.version, opened.required_signers) == (
        ReviewStatus.OPEN,
        1,
        (Department.EDUCATION, Department.CULTURE_TOURISM),
    )
    assert opened.opened_by == "demo-culture_tourism"
    assert (first.status, first.version, first.awaiting_signature_from) == (
        ReviewStatus.OPEN,
        2,
        (Department.CULTURE_TOURISM,),
    )
    assert (second.status, second.conclusion, second.version) == (ReviewStatus.COSIGNED, PASS, 3)
    assert (published.status, published.conclusion, published.version) == (
        ReviewStatus.PUBLISHED,
        PASS,
        4,
    )
    assert published.published_at is not None
    assert [s.signer for s in published.signatures] == ["demo-education", "demo-culture_tourism"]
    assert len({opened.digest, first.digest, second.digest}) == 3
    assert published.digest == second.digest
    assert verify_review(published, await flow.keys.jwks()).intact


async def test_a_dispute_is_settled_by_revoking_and_signing_again(flow: Workflow) -> None:
    reviews = flow.reviews
    review = ok(await reviews.open(EDUCATION, ARTS_SCHOOL, 2025, arts_school()))
    ok(await reviews.sign(EDUCATION, review.id, PASS, "in order", 1))

    disputed = ok(await reviews.sign(CULTURE, review.id, FAIL, "no fire acceptance", 2))
    revoked = ok(await reviews.revoke(CULTURE, review.id, 3))
    resigned = ok(await reviews.sign(CULTURE, review.id, PASS, "acceptance filed since", 4))

    assert (disputed.status, disputed.conclusion) == (ReviewStatus.DISPUTED, None)
    assert (revoked.status, revoked.awaiting_signature_from) == (
        ReviewStatus.OPEN,
        (Department.CULTURE_TOURISM,),
    )
    assert revoked.digest == disputed.digest  # a revocation withdraws, it does not unmake
    assert (resigned.status, resigned.conclusion, resigned.version) == (
        ReviewStatus.COSIGNED,
        PASS,
        5,
    )
    assert [(s.department, s.conclusion, s.live) for s in resigned.signatures] == [
        (Department.EDUCATION, PASS, True),
        (Department.CULTURE_TOURISM, FAIL, False),
        (Department.CULTURE_TOURISM, PASS, True),
    ]
    assert verify_review(resigned, await flow.keys.jwks()).intact


async def test_every_refusal_is_a_value_with_its_code(flow: Workflow) -> None:
    reviews = flow.reviews
    school = arts_school()
    review = ok(await reviews.open(EDUCATION, ARTS_SCHOOL, 2025, school))
    ok(await reviews.sign(EDUCATION, review.id, PASS, "in order", 1))
    district = actor(Department.CULTURE_TOURISM, region="410202")

    refusals = {
        "unknown institution": await reviews.open(EDUCATION, "91410204MA9F1A2B4D", 2025, None),
        "unknown review": await reviews.sign(EDUCATION, "no-such-review", PASS, "x", 1),
        "not a supervisor": await reviews.open(SPORTS, ARTS_SCHOOL, 2024, school),
        "not a signer": await reviews.sign(SPORTS, review.id, PASS, "x", 2),
        "signed twice": await reviews.sign(EDUCATION, review.id, PASS, "x", 2),
        "publish too early": await reviews.publish(EDUCATION, review.id, 2),
        "nothing to revoke": await reviews.revoke(CULTURE, review.id, 2),
        "stale version": await reviews.sign(CULTURE, review.id, PASS, "x", 1),
        "second review": await reviews.open(CULTURE, ARTS_SCHOOL, 2025, school),
        "outside the district": await reviews.sign(district, review.id, PASS, "x", 2),
        "contradicts the record": await reviews.sign(
            CULTURE, review.id, PASS, "x", 2, observe=observing(blacklisted_record())
        ),
    }

    codes = {case: failed(result).code for case, result in refusals.items()}
    assert codes == {
        "unknown institution": ReviewErrorCode.NOT_FOUND,
        "unknown review": ReviewErrorCode.NOT_FOUND,
        "not a supervisor": ReviewErrorCode.NOT_A_SIGNER,
        "not a signer": ReviewErrorCode.NOT_A_SIGNER,
        "signed twice": ReviewErrorCode.ALREADY_SIGNED,
        "publish too early": ReviewErrorCode.WRONG_STATE,
        "nothing to revoke": ReviewErrorCode.WRONG_STATE,
        "stale version": ReviewErrorCode.VERSION_CONFLICT,
        "second review": ReviewErrorCode.DUPLICATE_REVIEW,
        "outside the district": ReviewErrorCode.OUT_OF_SCOPE,
        "contradicts the record": ReviewErrorCode.CONTRADICTS_RECORD,
    }
    assert set(codes.values()) == set(ReviewErrorCode)
    assert failed(refusals["stale version"]).field == "expectedVersion"
    unchanged = await reviews.get(review.id)
    assert unchanged is not None
    assert (unchanged.version, len(unchanged.signatures)) == (2, 1)


async def test_a_published_review_never_changes(flow: Workflow) -> None:
    reviews = flow.reviews
    review = await cosigned_review(flow)
    published = ok(await reviews.publish(CULTURE, review.id, review.version))

    attempts = [
        await reviews.revoke(EDUCATION, review.id, published.version),
        await reviews.publish(EDUCATION, review.id, published.version),
    ]

    assert [failed(result).code for result in attempts] == [ReviewErrorCode.WRONG_STATE] * 2
    assert await reviews.get(review.id) == published


async def test_signatures_made_before_a_key_rotation_still_verify(flow: Workflow) -> None:
    reviews = flow.reviews
    review = ok(await reviews.open(EDUCATION, ARTS_SCHOOL, 2025, arts_school()))
    ok(await reviews.sign(EDUCATION, review.id, PASS, "in order", 1))
    jwks_before = await flow.keys.jwks()
    rotation = await flow.keys.rotate()

    signed = ok(await reviews.sign(CULTURE, review.id, PASS, "in order", 2))

    kids = [_kid(signature.jws) for signature in signed.signatures]
    assert kids == [*rotation.retired_kids, rotation.new_kid]
    assert verify_review(signed, await flow.keys.jwks()).intact
    assert not verify_review(signed, jwks_before).intact  # the new key is not in the old JWKS


async def test_concurrent_signers_never_lose_or_double_a_signature(hub_database_url: str) -> None:
    """Sixteen signers, each on its own engine (its own connection), all starting from
    the same version: exactly one signature per department, versions without gaps."""
    departments = (
        Department.EDUCATION,
        Department.CULTURE_TOURISM,
        Department.SCIENCE_TECHNOLOGY,
        Department.SPORTS,
    )
    signers_per_department = 4
    school = Institution(ARTS_SCHOOL, "410204", departments)
    async with workflow(hub_database_url) as setup:
        await setup.keys.ensure_signing_key()
        review = ok(await setup.reviews.open(EDUCATION, ARTS_SCHOOL, 2025, school))
    signers = [
        actor(department, subject=f"officer-{department.lower()}-{n}")
        for department, n in itertools.product(departments, range(signers_per_department))
    ]
    start = asyncio.Barrier(len(signers))

    async def sign_until_done(signer: Actor) -> list[ReviewResult]:
        attempts: list[ReviewResult] = []
        async with workflow(hub_database_url) as mine:
            current = await mine.reviews.get(review.id)
            await start.wait()
            while current is not None:
                result = await mine.reviews.sign(
                    signer, review.id, PASS, f"{signer.subject} agrees", current.version
                )
                attempts.append(result)
                if _code(result) is not ReviewErrorCode.VERSION_CONFLICT:
                    break
                current = await mine.reviews.get(review.id)
        return attempts

    outcomes = await asyncio.gather(*(sign_until_done(signer) for signer in signers))

    final = [attempts[-1] for attempts in outcomes]
    winners = [r for r in final if isinstance(r, ReviewRecord)]
    conflicts = [r for a in outcomes for r in a if _code(r) is ReviewErrorCode.VERSION_CONFLICT]
    async with workflow(hub_database_url) as check:
        stored = await check.reviews.get(review.id)
        jwks = await check.keys.jwks()
        async with check.sessions() as session:
            rows = await session.scalar(select(func.count()).select_from(ReviewSignature))
    assert stored is not None
    assert len(winners) == len(departments)
    assert sorted(w.version for w in winners) == [2, 3, 4, 5]
    assert sorted(s.department for s in stored.live_signatures) == sorted(departments)
    assert rows == len(departments)
    assert {_code(r) for r in final if r not in winners} == {ReviewErrorCode.ALREADY_SIGNED}
    assert len(conflicts) >= len(signers) - signers_per_department  # they did race
    assert (stored.status, stored.version) == (ReviewStatus.COSIGNED, 1 + len(departments))
    assert verify_review(stored, jwks).intact


async def test_the_live_signature_index_backs_up_the_workflow(hub_database_url: str) -> None:
    """A writer that skips the compare-and-set (here: raw SQL between the service's
    read and its write) cannot make a second live signature: the database refuses,
    and the service answers ALREADY_SIGNED with nothing changed."""
    async with workflow(hub_database_url) as flow:
        await flow.keys.ensure_signing_key()
        review = ok(await flow.reviews.open(EDUCATION, ARTS_SCHOOL, 2025, arts_school()))
        ok(await flow.reviews.sign(EDUCATION, review.id, PASS, "in order", 1))

        def clock_letting_someone_in() -> datetime:
            tamper(hub_database_url, SIGN_BEHIND_THE_BACK, id=review.id)
            return datetime.now(UTC)

        racing = ReviewService(flow.sessions, flow.keys, clock=clock_letting_someone_in)
        result = await racing.sign(CULTURE, review.id, PASS, "in order", 2)
        stored = await flow.reviews.get(review.id)

    assert failed(result).code is ReviewErrorCode.ALREADY_SIGNED
    assert stored is not None
    assert (stored.version, [s.signer for s in stored.signatures]) == (2, ["demo-education", "x"])


SIGN_BEHIND_THE_BACK = (
    "INSERT INTO review_signatures (review_id, department, signer, conclusion, findings, "
    "signed_at, jws) VALUES (:id, 'CULTURE_TOURISM', 'x', 'PASS', 'x', CURRENT_TIMESTAMP, 'x')"
)


def _code(result: ReviewResult) -> ReviewErrorCode | None:
    return None if isinstance(result, ReviewRecord) else result.code


def _kid(token: str) -> str:
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    kid: str = header["kid"]
    return kid
