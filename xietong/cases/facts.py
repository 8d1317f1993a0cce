"""What the hub's cases add to institutions' joint records, read together for many
institutions: hub rectification notices and open alarming tip-offs. The request's
loaders and the planner's ``riskAtLeast`` both read it, so a risk judged in a
filter is the one ``Institution.risk`` shows."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.cases import store
from xietong.cases.notices import as_inspection, as_notice
from xietong.cases.records import CaseKind, CaseRecord
from xietong.domain.records import Inspection
from xietong.domain.risk import HubFacts
from xietong.kernel.db import lookup


async def hub_facts(lookups: Engine, credit_codes: Sequence[str]) -> dict[str, HubFacts]:
    """Each institution's facts; one without any is left out. ``lookups``: the hub
    store's engine for reads in a worker thread (``Hub.lookup_engine``)."""
    return await asyncio.to_thread(_hub_facts, lookups, credit_codes)


def _hub_facts(lookups: Engine, credit_codes: Sequence[str]) -> dict[str, HubFacts]:
    notices, alerts = lookup(
        lookups,
        lambda connection: (
            store.notices_of_institutions(connection, credit_codes),
            store.tip_off_alerts_of(connection, credit_codes),
        ),
    )
    return {
        code: HubFacts(
            notices=tuple(as_notice(case) for case in notices.get(code, [])),
            tip_off_alerts=alerts.get(code, 0),
        )
        for code in {*notices, *alerts}
    }


async def hub_inspections(
    lookups: Engine, credit_codes: Sequence[str]
) -> dict[str, list[Inspection]]:
    """Each institution's inspections recorded in the hub; one without any is left out."""
    return await asyncio.to_thread(_hub_inspections, lookups, credit_codes)


def _hub_inspections(lookups: Engine, credit_codes: Sequence[str]) -> dict[str, list[Inspection]]:
    found = lookup(
        lookups,
        lambda connection: store.notices_of_institutions(
            connection, credit_codes, CaseKind.INSPECTION
        ),
    )
    return {code: [as_inspection(case) for case in cases] for code, cases in found.items()}


async def tip_off_leads(
    sessions: async_sessionmaker[AsyncSession], region_prefix: str
) -> list[CaseRecord]:
    """Open tip-offs about unlisted operators in the region: leads for the hunt for
    unlicensed operators, beside the registrations that hold no licence."""
    async with sessions() as session:
        return await store.unlisted_tip_offs(session, region_prefix)
