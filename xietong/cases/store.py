"""The SQL of the case workflow over the hub's ``cases``, ``case_events`` and
``case_counters`` tables; callers own the session and its transaction.

Every change is a compare-and-set on the case's ``version``, made first in its
transaction (as for reviews): two writers never both build on one version. A
notice's number comes from its department's counter for the year, bumped in the
notice's own transaction: the bump's row lock (PostgreSQL) or the write lock
(SQLite) makes concurrent issuers on any number of workers take turns, and a
notice that rolls back gives its number back with it, so numbers are gapless.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    String,
    bindparam,
    cast,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from xietong.auth.clock import as_utc
from xietong.cases.records import (
    CaseAction,
    CaseFilter,
    CaseKind,
    CaseRecord,
    CaseStatus,
    TimelineEntry,
)
from xietong.domain.departments import Department
from xietong.kernel.case_tables import Case, CaseCounter, CaseEvent

PageKey = tuple[datetime, str]
"""Where a page of cases starts after: (opened at, id), newest first."""


async def load_case(session: AsyncSession, case_id: str) -> CaseRecord | None:
    row = await session.scalar(
        select(Case).options(selectinload(Case.timeline)).where(Case.id == case_id)
    )
    return _record(row) if row is not None else None


async def next_number(session: AsyncSession, department: Department, year: int) -> int:
    """The next number of ``department``'s notices in ``year``, taken for good
    only if the caller's transaction commits."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(CaseCounter)
        .values(department=department.value, year=year, last=0)
        .on_conflict_do_nothing()
    )
    bumped = await session.scalar(
        update(CaseCounter)
        .where(CaseCounter.department == department.value, CaseCounter.year == year)
        .values(last=CaseCounter.last + 1)
        .returning(CaseCounter.last)
        .execution_options(synchronize_session=False)
    )
    assert bumped is not None, "the counter row was made above"
    return int(bumped)


async def add_case(session: AsyncSession, case: CaseRecord) -> None:
    session.add(
        Case(
            id=case.id,
            kind=case.kind.value,
            status=case.status.value,
            credit_code=case.credit_code,
            region=case.region,
            number=case.number,
            opened_by_department=case.opened_by_department.value,
            responsible=case.responsible.value,
            assigned_to=case.assigned_to.value,
            referred_by=None,
            answer_due=None,
            involved=[d.value for d in case.involved],
            details=case.details,
            version=case.version,
            opened_by=case.opened_by,
            opened_at=case.opened_at,
            updated_at=case.updated_at,
            closed_at=case.closed_at,
            outcome=case.outcome,
        )
    )
    await session.flush()


async def compare_and_set(
    session: AsyncSession, case: CaseRecord, expected_version: int, changed: CaseRecord
) -> bool:
    """Move ``case`` from ``expected_version`` to ``changed`` (its next version);
    False if it is no longer at ``expected_version``."""
    values: dict[str, Any] = {
        "version": expected_version + 1,
        "status": changed.status.value,
        "responsible": changed.responsible.value,
        "assigned_to": changed.assigned_to.value,
        "referred_by": changed.referred_by.value if changed.referred_by else None,
        "answer_due": changed.answer_due,
        "involved": [d.value for d in changed.involved],
        "details": changed.details,
        "updated_at": changed.updated_at,
        "closed_at": changed.closed_at,
        "outcome": changed.outcome,
    }
    result = await session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == expected_version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def add_event(session: AsyncSession, case_id: str, entry: TimelineEntry) -> None:
    session.add(
        CaseEvent(
            case_id=case_id,
            at=entry.at,
            action=entry.action.value,
            status=entry.status.value,
            department=entry.department.value,
            subject=entry.subject,
            client_id=entry.client_id,
            note=entry.note,
        )
    )
    await session.flush()


async def cases_page(
    session: AsyncSession,
    *,
    region_prefix: str,
    where: CaseFilter,
    today: date,
    after: PageKey | None,
    limit: int,
) -> tuple[list[CaseRecord], int]:
    """Up to ``limit`` cases after ``after``, newest first, and how many match."""
    conditions = [Case.region.startswith(region_prefix), *_filtered(where, today)]
    total = await session.scalar(select(func.count()).select_from(Case).where(*conditions))
    if after is not None:
        opened_at, case_id = after
        conditions.append(
            or_(Case.opened_at < opened_at, (Case.opened_at == opened_at) & (Case.id < case_id))
        )
    rows = await session.scalars(
        select(Case)
        .options(selectinload(Case.timeline))
        .where(*conditions)
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return [_record(row) for row in rows], total or 0


_CASES_OF_INSTITUTIONS = (
    select(*Case.__table__.columns)
    .where(
        Case.kind.in_(bindparam("kinds", expanding=True)),
        Case.credit_code.in_(bindparam("codes", expanding=True)),
    )
    .order_by(Case.opened_at, Case.id)
)
"""Built once: every joint record asks it (its hub inspections and notices), and
building the statement afresh, then keying it for SQLAlchemy's cache, cost a fifth of
the CPU of reading it. Columns, not ORM instances: nothing here changes a case."""
_CASES_OF_KINDS = (
    select(*Case.__table__.columns)
    .where(Case.kind.in_(bindparam("kinds", expanding=True)), Case.credit_code.is_not(None))
    .order_by(Case.opened_at, Case.id)
)
"""For more institutions than ``CODES_LISTED_UP_TO``: the caller keeps those it asked about."""


def cases_of_institutions(
    connection: Connection, credit_codes: Collection[str], kinds: Collection[CaseKind]
) -> dict[CaseKind, dict[str, list[CaseRecord]]]:
    """Each institution's cases of each of ``kinds`` (rectification notices,
    inspections), oldest first, read together in one statement; an institution without
    any is left out. Blocking: on a lookup connection, in a worker thread
    (``cases.facts``)."""
    wanted = set(credit_codes)
    asked: dict[str, object] = {"kinds": sorted(kind.value for kind in kinds)}
    if len(wanted) <= CODES_LISTED_UP_TO:
        rows = connection.execute(_CASES_OF_INSTITUTIONS, {**asked, "codes": sorted(wanted)})
    else:
        rows = connection.execute(_CASES_OF_KINDS, asked)
    found: dict[CaseKind, dict[str, list[CaseRecord]]] = {kind: {} for kind in kinds}
    for row in rows:
        assert row.credit_code is not None, "notices and inspections are of an institution"
        if row.credit_code in wanted:
            of_kind = found[CaseKind(row.kind)]
            of_kind.setdefault(row.credit_code, []).append(_record(row, timeline=False))
    return found


def tip_off_alerts_of(connection: Connection, credit_codes: Collection[str]) -> dict[str, int]:
    """How many open tip-offs about each institution raise a concern (absconding,
    refused refunds); an institution without any is left out. Blocking, as above."""
    wanted = set(credit_codes)
    if len(wanted) <= CODES_LISTED_UP_TO:
        rows = connection.execute(_OPEN_TIP_OFFS_OF_INSTITUTIONS, {"codes": sorted(wanted)})
    else:
        rows = connection.execute(_OPEN_TIP_OFFS)
    found: dict[str, int] = {}
    for credit_code, details in rows:
        if credit_code in wanted and details.get("concerns"):
            found[credit_code] = found.get(credit_code, 0) + 1
    return found


_OPEN_TIP_OFFS = select(Case.credit_code, Case.details).where(
    Case.kind == CaseKind.TIP_OFF.value,
    Case.status != CaseStatus.CLOSED.value,
    Case.credit_code.is_not(None),
)
_OPEN_TIP_OFFS_OF_INSTITUTIONS = _OPEN_TIP_OFFS.where(
    Case.credit_code.in_(bindparam("codes", expanding=True))
)
"""Built once, as ``_CASES_OF_INSTITUTIONS``: every joint record's risk asks it."""


CODES_LISTED_UP_TO = 500
"""Institutions asked about in an ``IN`` list; for more (a district's risk), the cases
of the kind are read and kept here: the hub holds far fewer cases than a city has
institutions, and an ``IN`` list of thousands costs more to build than to answer."""


def _filtered(where: CaseFilter, today: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.visible_to is not None:
        # involved is a JSON list of enum names: matching the quoted name as text
        # works the same on SQLite and PostgreSQL.
        quoted = f'%"{where.visible_to.value}"%'.replace("_", "\\_")
        conditions.append(cast(Case.involved, String).like(quoted, escape="\\"))
    if where.assigned_to is not None:
        conditions.append(Case.assigned_to == where.assigned_to.value)
    if where.kind is not None:
        conditions.append(Case.kind == where.kind.value)
    if where.status is not None:
        conditions.append(Case.status == where.status.value)
    if where.credit_code is not None:
        conditions.append(Case.credit_code == where.credit_code)
    if where.overdue is True:
        conditions.append(Case.answer_due < today)
    elif where.overdue is False:
        conditions.append(or_(Case.answer_due.is_(None), Case.answer_due >= today))
    return conditions


def _record(row: Case | Row[Any], *, timeline: bool = True) -> CaseRecord:
    """The case's record; a row read as columns has no timeline (``timeline=False``)."""
    return CaseRecord(
        id=row.id,
        kind=CaseKind(row.kind),
        status=CaseStatus(row.status),
        credit_code=row.credit_code,
        region=row.region,
        number=row.number,
        opened_by_department=Department(row.opened_by_department),
        responsible=Department(row.responsible),
        assigned_to=Department(row.assigned_to),
        referred_by=Department(row.referred_by) if row.referred_by else None,
        answer_due=row.answer_due,
        involved=tuple(Department(d) for d in row.involved),
        details=dict(row.details),
        version=row.version,
        opened_by=row.opened_by,
        opened_at=as_utc(row.opened_at),
        updated_at=as_utc(row.updated_at),
        closed_at=as_utc(row.closed_at) if row.closed_at else None,
        outcome=row.outcome,
        timeline=_timeline(row.timeline) if timeline else (),
    )


def _timeline(rows: Sequence[CaseEvent]) -> tuple[TimelineEntry, ...]:
    return tuple(
        TimelineEntry(
            at=as_utc(row.at),
            action=CaseAction(row.action),
            status=CaseStatus(row.status),
            department=Department(row.department),
            subject=row.subject,
            client_id=row.client_id,
            note=row.note,
        )
        for row in sorted(rows, key=lambda row: row.id)
    )


async def unlisted_tip_offs(session: AsyncSession, region_prefix: str) -> list[CaseRecord]:
    """Tip-offs not closed about operators named without a credit code (the
    education bureau does not list them), in the region, oldest first."""
    rows = await session.scalars(
        select(Case)
        .where(
            Case.kind == CaseKind.TIP_OFF.value,
            Case.status != CaseStatus.CLOSED.value,
            Case.credit_code.is_(None),
            Case.region.startswith(region_prefix),
        )
        .order_by(Case.opened_at, Case.id)
    )
    return [_record(row, timeline=False) for row in rows]
