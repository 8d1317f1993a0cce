"""Counting a region: each department's census asked at once, then each group's
institutions counted by set operations (one pass to sort them into groups).

The risk counts are the planner's signals (``planner.signals``): each rule asked of
the department holding its facts, the hub's own cases included, as ``riskAtLeast``
judges them, so the counts are exactly what each institution's ``risk`` says
(``tests/statistics`` checks them against the rules over every joint record) without
loading any joint record. The other counts come from the departments' own aggregates.

A department that does not answer costs only the measures that need it
(``RegionStatistics.unavailable``); without the education bureau there is nothing to
count.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.sources.errors import SourceUnavailableError, or_unavailable
from xietong.domain.census import EducationCensus, Listed, MarketCensus, Registered
from xietong.domain.matching import InstitutionCriteria
from xietong.domain.records import InstitutionCategory, RectificationStatus, TrainingDomain
from xietong.domain.risk import (
    AD_VIOLATION_WINDOW,
    COMPLAINT_SURGE_WINDOW,
    HubFacts,
    HubFactsOf,
    RiskCode,
    RiskLevel,
    levels_of,
)
from xietong.planner.signals import Found, raised
from xietong.statistics.custody import supervised_among
from xietong.statistics.records import Counts, Measure, RegionStatistics, StatisticsGroupBy

T = TypeVar("T")

RISK = frozenset({Measure.SIGNALS, Measure.RISK_LEVELS})
NEEDS_MARKET = RISK | {Measure.UNLICENSED_LEADS, Measure.COMPLAINTS}


@dataclass(frozen=True, slots=True)
class _Answers:
    education: EducationCensus
    market: MarketCensus | SourceUnavailableError | None
    risk: Found | SourceUnavailableError | None
    """Those raising each signal, when risk is counted."""
    supervised: frozenset[str] | SourceUnavailableError | None
    hub_open_notices: Mapping[str, int] = field(default_factory=dict)
    """Open notices issued in the hub (by education, market supervision or fire),
    beside those the education bureau's own system holds."""


async def count(
    adapters: AdapterCatalog,
    *,
    region: str,
    region_prefix: str,
    group_by: StatisticsGroupBy,
    wanted: frozenset[Measure],
    today: date,
    hub_facts: HubFactsOf | None = None,
) -> RegionStatistics:
    """Counts of the institutions within ``region_prefix``, for ``wanted`` measures;
    risk with what the hub's own cases add, when ``hub_facts`` reads them (as
    ``riskAtLeast`` and ``Institution.risk`` do)."""
    answers = await _ask(adapters, region_prefix, wanted, today, hub_facts)
    unavailable: dict[Measure, SourceUnavailableError] = {}
    for measures, answer in (
        (NEEDS_MARKET, answers.market),
        (RISK, answers.risk),
        ({Measure.CUSTODY}, answers.supervised),
    ):
        if isinstance(answer, SourceUnavailableError):
            for measure in measures & wanted:
                unavailable.setdefault(measure, answer)
    market = answers.market if isinstance(answers.market, MarketCensus) else MarketCensus()
    leads: dict[str, Registered] = {}
    if Measure.UNLICENSED_LEADS in wanted and Measure.UNLICENSED_LEADS not in unavailable:
        found = await or_unavailable(_leads(adapters, answers.education, market))
        if isinstance(found, SourceUnavailableError):
            unavailable[Measure.UNLICENSED_LEADS] = found
        else:
            leads = found
    counting = frozenset(wanted - set(unavailable))
    tally = _Tally(group_by, counting)
    _count_institutions(tally, answers, market)
    for registration in leads.values():
        tally.add_lead(registration.region)
    return RegionStatistics(
        region=region,
        group_by=group_by,
        as_of=today,
        total=tally.total,
        groups=tally.groups(),
        unavailable=unavailable,
    )


async def _ask(
    adapters: AdapterCatalog,
    region_prefix: str,
    wanted: frozenset[Measure],
    today: date,
    hub_facts: HubFactsOf | None,
) -> _Answers:
    """The education bureau (it lists the region) beside the registry's scan, then every
    other department that a wanted measure needs: their scans side by side, then the
    lookups by key."""
    since = today - COMPLAINT_SURGE_WINDOW
    # With risk, the registry's census counts advertising violations too: the market's
    # signals are read from it (``planner.signals``), not from three scans more.
    ads_since = today - AD_VIOLATION_WINDOW if wanted & RISK else None
    # The registry's scan of the region needs nothing of the education bureau's: it
    # starts beside it, and only the codes it did not list are looked up afterwards.
    scan = (
        asyncio.ensure_future(adapters.market.census(region_prefix, since, (), ads_since=ads_since))
        if wanted & NEEDS_MARKET
        else None
    )
    try:
        education = await adapters.education.census(region_prefix, today)
    except BaseException:
        if scan is not None:
            scan.cancel()
            await asyncio.gather(scan, return_exceptions=True)
        raise
    codes = sorted(education.institutions)

    def asked(
        needed: bool, make: Callable[[], Awaitable[T]]
    ) -> Awaitable[T | SourceUnavailableError | None]:
        return or_unavailable(make()) if needed else _nothing()

    # One scan of the registry, for the counts and for the risk rules that read the
    # business scope (risk is wanted only with the registry: RISK <= NEEDS_MARKET).
    async def with_the_rest(scanning: Awaitable[MarketCensus]) -> MarketCensus:
        found = (await scanning).registrations
        missing = [code for code in codes if code not in found]
        if not missing:
            return MarketCensus(found)
        looked_up = await adapters.market.registered(missing, since, ads_since)
        return MarketCensus({**found, **looked_up})

    census = None if scan is None else asyncio.ensure_future(with_the_rest(scan))

    async def scanned() -> MarketCensus:
        assert census is not None, "asked only when scanned"
        return await census

    async def registrations() -> Mapping[str, Registered]:
        return (await scanned()).registrations

    # With risk, NO_CUSTODY_ACCOUNT names every institution selling on prepaid terms at
    # no bank: the custody rate is read from it, not asked of the banks again.
    custody_from_risk = Measure.CUSTODY in wanted and bool(wanted & RISK)
    market, risk, supervised = await asyncio.gather(
        asked(census is not None, scanned),
        asked(
            bool(wanted & RISK),
            lambda: raised(
                adapters,
                codes,
                today,
                region_prefix=region_prefix,
                hub_facts=hub_facts,
                registrations=registrations,
                census=education,
            ),
        ),
        asked(
            Measure.CUSTODY in wanted and not custody_from_risk,
            lambda: supervised_among(adapters, education.prepaid),
        ),
    )
    if custody_from_risk:
        # The prepaid institutions holding a custody account: all but those at no bank.
        supervised = (
            education.prepaid - risk[RiskCode.NO_CUSTODY_ACCOUNT]
            if isinstance(risk, dict)
            else await or_unavailable(supervised_among(adapters, education.prepaid))
        )
    hub_open: Mapping[str, int] = {}
    if Measure.OPEN_RECTIFICATIONS in wanted and hub_facts is not None:
        hub_open = _open_hub_notices(await hub_facts(codes))
    return _Answers(education, market, risk, supervised, hub_open)


def _open_hub_notices(facts: Mapping[str, HubFacts]) -> dict[str, int]:
    return {
        code: open_count
        for code, found in facts.items()
        if (open_count := sum(n.status is RectificationStatus.OPEN for n in found.notices))
    }


async def _nothing() -> None:
    return None


async def _leads(
    adapters: AdapterCatalog, education: EducationCensus, market: MarketCensus
) -> dict[str, Registered]:
    """Registrations of the region whose scope covers training, unknown to the
    education bureau (in the region, or anywhere: asked about the few left), as
    ``unlicensedOperators`` lists them."""
    candidates = {
        code: registration
        for code, registration in market.registrations.items()
        if registration.covers_training and code not in education.institutions
    }
    listed = await adapters.education.match(InstitutionCriteria(), among=sorted(candidates))
    return {code: r for code, r in candidates.items() if code not in listed}


def _count_institutions(tally: _Tally, answers: _Answers, market: MarketCensus) -> None:
    """Each group's counts by set operations over its institutions (for a city, a call
    per institution cost more than the rest of the counting)."""
    education = answers.education
    risk = answers.risk if isinstance(answers.risk, dict) else None
    notices = Counter(education.open_notices)
    notices.update(answers.hub_open_notices)
    facts = _Facts(
        licensed=education.licensed,
        prepaid=education.prepaid,
        supervised=answers.supervised if isinstance(answers.supervised, frozenset) else frozenset(),
        signals=risk or {},
        levels=levels_of(risk) if risk is not None else {},
        open_notices=notices,
        complaints={
            code: registration.recent_complaints
            for code, registration in market.registrations.items()
            if registration.recent_complaints
        },
    )
    tally.add(education.institutions, facts)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the counts are made of, for the whole region."""

    licensed: frozenset[str]
    prepaid: frozenset[str]
    supervised: frozenset[str]
    signals: Found
    levels: Mapping[RiskLevel, frozenset[str]]
    """Those at HIGH and at MEDIUM (the others are LOW)."""
    open_notices: Mapping[str, int]
    complaints: Mapping[str, int]
    """Complaints in the window, of the institutions having any."""


class _Tally:
    """Counts for the region and its groups, filled one institution at a time."""

    def __init__(self, group_by: StatisticsGroupBy, measures: frozenset[Measure]) -> None:
        self.group_by = group_by
        self.measures = measures
        self.total = self._blank("")
        self._groups: dict[str, Counts] = {}
        if group_by is StatisticsGroupBy.DOMAIN:
            for domain in TrainingDomain:
                self._group(domain.value)
        elif group_by is StatisticsGroupBy.CATEGORY:
            for category in InstitutionCategory:
                self._group(category.value)

    def groups(self) -> list[Counts]:
        if self.group_by is StatisticsGroupBy.DISTRICT:
            return [self._groups[key] for key in sorted(self._groups)]
        return list(self._groups.values())

    def add(self, institutions: Mapping[str, Listed], facts: _Facts) -> None:
        """Count ``institutions`` into the region's counts and their groups'."""
        members: defaultdict[str, set[str]] = defaultdict(set)
        for code, listed in institutions.items():
            for key in self._keys(listed):
                members[key].add(code)
        _add(self.total, set(institutions), facts)
        for key, codes in members.items():
            _add(self._group(key), codes, facts)

    def add_lead(self, region: str) -> None:
        """An unlicensed operator: in the region's count, and its district's."""
        targets = [self.total]
        if self.group_by is StatisticsGroupBy.DISTRICT:
            targets.append(self._group(region))
        for counts in targets:
            if counts.unlicensed_leads is not None:
                counts.unlicensed_leads += 1

    def _keys(self, listed: Listed) -> list[str]:
        if self.group_by is StatisticsGroupBy.DISTRICT:
            return [listed.region]
        if self.group_by is StatisticsGroupBy.DOMAIN:
            return [domain.value for domain in dict.fromkeys(listed.domains)]
        return [listed.category.value]

    def _group(self, key: str) -> Counts:
        counts = self._groups.get(key)
        if counts is None:
            counts = self._groups[key] = self._blank(key)
            if self.group_by is not StatisticsGroupBy.DISTRICT:
                counts.unlicensed_leads = None  # an operator has no domain or category
        return counts

    def _blank(self, key: str) -> Counts:
        wanted = self.measures
        counts = Counts(key)
        if Measure.LICENSED in wanted:
            counts.licensed = 0
        if Measure.UNLICENSED_LEADS in wanted:
            counts.unlicensed_leads = 0
        if Measure.SIGNALS in wanted:
            counts.signals = dict.fromkeys(RiskCode, 0)
        if Measure.RISK_LEVELS in wanted:
            counts.risk_levels = dict.fromkeys(RiskLevel, 0)
        if Measure.CUSTODY in wanted:
            counts.prepaid_institutions = counts.custody_supervised = 0
        if Measure.OPEN_RECTIFICATIONS in wanted:
            counts.open_rectifications = 0
        if Measure.COMPLAINTS in wanted:
            counts.complaints_last_90_days = 0
        return counts


def _add(counts: Counts, codes: AbstractSet[str], facts: _Facts) -> None:
    """Add the institutions ``codes`` to ``counts``, for the measures it holds."""
    counts.institutions += len(codes)
    if counts.licensed is not None:
        counts.licensed += len(codes & facts.licensed)
    if counts.signals is not None:
        for signal, raising in facts.signals.items():
            counts.signals[signal] += len(codes & raising)
    if counts.risk_levels is not None:
        raised = 0
        for level, at_level in facts.levels.items():
            counted = len(codes & at_level)
            counts.risk_levels[level] += counted
            raised += counted
        counts.risk_levels[RiskLevel.LOW] += len(codes) - raised
    if counts.prepaid_institutions is not None and counts.custody_supervised is not None:
        prepaid = codes & facts.prepaid
        counts.prepaid_institutions += len(prepaid)
        counts.custody_supervised += len(prepaid & facts.supervised)
    if counts.open_rectifications is not None:
        counts.open_rectifications += _total(codes, facts.open_notices)
    if counts.complaints_last_90_days is not None:
        counts.complaints_last_90_days += _total(codes, facts.complaints)


def _total(codes: AbstractSet[str], each: Mapping[str, int]) -> int:
    """The sum of ``each``'s numbers of ``codes``, going through the fewer."""
    if len(each) < len(codes):
        return sum(number for code, number in each.items() if code in codes)
    return sum(each.get(code, 0) for code in codes)
