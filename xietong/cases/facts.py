"""What the hub's cases add to institutions' joint records, read together for many
institutions: hub rectification notices and open alarming tip-offs (the facts), and the
inspections recorded in the hub. The request's loaders and the planner's
``riskAtLeast`` both read the facts, so a risk judged in a filter is the one
``Institution.risk`` shows."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.cases import store
from xietong.cases.notices import as_inspection, as_notice
from xietong.cases.records import CaseKind, CaseRecord
from xietong.domain.records import Inspection
from xietong.domain.risk import HubFacts
from xietong.kernel.db import lookup


@dataclass(frozen=True, slots=True)
class HubCases:
    """What ``hub_cases`` read: each institution's facts and inspections, None for the
    part not asked for; an institution without any is left out of each."""

    facts: dict[str, HubFacts] | None = None
    inspections: dict[str, list[Inspection]] | None = None


async def hub_cases(
    lookups: Engine, credit_codes: Sequence[str], *, facts: bool, inspections: bool
) -> HubCases:
    """The institutions' ``facts`` and ``inspections`` (whichever are asked for) in one
    read: one worker thread and one connection for a joint record's hub cases, where a
    read of each cost both twice (``lookups``: the hub store's engine for reads in a
    worker thread, ``Hub.lookup_engine``)."""
    return await asyncio.to_thread(_hub_cases, lookups, credit_codes, facts, inspections)


async def hub_facts(lookups: Engine, credit_codes: Sequence[str]) -> dict[str, HubFacts]:
    """Each institution's facts; one without any is left out."""
    found = await hub_cases(lookups, credit_codes, facts=True, inspections=False)
    assert found.facts is not None, "asked for"
    return found.facts


async def hub_inspections(
    lookups: Engine, credit_codes: Sequence[str]
) -> dict[str, list[Inspection]]:
    """Each institution's inspections recorded in the hub; one without any is left out."""
    found = await hub_cases(lookups, credit_codes, facts=False, inspections=True)
    assert found.inspections is not None, "asked for"
    return found.inspections


def _hub_cases(
    lookups: Engine, credit_codes: Sequence[str], facts: bool, inspections: bool
) -> HubCases:
    kinds = [
        *([CaseKind.RECTIFICATION] if facts else []),
        *([CaseKind.INSPECTION] if inspections else []),
    ]

    def read(connection: Connection) -> HubCases:
        cases = store.cases_of_institutions(connection, credit_codes, kinds)
        alerts = store.tip_off_alerts_of(connection, credit_codes) if facts else {}
        return HubCases(
            facts=_facts(cases[CaseKind.RECTIFICATION], alerts) if facts else None,
            inspections=(
                {
                    code: [as_inspection(case) for case in found]
                    for code, found in cases[CaseKind.INSPECTION].items()
                }
                if inspections
                else None
            ),
        )

    return lookup(lookups, read)


def _facts(notices: dict[str, list[CaseRecord]], alerts: dict[str, int]) -> dict[str, HubFacts]:
    return {
        code: HubFacts(
            notices=tuple(as_notice(case) for case in notices.get(code, [])),
            tip_off_alerts=alerts.get(code, 0),
        )
        for code in {*notices, *alerts}
    }


async def tip_off_leads(
    sessions: async_sessionmaker[AsyncSession], region_prefix: str
) -> list[CaseRecord]:
    """Open tip-offs about unlisted operators in the region: leads for the hunt for
    unlicensed operators, beside the registrations that hold no licence."""
    async with sessions() as session:
        return await store.unlisted_tip_offs(session, region_prefix)
