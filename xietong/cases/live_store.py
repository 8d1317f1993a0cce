"""The SQL behind the live notice's sweep: whose turn it is, which referrals went
overdue unannounced, and the risk level last announced per institution. Each
announcement is recorded in the transaction that sends it, so with any number of
workers an event is sent once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from xietong.cases.records import FINAL, CaseRecord
from xietong.cases.store import load_case
from xietong.domain.risk import RiskLevel
from xietong.kernel.case_tables import Case, OverdueAnnounced, RiskLevelSeen, SweepLease


async def claim_sweep(session: AsyncSession, name: str, now: datetime, next_at: datetime) -> bool:
    """Take the sweep ``name`` if it is due (moving it to ``next_at``): true for
    the one worker whose update found it due."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(upsert(SweepLease).values(name=name, due_at=now).on_conflict_do_nothing())
    taken = await session.execute(
        update(SweepLease)
        .where(SweepLease.name == name, SweepLease.due_at <= now)
        .values(due_at=next_at)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


async def overdue_unannounced(session: AsyncSession, today: date) -> list[str]:
    """Ids of referrals past their due day whose lateness was not announced yet."""
    announced = select(OverdueAnnounced.case_id).where(
        OverdueAnnounced.case_id == Case.id, OverdueAnnounced.answer_due == Case.answer_due
    )
    found = await session.scalars(
        select(Case.id)
        .where(
            Case.answer_due < today,
            Case.referred_by.is_not(None),
            Case.status.not_in([status.value for status in FINAL]),
            ~announced.exists(),
        )
        .order_by(Case.answer_due, Case.id)
    )
    return list(found)


async def announce_overdue(session: AsyncSession, case_id: str, now: datetime) -> CaseRecord | None:
    """Record that the case's lateness is announced; the case, or None when another
    worker did it first (the caller then sends nothing)."""
    case = await load_case(session, case_id)
    if case is None or case.answer_due is None:
        return None
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = await session.execute(
        upsert(OverdueAnnounced)
        .values(case_id=case_id, answer_due=case.answer_due, announced_at=now)
        .on_conflict_do_nothing()
    )
    return case if added.rowcount else None  # type: ignore[attr-defined]


async def levels_seen(session: AsyncSession, codes: list[str]) -> dict[str, RiskLevel]:
    rows = await session.execute(
        select(RiskLevelSeen.credit_code, RiskLevelSeen.level).where(
            RiskLevelSeen.credit_code.in_(codes)
        )
    )
    return {code: RiskLevel[level] for code, level in rows}


async def see_level(
    session: AsyncSession,
    credit_code: str,
    region: str,
    level: RiskLevel,
    seen: Mapping[str, RiskLevel],
    now: datetime,
) -> bool:
    """Store ``level`` as seen, if what was seen is still ``seen`` (another worker
    may have moved it meanwhile); true when this call changed it."""
    before = seen.get(credit_code)
    if before is None:
        dialect = session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        added = await session.execute(
            upsert(RiskLevelSeen)
            .values(credit_code=credit_code, region=region, level=level.name, assessed_at=now)
            .on_conflict_do_nothing()
        )
        return bool(added.rowcount)  # type: ignore[attr-defined]
    changed = await session.execute(
        update(RiskLevelSeen)
        .where(RiskLevelSeen.credit_code == credit_code, RiskLevelSeen.level == before.name)
        .values(level=level.name, region=region, assessed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(changed.rowcount)  # type: ignore[attr-defined]
