"""Resolvers of the joint record: an institution as every department sees it.

Row scope (``context.scope``) is applied where records are loaded: a record outside
the principal's region is not found in lists (``Loaders.visible_institutions``), and
OUT_OF_SCOPE when asked for directly.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from xietong.adapters.sources.errors import SourceUnavailableError, or_unavailable
from xietong.auth.decisions import decide
from xietong.cases import facts
from xietong.cases.facts import hub_facts
from xietong.domain.departments import Department
from xietong.domain.records import (
    AdvertisingViolation,
    BackgroundCheck,
    BusinessRegistration,
    Complaint,
    FireSafetyRecord,
    FundSupervision,
    Inspection,
    Institution,
    Premises,
    RectificationNotice,
    StaffMember,
)
from xietong.domain.risk import (
    ALL_DETAIL_FIELDS,
    HubFacts,
    JointRecord,
    RiskLevel,
    RiskSignal,
    assess,
    visible_detail,
)
from xietong.planner import FilterCriteria, plan
from xietong.planner.cache import PlanKey
from xietong.resolvers.context import HubContext
from xietong.resolvers.loaders import NO_FACTS
from xietong.resolvers.returned import note_returned, page_of
from xietong.resolvers.settled import Answer, retrieve, settled
from xietong.reviews.checklist import Observation, take_snapshot

T = TypeVar("T")

_LEDGER = frozenset({"FundSupervision.orders", "FundSupervision.refunds", "Institution.risk"})
"""Fields that read a custody account's orders and refunds (a risk is judged on them)."""


def _selected(context: HubContext) -> set[str]:
    """The fields the operation may read (the policy's decisions are on those it selects)."""
    return context.decisions.read | set(context.decisions.masked)


def _funds(context: HubContext) -> DataLoader[str, FundSupervision | None]:
    """The banks' accounts with their ledger if the request reads it, else without
    (one statement or request a bank instead of three, and no orders to convert).
    Asked by every ``funds`` field of a page: tested against the decisions as they are."""
    decisions = context.decisions
    reads_ledger = not (_LEDGER.isdisjoint(decisions.read) and _LEDGER.isdisjoint(decisions.masked))
    return context.loaders.funds if reads_ledger else context.loaders.custody_accounts


# Sections keyed by the credit code alone, and the fields that need each: a direct
# lookup asks their departments at the same time as the education bureau, a page
# before its fields are answered.
_PREFETCHED: list[tuple[frozenset[str], Callable[[HubContext], DataLoader[str, Any]]]] = [
    (
        frozenset(
            {
                "Institution.registration",
                "Institution.complaints",
                "Institution.advertisements",
                "Institution.risk",
            }
        ),
        lambda context: context.loaders.registrations,
    ),
    (
        frozenset({"Institution.fireSafety", "Institution.premises", "Institution.risk"}),
        lambda context: context.loaders.fire_safety,
    ),
    (frozenset({"Institution.funds", "Institution.risk"}), _funds),
]


def _prefetch_sections(
    context: HubContext, credit_codes: Sequence[str], selected: Set[str]
) -> list[asyncio.Future[object]]:
    """Start loading the selected sections of ``credit_codes`` (each department once,
    as the fields would have asked), and return what is loading.

    Their fields then answer at once (``settled``); a department that fails is left
    to its fields to report, as if they had asked it themselves.
    """
    pending: list[asyncio.Future[object]] = []
    for fields, loader_of in _PREFETCHED:
        if selected & fields:
            loader = loader_of(context)
            for code in credit_codes:
                future = asyncio.ensure_future(loader.load(code))  # a future already
                # Awaited by the field's resolver; if the query ends first (out of
                # scope), the outcome is still retrieved, so nothing is left unhandled.
                future.add_done_callback(retrieve)
                pending.append(future)
    return pending


_HUB_FACTS_FIELDS = frozenset({"Institution.risk", "Institution.rectificationNotices"})
"""The fields that read the hub's facts (``cases.facts``)."""


async def _read_hub_cases(
    context: HubContext, credit_codes: Sequence[str], selected: Set[str]
) -> None:
    """The hub's inspections and facts of a page or of one institution, those selected,
    in one read beside the departments', for ``inspections``, ``risk`` and
    ``rectificationNotices`` to take; if the hub store fails, each field asks it again
    and reports its own error."""
    wants_inspections = "Institution.inspections" in selected
    wants_facts = not _HUB_FACTS_FIELDS.isdisjoint(selected)
    if not (wants_inspections or wants_facts):
        return
    try:
        found = await facts.hub_cases(
            context.hub.lookup_engine,
            credit_codes,
            facts=wants_facts,
            inspections=wants_inspections,
        )
    except Exception:
        return
    loaders = context.loaders
    if found.inspections is not None:
        loaders.inspections_read.update(
            {code: found.inspections.get(code, []) for code in credit_codes}
        )
    if found.facts is not None:
        loaders.facts_read.update({code: found.facts.get(code, NO_FACTS) for code in credit_codes})


async def _hub_facts(context: HubContext, credit_code: str) -> HubFacts:
    """The institution's hub facts: as read with its page or lookup, else read now."""
    read = context.loaders.facts_read.get(credit_code)
    if read is not None:
        return read
    return await context.loaders.hub_facts.load(credit_code)


async def _sections_loaded(pending: Sequence[asyncio.Future[object]]) -> None:
    if pending:
        await asyncio.wait(pending)


async def institution(context: HubContext, credit_code: str) -> Institution | None:
    # Only when the code's own region (characters 3-8 of a credit code name the
    # registering authority's region) is in scope: a hint to save a round trip, not a
    # permission; the scope check on the education record still decides.
    if context.scope.contains(credit_code[2:8]):
        selected = _selected(context)
        _prefetch_sections(context, [credit_code], selected)
        # Both awaited even when the education record fails: the hub store's read runs
        # in a thread, which must not outlive the request (and its hub) unseen.
        found, _ = await asyncio.gather(
            context.loaders.institutions.load(credit_code),
            _read_hub_cases(context, [credit_code], selected),
            return_exceptions=True,
        )
        if isinstance(found, BaseException):
            raise found
        record = found
    else:
        record = await context.loaders.institutions.load(credit_code)
    if record is not None:
        context.scope.require(
            record.region, what=f"institution {credit_code}", argument="creditCode"
        )
        note_returned(context, [record.credit_code])
    return record


async def institutions_page(
    context: HubContext,
    criteria: FilterCriteria | None,
    after: str | None,
    first: int,
    *,
    selected: Set[str] = frozenset(),
) -> tuple[list[Institution], int]:
    """Up to ``first`` institutions in scope meeting ``criteria``, after the code ``after``;
    and how many meet it in all. A filter's region must lie within the principal's.
    ``selected``: the fields (``Institution.funds``...) asked of each, whose sections
    are loaded for the whole page before it is answered."""
    region = None if criteria is None else criteria.region
    scope = context.scope.narrowed(region, argument="filter.region")
    adapters = context.hub.adapters
    if criteria is None or criteria.only_region:
        page, total = await adapters.education.page(scope.prefix, after, first)
    else:
        key = PlanKey(criteria, scope.prefix, context.hub.today())
        found = await context.hub.plans.plan(
            key,
            lambda: plan(
                adapters,
                criteria,
                region_prefix=key.region_prefix,
                today=key.today,
                hub_facts=partial(hub_facts, context.hub.lookup_engine),
            ),
        )
        start = bisect.bisect_right(found.codes, after) if after is not None else 0
        records = await context.loaders.visible_institutions(found.codes[start : start + first])
        page, total = [record for record in records if record is not None], len(found.codes)
    codes = [record.credit_code for record in page_of(page, first)]
    await asyncio.gather(
        _sections_loaded(_prefetch_sections(context, codes, selected)),
        _read_hub_cases(context, codes, selected),
    )
    note_returned(context, codes)
    return page, total


@dataclass(frozen=True, slots=True)
class Employment:
    institution: Institution
    staff: StaffMember


async def employments(context: HubContext, id_number: str) -> list[Employment] | None:
    """Where a person works, within the principal's region; None if nowhere known."""
    lines = await context.loaders.employments.load(id_number)
    if not lines:
        return None
    records = await context.loaders.visible_institutions([line.credit_code for line in lines])
    found = [
        Employment(record, line)
        for line, record in zip(lines, records, strict=True)
        if record is not None
    ]
    if not found:
        raise context.scope.refusal("every place this person works", argument="idNumber")
    note_returned(context, [id_number, *(e.institution.credit_code for e in found)])
    return found


def registration(context: HubContext, credit_code: str) -> Answer[BusinessRegistration | None]:
    return settled(context.loaders.registrations.load(credit_code), _same)


def complaints(context: HubContext, credit_code: str) -> Answer[list[Complaint]]:
    return settled(context.loaders.registrations.load(credit_code), _complaints)


def advertisements(context: HubContext, credit_code: str) -> Answer[list[AdvertisingViolation]]:
    return settled(context.loaders.registrations.load(credit_code), _advertisements)


def premises(context: HubContext, credit_code: str) -> Answer[list[Premises] | None]:
    """Each campus as fire safety holds it; None when fire safety has no record."""
    return settled(context.loaders.fire_safety.load(credit_code), _premises)


def fire_safety(context: HubContext, credit_code: str) -> Answer[FireSafetyRecord | None]:
    return settled(context.loaders.fire_safety.load(credit_code), _same)


def funds(context: HubContext, credit_code: str) -> Answer[FundSupervision | None]:
    return settled(_funds(context).load(credit_code), _same)


def _same(found: T) -> T:
    return found


def _joined(own: Sequence[Inspection], hub: list[Inspection]) -> list[Inspection]:
    return [*own, *hub]


def _complaints(found: BusinessRegistration | None) -> list[Complaint]:
    return list(found.complaints) if found else []


def _advertisements(found: BusinessRegistration | None) -> list[AdvertisingViolation]:
    return list(found.advertising_violations) if found else []


def _premises(found: FireSafetyRecord | None) -> list[Premises] | None:
    return None if found is None else list(found.premises)


def inspections(context: HubContext, record: Institution) -> Answer[list[Inspection]]:
    """The education bureau's inspections, then those recorded in the hub, each
    saying its origin."""
    read = context.loaders.inspections_read.pop(record.credit_code, None)
    if read is not None:
        return [*record.inspections, *read]
    return settled(
        context.loaders.hub_inspections.load(record.credit_code),
        partial(_joined, record.inspections),
    )


async def rectification_notices(
    context: HubContext, record: Institution
) -> list[RectificationNotice]:
    """Every rectification notice served on the institution: the education bureau's
    own, from its inspections, then those issued in the hub, each saying its origin."""
    own = [notice for inspection in record.inspections for notice in inspection.notices]
    return [*own, *(await _hub_facts(context, record.credit_code)).notices]


async def background_check(context: HubContext, id_number: str) -> BackgroundCheck | None:
    return await context.loaders.background_checks.load(id_number)


@dataclass(frozen=True, slots=True)
class Assessment:
    level: RiskLevel
    signals: list[RiskSignal]
    unavailable: list[Department]
    """Departments whose sources did not answer: their rules were not evaluated."""


async def risk(context: HubContext, record: Institution) -> Assessment:
    """Evaluate the rules on what the departments answer; one that is down costs only
    its own rules, and the assessment names it."""
    joint, unavailable = await _joint(context, record)
    level, signals = assess(joint)
    return Assessment(level, _shown(context, signals), unavailable)


async def observation(context: HubContext, credit_code: str) -> Observation | None:
    """The joint record as the caller reads it now, and its snapshot (what a review
    signer saw); None when the education bureau knows no such institution."""
    record = await context.loaders.institutions.load(credit_code)
    if record is None:
        return None
    joint, unavailable = await _joint(context, record)
    level, signals = assess(joint)
    return Observation(joint, take_snapshot(joint, level, _shown(context, signals), unavailable))


async def _joint(context: HubContext, record: Institution) -> tuple[JointRecord, list[Department]]:
    """Every department's record of ``record``, and the departments that did not answer."""
    loaders = context.loaders
    code = record.credit_code
    registration_, fire_, funds_, checks, hub = await asyncio.gather(
        or_unavailable(loaders.registrations.load(code)),
        or_unavailable(loaders.fire_safety.load(code)),
        or_unavailable(loaders.funds.load(code)),
        or_unavailable(loaders.background_checks.load_many([m.id_number for m in record.staff])),
        _hub_facts(context, code),
    )
    answers = (registration_, fire_, funds_, checks)
    unavailable = [a.department for a in answers if isinstance(a, SourceUnavailableError)]
    joint = JointRecord(
        institution=record,
        registration=None if isinstance(registration_, SourceUnavailableError) else registration_,
        fire_safety=None if isinstance(fire_, SourceUnavailableError) else fire_,
        funds=None if isinstance(funds_, SourceUnavailableError) else funds_,
        background_checks=None
        if isinstance(checks, SourceUnavailableError)
        else {
            member.id_number: check
            for member, check in zip(record.staff, checks, strict=True)
            if check is not None
        },
        today=context.hub.today(),
        funds_answered=not isinstance(funds_, SourceUnavailableError),
        hub_notices=hub.notices,
        tip_off_alerts=hub.tip_off_alerts,
    )
    return joint, unavailable


def _shown(context: HubContext, signals: list[RiskSignal]) -> list[RiskSignal]:
    """The signals with the details this reader may not read withheld."""
    readable = _readable_details(context)
    return [replace(s, detail=visible_detail(s, readable)) for s in signals]


def _readable_details(context: HubContext) -> frozenset[str]:
    """The fields signal details quote that this reader may read in full; the policy
    caches the answer per roles and purpose, so it is decided once, not per signal."""
    decisions = decide(
        context.policy,
        ALL_DETAIL_FIELDS,
        context.principal.roles,
        purpose=context.purpose is not None,
    )
    return frozenset(decisions.read)
