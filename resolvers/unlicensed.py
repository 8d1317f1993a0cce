"""Unlicensed operators: registered to train, unknown to the education bureau."""

from __future__ import annotations

from xietong.cases.facts import tip_off_leads as hub_tip_off_leads
from xietong.cases.records import CaseRecord
from xietong.domain.records import BusinessRegistration
from xietong.resolvers.context import HubContext
from xietong.resolvers.returned import note_returned


async def unlicensed_operators(
    context: HubContext, region: str | None, after: str | None, first: int
) -> tuple[list[BusinessRegistration], int]:
    """Up to ``first + 1`` registrations after ``after`` (by credit code), and the total."""
    scope = context.scope.narrowed(region, argument="region")
    adapters = context.hub.adapters
    candidates = await adapters.market.training_registrations(scope.prefix)
    licensed = await adapters.education.load([r.credit_code for r in candidates])
    hidden = sorted(
        (r for r in candidates if r.credit_code not in licensed), key=lambda r: r.credit_code
    )
    later = [r for r in hidden if after is None or r.credit_code > after]
    note_returned(context, [r.credit_code for r in later[:first]])
    return later[: first + 1], len(hidden)


async def tip_off_leads(context: HubContext, region: str | None) -> list[CaseRecord]:
    """Open tip-offs about operators the education bureau does not list, in the
    region: who was reported, where, for what (never the report's content or its
    reporter, which stay with the case)."""
    scope = context.scope.narrowed(region, argument="region")
    found = await hub_tip_off_leads(context.hub.sessions, scope.prefix)
    note_returned(context, [f"id:{case.id}" for case in found])
    return found
