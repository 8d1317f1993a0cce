"""Counting a region: each department's census asked at once, the risk rules applied
to the sets they answer, then one pass over the region's institutions.

Every risk signal comes from its department's own aggregate (``SIGNALS`` says
from which), so the risk level of each institution is known without its joint
record: ``domain.risk.level_of`` of the signals it raises. The staff check is the
planner's (rosters from the education bureau, then public security by ID number in
batches): the check service cannot be counted any other way.

A department that does not answer costs only the measures that need it
(``RegionStatistics.unavailable``); without the education bureau there is nothing to
count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.sources.errors import SourceUnavailableError, or_unavailable
from xietong.domain.census import EducationCensus, FireCensus, Listed, MarketCensus, Registered
from xietong.domain.matching import CoverageCriteria, InstitutionCriteria
from xietong.domain.records import InstitutionCategory, RegistrationStatus, TrainingDomain
from xietong.domain.risk import (
    COMPLAINT_SURGE_COUNT,
    COMPLAINT_SURGE_WINDOW,
    TRAINING_SCOPE_TERMS,
    RiskCode,
    RiskLevel,
    level_of,
)
from xietong.planner.evaluate import with_unchecked_or_flagged_staff
from xietong.statistics.custody import supervised_among
from xietong.statistics.records import Counts, Measure, RegionStatistics, StatisticsGroupBy

T = TypeVar("T")

RISK = frozenset({Measure.SIGNALS, Measure.RISK_LEVELS})
NEEDS_MARKET = RISK | {Measure.UNLICENSED_LEADS, Measure.COMPLAINTS}


@dataclass(frozen=True, slots=True)
class _Answers:
    education: EducationCensus
    market: MarketCensus | SourceUnavailableError | None
    fire: FireCensus | SourceUnavailableError | None
    shortfall: set[str] | SourceUnavailableError | None
    staff: set[str] | SourceUnavailableError | None
    supervised: frozenset[str] | SourceUnavailableError | None


async def count(
    adapters: AdapterCatalog,
    *,
    region: str,
    region_prefix: str,
    group_by: StatisticsGroupBy,
    wanted: frozenset[Measure],
    today: date,
) -> RegionStatistics:
    """Counts of the institutions within ``region_prefix``, for ``wanted`` measures."""
    answers = await _ask(adapters, region_prefix, wanted, today)
    unavailable: dict[Measure, SourceUnavailableError] = {}
    for measures, answer in (
        (NEEDS_MARKET, answers.market),
        (RISK, answers.fire),
        (RISK, answers.shortfall),
        (RISK, answers.staff),
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
    signals = _signals(answers, market, today) if counting & RISK else {}
    tally = _Tally(group_by, counting)
    _count_institutions(tally, answers, market, signals)
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
    adapters: AdapterCatalog, region_prefix: str, wanted: frozenset[Measure], today: date
) -> _Answers:
    """The education bureau first (it lists the region), then every other department
    that a wanted measure needs: their scans side by side, then the lookups by key."""
    education = await adapters.education.census(region_prefix, today)
    codes = sorted(education.institutions)
    since = today - COMPLAINT_SURGE_WINDOW

    def asked(
        needed: bool, make: Callable[[], Awaitable[T]]
    ) -> Awaitable[T | SourceUnavailableError | None]:
        return or_unavailable(make()) if needed else _nothing()

    risk = bool(wanted & RISK)
    # Scans first, then the lookups by key (people, accounts), which send many
    # requests: side by side with a scan, they would queue its pages past the timeout.
    market, fire, shortfall = await asyncio.gather(
        asked(
            bool(wanted & NEEDS_MARKET),
            lambda: adapters.market.census(region_prefix, since, codes),
        ),
        asked(risk, lambda: adapters.fire_safety.census(today)),
        asked(risk, lambda: adapters.finance.match(CoverageCriteria(1.0))),
    )
    staff, supervised = await asyncio.gather(
        asked(risk, lambda: _flagged_staff(adapters, codes)),
        asked(Measure.CUSTODY in wanted, lambda: supervised_among(adapters, education.prepaid)),
    )
    return _Answers(education, market, fire, shortfall, staff, supervised)


STAFF_WAVE = 2_000
"""Institutions whose staff are checked at once: some ten requests to public security."""


async def _flagged_staff(adapters: AdapterCatalog, codes: list[str]) -> set[str]:
    """The planner's staff check, a wave of institutions at a time."""
    flagged: set[str] = set()
    for start in range(0, len(codes), STAFF_WAVE):
        wave = codes[start : start + STAFF_WAVE]
        flagged |= await with_unchecked_or_flagged_staff(adapters, wave, True)
    return flagged


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


def _signals(
    answers: _Answers, market: MarketCensus, today: date
) -> dict[RiskCode, frozenset[str]]:
    """The institutions raising each signal, from the department that holds its facts
    (``domain.risk``'s rules, in the departments' aggregates)."""
    education, registrations = answers.education, market.registrations
    assert isinstance(answers.fire, FireCensus)
    assert isinstance(answers.shortfall, set)
    assert isinstance(answers.staff, set)

    def registered(test: Callable[[str, Registered], bool]) -> frozenset[str]:
        return frozenset(
            code
            for code, registration in registrations.items()
            if code in education.institutions and test(code, registration)
        )

    return {
        RiskCode.FUND_SHORTFALL: frozenset(answers.shortfall),
        RiskCode.FIRE_NON_COMPLIANT: answers.fire.non_compliant,
        RiskCode.UNCHECKED_OR_FLAGGED_STAFF: frozenset(answers.staff),
        RiskCode.REGISTRATION_INACTIVE: registered(
            lambda code, r: (
                code in education.valid_licence and r.status is not RegistrationStatus.ACTIVE
            )
        ),
        RiskCode.LICENSE_INACTIVE: frozenset(education.institutions) - education.licensed,
        RiskCode.SCOPE_MISMATCH: registered(
            lambda code, r: _scope_mismatch(r, education.institutions[code])
        ),
        RiskCode.COMPLAINT_SURGE: registered(
            lambda _code, r: r.recent_complaints >= COMPLAINT_SURGE_COUNT
        ),
        RiskCode.UNQUALIFIED_TEACHER: education.unqualified_teacher,
        RiskCode.OPEN_RECTIFICATION: education.overdue_rectification,
    }


def _scope_mismatch(registration: Registered, listed: Listed) -> bool:
    """SCOPE_MISMATCH (``domain.risk.scope_mismatch``) from a registry scan's record."""
    if not any(term in registration.business_scope for term in TRAINING_SCOPE_TERMS):
        return True
    return listed.category is InstitutionCategory.SUBJECT and not registration.non_profit


def _count_institutions(
    tally: _Tally,
    answers: _Answers,
    market: MarketCensus,
    signals: Mapping[RiskCode, frozenset[str]],
) -> None:
    education = answers.education
    supervised = answers.supervised if isinstance(answers.supervised, frozenset) else frozenset()
    registrations = market.registrations
    measures = tally.measures
    for code, listed in education.institutions.items():
        raised = [signal for signal, codes in signals.items() if code in codes]
        registration = registrations.get(code)
        tally.add(
            listed,
            licensed=code in education.licensed,
            raised=raised,
            level=level_of(raised) if Measure.RISK_LEVELS in measures else None,
            prepaid=code in education.prepaid,
            supervised=code in supervised,
            open_notices=education.open_notices.get(code, 0),
            complaints=registration.recent_complaints if registration else 0,
        )


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

    def add(
        self,
        listed: Listed,
        *,
        licensed: bool,
        raised: list[RiskCode],
        level: RiskLevel | None,
        prepaid: bool,
        supervised: bool,
        open_notices: int,
        complaints: int,
    ) -> None:
        for counts in (self.total, *(self._group(key) for key in self._keys(listed))):
            counts.institutions += 1
            if counts.licensed is not None:
                counts.licensed += licensed
            if counts.signals is not None:
                for signal in raised:
                    counts.signals[signal] += 1
            if counts.risk_levels is not None and level is not None:
                counts.risk_levels[level] += 1
            if counts.prepaid_institutions is not None and counts.custody_supervised is not None:
                counts.prepaid_institutions += prepaid
                counts.custody_supervised += prepaid and supervised
            if counts.open_rectifications is not None:
                counts.open_rectifications += open_notices
            if counts.complaints_last_90_days is not None:
                counts.complaints_last_90_days += complaints

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
