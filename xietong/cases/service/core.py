"""What every step of the case workflow shares (DESIGN §13).

Each change reads the case, asks ``rules`` whether the actor may make it, and
writes in one short transaction that starts with the compare-and-set on
``version`` (``store``), adds the step to the case's timeline and ends with the
request's access-log event (``xietong.audit.in_transaction``): a change is
committed with its timeline step and its event, or not at all. Refusals are
returned as ``CaseFailure`` values.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.audit.in_transaction import WriteEvent, audited
from xietong.auth.clock import Clock, utc_now
from xietong.cases import store
from xietong.cases.calendar import WorkingCalendar
from xietong.cases.live import AssignmentReason, assignment
from xietong.cases.records import (
    FINAL,
    CaseAction,
    CaseFailure,
    CaseFilter,
    CaseKind,
    CaseRecord,
    CaseStatus,
    TimelineEntry,
)
from xietong.cases.rules import (
    version_conflict,
)
from xietong.cases.rules.inspections import AttachmentLimits
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.kernel.case_settings import CaseSettings
from xietong.kernel.live_bus import LiveBus

CaseResult = CaseRecord | CaseFailure


class _LostRace(Exception):
    """The case moved on between reading it and writing: undo and say so."""


class CaseCore:
    """The workflow's state and its shared steps: open a case, change one."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: CaseSettings,
        *,
        today: Callable[[], date],
        clock: Clock = utc_now,
        event: WriteEvent | None = None,
        live: LiveBus | None = None,
    ) -> None:
        """``today``: the date deadlines are judged on (the hub's, in China);
        ``event``: the access-log event each change commits with (a request's);
        ``live``: where a case assigned to a department is announced."""
        self._sessions = sessions
        self._prefixes: Mapping[str, str] = settings.notice_prefixes
        self._referral_days = settings.referral_days
        self._calendar = WorkingCalendar(settings.holidays, settings.workdays)
        self._today = today
        self._clock = clock
        self._event = event
        self._live = live
        self._attachment_limits = AttachmentLimits(
            settings.attachment_bytes, settings.case_attachment_bytes
        )

    async def get(self, case_id: str) -> CaseRecord | None:
        async with self._sessions() as session:
            return await store.load_case(session, case_id)

    async def page(
        self,
        *,
        region_prefix: str,
        where: CaseFilter,
        after: store.PageKey | None,
        limit: int,
    ) -> tuple[list[CaseRecord], int]:
        async with self._sessions() as session:
            return await store.cases_page(
                session,
                region_prefix=region_prefix,
                where=where,
                today=self._today(),
                after=after,
                limit=limit,
            )

    async def open_case(
        self,
        actor: Actor,
        kind: CaseKind,
        credit_code: str,
        region: str,
        details: dict[str, Any],
        action: CaseAction,
        *,
        involved: tuple[Department, ...] | None = None,
        status: CaseStatus | None = None,
    ) -> CaseResult:
        case_id = str(uuid.uuid4())
        now = self._clock()
        case = new_case(
            actor,
            case_id,
            kind,
            status=status or CaseStatus.OPEN,
            credit_code=credit_code,
            region=region,
            details=details,
            at=now,
            involved=involved,
        )
        async with audited(
            self._sessions, self._event, changed=[f"id:{case_id}", credit_code]
        ) as session:
            await self.add_opened(session, actor, case, action)
            return await self.stored(session, case_id)

    async def add_opened(
        self, session: AsyncSession, actor: Actor, case: CaseRecord, action: CaseAction
    ) -> None:
        """Store a case just opened, with the first step of its timeline."""
        await store.add_case(session, case)
        await store.add_event(session, case.id, self.step(actor, action, case.status, None))

    async def stored(self, session: AsyncSession, case_id: str) -> CaseRecord:
        """A case just opened or changed, as the change's own transaction stored it
        (read after the commit, it could already show the next change)."""
        found = await store.load_case(session, case_id)
        assert found is not None, "cases are never deleted"
        return found

    def next_version(self, case: CaseRecord, **changes: Any) -> CaseRecord:
        return dataclasses.replace(
            case, version=case.version + 1, updated_at=self._clock(), **changes
        )

    def step(
        self, actor: Actor, action: CaseAction, status: CaseStatus, note: str | None
    ) -> TimelineEntry:
        return TimelineEntry(
            at=self._clock(),
            action=action,
            status=status,
            department=actor.department,
            subject=actor.subject,
            client_id=actor.client_id,
            note=note,
        )

    async def change(
        self,
        actor: Actor,
        case: CaseRecord,
        expected_version: int,
        changed: CaseRecord,
        action: CaseAction,
        note: str | None,
        *,
        announce: AssignmentReason | None = None,
    ) -> CaseResult:
        """``announce``: the change assigns the case to a department, which hears of
        it live (sent with the commit, never for a change that did not happen)."""
        keys = [f"id:{case.id}", *([case.credit_code] if case.credit_code else [])]
        news = assignment(changed, announce, changed.updated_at).event() if announce else None
        try:
            async with audited(self._sessions, self._event, changed=keys) as session:
                if not await store.compare_and_set(session, case, expected_version, changed):
                    raise _LostRace
                await store.add_event(
                    session, case.id, self.step(actor, action, changed.status, note)
                )
                if news is not None and self._live is not None:
                    await self._live.publish_in(session, news)
                stored = await self.stored(session, case.id)
        except _LostRace:
            current = await self.get(case.id)
            return version_conflict(expected_version, current.version if current else None)
        if news is not None and self._live is not None:
            await self._live.publish_after(news)
        return stored


def new_case(
    actor: Actor,
    case_id: str,
    kind: CaseKind,
    *,
    status: CaseStatus,
    credit_code: str | None,
    region: str,
    details: dict[str, Any],
    at: datetime,
    number: str | None = None,
    involved: tuple[Department, ...] | None = None,
) -> CaseRecord:
    """A case as its first contact opens it (首接负责制): version 1, held by and the
    responsibility of the actor's department."""
    return CaseRecord(
        id=case_id,
        kind=kind,
        status=status,
        credit_code=credit_code,
        region=region,
        number=number,
        opened_by_department=actor.department,
        responsible=actor.department,
        assigned_to=actor.department,
        referred_by=None,
        answer_due=None,
        involved=involved or (actor.department,),
        details=details,
        version=1,
        opened_by=actor.subject,
        opened_at=at,
        updated_at=at,
        closed_at=at if status in FINAL else None,
        outcome=None,
    )
