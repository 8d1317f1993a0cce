"""Searching the access log: filtered pages of events, newest first, and the chain check."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.selectable import TableValuedAlias

from xietong.audit.pseudonyms import Pseudonyms
from xietong.audit.recorder import ASKED, RETURNED
from xietong.audit.verify import ChainReport, verify_chain
from xietong.kernel.db import create_sync_engine
from xietong.kernel.identifiers import id_number_error
from xietong.kernel.store import AuditEvent


@dataclass(frozen=True, slots=True)
class AuditCriteria:
    client_id: str | None = None
    subject: str | None = None
    """The person (an officer through the console) or system that acted."""
    department: str | None = None
    outcome: str | None = None
    record_key: str | None = None
    """A credit code, an id, or an ID number in the clear (matched by its pseudonyms,
    as the log keeps it), asked for or returned."""
    field: str | None = None
    """``Type.field`` read, masked or refused."""
    since: datetime | None = None
    until: datetime | None = None


def _json_contains(column: Any, value: str, dialect: str) -> ColumnElement[bool]:
    """``value`` is an element of the JSON array in ``column``, on SQLite and PostgreSQL."""
    elements: TableValuedAlias
    if dialect == "postgresql":
        elements = func.json_array_elements_text(column).table_valued("value")
    else:
        elements = func.json_each(column).table_valued("value")
    return exists(
        select(literal_column("1")).select_from(elements).where(elements.c.value == value)
    )


def _where(criteria: AuditCriteria, dialect: str, pseudonyms: Pseudonyms) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.client_id:
        conditions.append(AuditEvent.client_id == criteria.client_id)
    if criteria.subject:
        conditions.append(AuditEvent.subject == criteria.subject)
    if criteria.department:
        conditions.append(AuditEvent.department == criteria.department)
    if criteria.outcome:
        conditions.append(AuditEvent.outcome == criteria.outcome)
    if criteria.since:
        conditions.append(AuditEvent.at >= criteria.since)
    if criteria.until:
        conditions.append(AuditEvent.at < criteria.until)
    if criteria.record_key:
        forms = [criteria.record_key]
        if not id_number_error(criteria.record_key):
            forms = pseudonyms.candidates(criteria.record_key)
        conditions.append(
            or_(
                *(
                    _json_contains(AuditEvent.record_keys, tagged, dialect)
                    for form in forms
                    for tagged in (ASKED + form, RETURNED + form, form)
                )
            )
        )
    if criteria.field:
        conditions.append(
            _json_contains(AuditEvent.fields_read, criteria.field, dialect)
            | _json_contains(AuditEvent.fields_masked, criteria.field, dialect)
            | _json_contains(AuditEvent.fields_denied, criteria.field, dialect)
        )
    return and_(true(), *conditions)


async def find_events(
    sessions: async_sessionmaker[AsyncSession],
    pseudonyms: Pseudonyms,
    criteria: AuditCriteria,
    before_seq: int | None,
    first: int,
) -> tuple[list[AuditEvent], int]:
    """Newest first: up to ``first + 1`` events older than ``before_seq``, and the total."""
    async with sessions() as session:
        where = _where(criteria, session.get_bind().dialect.name, pseudonyms)
        page: Select[AuditEvent] = select(AuditEvent).where(where)
        if before_seq is not None:
            page = page.where(AuditEvent.seq < before_seq)
        events = (
            await session.scalars(page.order_by(AuditEvent.seq.desc()).limit(first + 1))
        ).all()
        total = await session.scalar(select(func.count()).select_from(AuditEvent).where(where))
    return list(events), int(total or 0)


async def check_chain(database_url: str) -> ChainReport:
    """Walk the whole chain (in a thread: it is CPU and I/O bound, not async)."""

    def verify() -> ChainReport:
        engine = create_sync_engine(database_url)
        try:
            return verify_chain(engine)
        finally:
            engine.dispose()

    return await asyncio.to_thread(verify)
