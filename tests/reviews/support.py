"""Factories for the review tests: actors, institutions, a workflow over a real
database, and a way to tamper with stored rows behind the triggers' back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.domain.test_risk import clean_record, with_institution
from xietong.auth.keys import SigningKeyStore
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.domain.records import BlacklistEntry
from xietong.domain.risk import JointRecord, assess
from xietong.kernel.db import create_hub_engine, create_sync_engine
from xietong.reviews.checklist import Observation, take_snapshot
from xietong.reviews.records import ReviewConclusion, ReviewFailure, ReviewRecord
from xietong.reviews.service import ReviewResult, ReviewService

ARTS_SCHOOL = "91410204MA9F1A2B3C"
"""Any 18-character key will do here: the workflow takes institutions as given."""


@dataclass(frozen=True, slots=True)
class Institution:
    credit_code: str
    region: str
    supervisors: tuple[Department, ...]


def arts_school(credit_code: str = ARTS_SCHOOL, region: str = "410204") -> Institution:
    return Institution(credit_code, region, (Department.CULTURE_TOURISM, Department.EDUCATION))


def actor(department: Department, region: str = "410200", subject: str | None = None) -> Actor:
    return Actor(department, region, subject or f"demo-{department.value.lower()}")


EDUCATION = actor(Department.EDUCATION)
CULTURE = actor(Department.CULTURE_TOURISM)
SPORTS = actor(Department.SPORTS)


@dataclass
class Workflow:
    reviews: ReviewService
    keys: SigningKeyStore
    sessions: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def workflow(database_url: str) -> AsyncIterator[Workflow]:
    """The review service over its own engine (so its own connections)."""
    engine = create_hub_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        keys = SigningKeyStore(sessions)
        yield Workflow(ReviewService(sessions, keys), keys, sessions)
    finally:
        await engine.dispose()


def observing(record: JointRecord) -> Callable[[str], Awaitable[Observation | None]]:
    """An ``observe`` for ``ReviewService.sign`` that sees ``record`` (all details shown)."""

    async def observe(credit_code: str) -> Observation | None:
        level, signals = assess(record)
        return Observation(record, take_snapshot(record, level, signals, ()))

    return observe


def blacklisted_record() -> JointRecord:
    """A joint record that is clean but for a blacklist entry that holds."""
    entry = BlacklistEntry(date(2026, 3, 1), "鼓楼区教育局", "违规收费并拒不退费", None)
    return with_institution(clean_record(), blacklist=(entry,))


def ok(result: ReviewResult) -> ReviewRecord:
    assert not isinstance(result, ReviewFailure), result
    return result


def failed(result: ReviewResult) -> ReviewFailure:
    assert isinstance(result, ReviewFailure), result
    return result


async def cosigned_review(
    flow: Workflow,
    institution: Institution | None = None,
    conclusions: Sequence[ReviewConclusion] = (ReviewConclusion.PASS, ReviewConclusion.PASS),
) -> ReviewRecord:
    """A review of ``institution`` (an arts school) signed by education, then culture."""
    review = ok(await flow.reviews.open(EDUCATION, ARTS_SCHOOL, 2025, institution or arts_school()))
    for signer, conclusion in zip((EDUCATION, CULTURE), conclusions, strict=True):
        review = ok(
            await flow.reviews.sign(
                signer,
                review.id,
                conclusion,
                f"{signer.department} found it in order",
                review.version,
            )
        )
    return review


def tamper(database_url: str, *statements: str, **parameters: object) -> None:
    """Change stored rows as someone with full database access could: past the
    triggers (dropped on SQLite, disabled for the session on PostgreSQL)."""
    engine = create_sync_engine(database_url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                names = connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).scalars()
                for name in list(names):
                    connection.execute(text(f'DROP TRIGGER "{name}"'))
            else:
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                connection.execute(text(statement), parameters)
    finally:
        engine.dispose()
