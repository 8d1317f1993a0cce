"""Factories for the case tests: actors, institutions, and the workflow over a
real database on its own engine (so its own connections, as a worker has)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.audit.in_transaction import WriteEvent
from xietong.cases.records import CaseFailure, CaseRecord, RectificationNotice
from xietong.cases.service import CaseResult, CaseService
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.kernel.case_settings import CaseSettings
from xietong.kernel.db import create_hub_engine

SCHOOL = "91410204MA9F1A2B3C"
"""Any 18-character key will do here: the workflow takes institutions as given."""
FRIDAY = date(2026, 11, 27)


@dataclass(frozen=True, slots=True)
class Institution:
    credit_code: str
    region: str


def school(credit_code: str = SCHOOL, region: str = "410204") -> Institution:
    return Institution(credit_code, region)


def actor(department: Department, region: str = "410200", subject: str | None = None) -> Actor:
    name = subject or f"officer-{department.value.lower()}"
    return Actor(department, region, name, f"client-{department.value.lower()}")


EDUCATION = actor(Department.EDUCATION)
MARKET = actor(Department.MARKET_SUPERVISION)
FIRE = actor(Department.FIRE_SAFETY)
POLICE = actor(Department.PUBLIC_SECURITY)
AUDITOR = actor(Department.AUDIT)


def notice(
    items: tuple[str, ...] = ("hang the licence at the entrance",),
    deadline: date = date(2026, 12, 31),
    basis: str = "《校外培训行政处罚暂行办法》第十四条",
) -> RectificationNotice:
    return RectificationNotice(basis, items, deadline)


@dataclass
class Calendar:
    """The day the workflow judges deadlines on; tests move it."""

    day: date = FRIDAY

    def today(self) -> date:
        return self.day


@dataclass
class Workflow:
    cases: CaseService
    sessions: async_sessionmaker[AsyncSession]
    calendar: Calendar = field(default_factory=Calendar)

    def as_request(self, event: WriteEvent) -> CaseService:
        return CaseService(self.sessions, CaseSettings(), today=self.calendar.today, event=event)


@asynccontextmanager
async def workflow(
    database_url: str, settings: CaseSettings | None = None
) -> AsyncIterator[Workflow]:
    engine = create_hub_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    calendar = Calendar()
    try:
        service = CaseService(sessions, settings or CaseSettings(), today=calendar.today)
        yield Workflow(service, sessions, calendar)
    finally:
        await engine.dispose()


def ok(result: CaseResult) -> CaseRecord:
    assert not isinstance(result, CaseFailure), result
    return result


def failed(result: CaseResult) -> CaseFailure:
    assert isinstance(result, CaseFailure), result
    return result
