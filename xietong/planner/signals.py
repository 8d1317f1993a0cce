"""Which institutions raise each risk signal, every rule of ``domain.risk`` asked of the
department that holds its facts, never by loading joint records.

Each department answers for many institutions at once, by a query of its own:

- education: licence, subject teachers, overdue notices, blacklist and barred staff,
  prepaid courses, course domains (``EducationAdapter.signals``, SQL over its tables)
- market supervision: status, business scope, complaints in the last 90 days and
  advertising violations in the last year (the registry's scan, or its lookups)
- fire safety: campuses neither passed nor filed, lapsed, with open hazards or sealed
- finance: the banks' shortfall, frozen accounts, orders over the prepaid cap, accounts held
- the hub's own cases (``xietong.cases.facts``): overdue hub notices, alarming tip-offs
- public security: the staff check, rosters first and then the people by ID number in
  batches, and only for the institutions whose answer depends on it

``RULES`` joins them per signal, exactly as the rule over a joint record would judge
(``tests/planner`` checks it against the rules themselves over every joint record).
While many candidates remain, a department scans (every institution it holds, narrowed
to the candidates here); with few, it is asked about those candidates only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.config import SourceKind
from xietong.adapters.native import chunked
from xietong.domain.census import EducationSignals, Registered
from xietong.domain.matching import CoverageCriteria
from xietong.domain.records import CustodyStatus, RectificationStatus, RegistrationStatus
from xietong.domain.risk import (
    AD_VIOLATION_WINDOW,
    COMPLAINT_SURGE_COUNT,
    COMPLAINT_SURGE_WINDOW,
    TRAINING_SCOPE_TERMS,
    HubFacts,
    HubFactsOf,
    RiskCode,
    RiskLevel,
    level_of,
    scope_covers_domain,
)
from xietong.planner.evaluate import over_prepaid_cap, with_unchecked_or_flagged_staff
from xietong.planner.limits import looked_up

STAFF = RiskCode.UNCHECKED_OR_FLAGGED_STAFF
"""The one signal found by lookups of people: asked last, and only where it matters."""
HUB_FACTS_CHUNK = 5_000
"""Institutions whose hub facts are read together (one ``IN`` list, under every
database's bound-parameter limit)."""


@dataclass(frozen=True, slots=True)
class _Facts:
    """The departments' answers, for the candidates (a department not needed: empty)."""

    candidates: frozenset[str]
    education: EducationSignals | None = None
    registered: Mapping[str, Registered] | None = None
    fire: frozenset[str] = frozenset()
    shortfall: frozenset[str] = frozenset()
    frozen: frozenset[str] = frozenset()
    over_cap: frozenset[str] = frozenset()
    with_account: frozenset[str] = frozenset()
    hub: Mapping[str, HubFacts] | None = None
    today: date = date.min
    staff: frozenset[str] = frozenset()

    @property
    def school(self) -> EducationSignals:
        assert self.education is not None, "asked for every signal that reads it"
        return self.education

    @property
    def registrations(self) -> Mapping[str, Registered]:
        assert self.registered is not None, "asked for every signal that reads it"
        return self.registered

    @property
    def hub_facts(self) -> Mapping[str, HubFacts]:
        return self.hub or {}


def _registration_inactive(facts: _Facts) -> set[str]:
    valid = facts.school.valid_licence
    return {
        code
        for code, registration in facts.registrations.items()
        if code in valid and registration.status is not RegistrationStatus.ACTIVE
    }


def _scope_mismatch(facts: _Facts) -> set[str]:
    school = facts.school
    found = set(school.outside_domains)
    for code, registration in facts.registrations.items():
        scope = registration.business_scope
        if not any(term in scope for term in TRAINING_SCOPE_TERMS):
            found.add(code)
        elif code in school.subject and not registration.non_profit:
            found.add(code)
        elif any(
            not scope_covers_domain(scope, domain) for domain in school.course_domains.get(code, ())
        ):
            found.add(code)
    return found


def _open_rectification(facts: _Facts) -> set[str]:
    return set(facts.school.overdue_rectification) | {
        code
        for code, hub in facts.hub_facts.items()
        if any(
            notice.status is RectificationStatus.OPEN and notice.deadline < facts.today
            for notice in hub.notices
        )
    }


RULES: Mapping[RiskCode, Callable[[_Facts], Collection[str]]] = {
    RiskCode.FUND_SHORTFALL: lambda facts: facts.shortfall,
    RiskCode.FIRE_NON_COMPLIANT: lambda facts: facts.fire,
    RiskCode.UNCHECKED_OR_FLAGGED_STAFF: lambda facts: facts.staff,
    RiskCode.REGISTRATION_INACTIVE: _registration_inactive,
    RiskCode.LICENSE_INACTIVE: lambda facts: facts.candidates - facts.school.licensed,
    RiskCode.SCOPE_MISMATCH: _scope_mismatch,
    RiskCode.COMPLAINT_SURGE: lambda facts: {
        code
        for code, registration in facts.registrations.items()
        if registration.recent_complaints >= COMPLAINT_SURGE_COUNT
    },
    RiskCode.UNQUALIFIED_TEACHER: lambda facts: facts.school.unqualified_teacher,
    RiskCode.OPEN_RECTIFICATION: _open_rectification,
    RiskCode.BLACKLISTED: lambda facts: facts.school.blacklisted,
    RiskCode.AD_VIOLATION: lambda facts: {
        code
        for code, registration in facts.registrations.items()
        if registration.recent_ad_violations > 0
    },
    RiskCode.FUND_ACCOUNT_FROZEN: lambda facts: facts.frozen,
    RiskCode.PREPAID_CAP_EXCEEDED: lambda facts: facts.over_cap,
    RiskCode.NO_CUSTODY_ACCOUNT: lambda facts: facts.school.prepaid - facts.with_account,
    RiskCode.TIP_OFF_ALERT: lambda facts: {
        code for code, hub in facts.hub_facts.items() if hub.tip_off_alerts > 0
    },
}
"""Each signal, from the departments' facts: ``domain.risk``'s rule, in their terms.
A signal without an entry here is an import error, not a silent zero."""

_MISSING = set(RiskCode) - set(RULES)
if _MISSING:  # pragma: no cover - fails at import, on purpose
    raise ImportError(f"risk signals not pushed down to their departments: {sorted(_MISSING)}")

_EDUCATION = frozenset(
    {
        RiskCode.REGISTRATION_INACTIVE,
        RiskCode.LICENSE_INACTIVE,
        RiskCode.SCOPE_MISMATCH,
        RiskCode.UNQUALIFIED_TEACHER,
        RiskCode.OPEN_RECTIFICATION,
        RiskCode.BLACKLISTED,
        RiskCode.NO_CUSTODY_ACCOUNT,
    }
)
_MARKET = frozenset(
    {
        RiskCode.REGISTRATION_INACTIVE,
        RiskCode.SCOPE_MISMATCH,
        RiskCode.COMPLAINT_SURGE,
        RiskCode.AD_VIOLATION,
    }
)
_HUB = frozenset({RiskCode.OPEN_RECTIFICATION, RiskCode.TIP_OFF_ALERT})


async def raised(
    adapters: AdapterCatalog,
    candidates: Sequence[str],
    today: date,
    *,
    region_prefix: str,
    hub_facts: HubFactsOf | None = None,
    signals: Collection[RiskCode] = frozenset(RiskCode),
) -> dict[RiskCode, frozenset[str]]:
    """For each of ``signals``, those of ``candidates`` (institutions the education
    bureau lists within ``region_prefix``) raising it today.

    Raises SourceUnavailableError when a department it needs does not answer: a
    signal judged without it could not be called exact.
    """
    wanted = frozenset(signals)
    facts = await _facts(adapters, candidates, today, region_prefix, hub_facts, wanted)
    if STAFF in wanted:
        staff = await with_unchecked_or_flagged_staff(adapters, sorted(facts.candidates), True)
        facts = replace(facts, staff=frozenset(staff))
    return {code: frozenset(RULES[code](facts)) & facts.candidates for code in sorted(wanted)}


async def matching(
    adapters: AdapterCatalog,
    candidates: Sequence[str],
    today: date,
    *,
    region_prefix: str,
    level: RiskLevel | None,
    any_of: frozenset[RiskCode],
    hub_facts: HubFactsOf | None = None,
) -> set[str]:
    """Those of ``candidates`` whose risk is ``level`` or higher (None: any) and that
    raise one of ``any_of`` (empty: any or none). Every signal but the staff check
    first; then the staff check for the institutions whose answer turns on it alone."""
    wanted = frozenset(RiskCode) if level is not None else any_of
    found = await raised(
        adapters,
        candidates,
        today,
        region_prefix=region_prefix,
        hub_facts=hub_facts,
        signals=wanted - {STAFF},
    )
    raising: dict[str, set[RiskCode]] = {}
    for code, codes in found.items():
        for credit_code in codes:
            raising.setdefault(credit_code, set()).add(code)

    def holds(signals: set[RiskCode]) -> bool:
        if any_of and not signals & any_of:
            return False
        return level is None or level_of(signals) >= level

    quiet = holds(set())
    matched, undecided = set(), []
    for credit_code in candidates:
        signals = raising.get(credit_code)
        if signals is None:
            held, with_staff = quiet, holds({STAFF})
        else:
            held, with_staff = holds(signals), holds(signals | {STAFF})
        if held:
            matched.add(credit_code)
        elif with_staff and STAFF in wanted:
            undecided.append(credit_code)
    if undecided:
        matched |= await with_unchecked_or_flagged_staff(adapters, undecided, True)
    return matched


async def _facts(
    adapters: AdapterCatalog,
    candidates: Sequence[str],
    today: date,
    region_prefix: str,
    hub_facts: HubFactsOf | None,
    wanted: frozenset[RiskCode],
) -> _Facts:
    """Every department the ``wanted`` signals need, asked side by side."""
    codes = sorted(set(candidates))
    sql = None if not looked_up(len(codes), SourceKind.SQL) else codes
    http = None if not looked_up(len(codes), SourceKind.HTTP) else codes
    finance = adapters.finance

    async def nothing() -> frozenset[str]:
        return frozenset()

    async def education() -> EducationSignals | None:
        if not wanted & _EDUCATION:
            return None
        return await adapters.education.signals(today, among=sql)

    async def market() -> Mapping[str, Registered] | None:
        if not wanted & _MARKET:
            return None
        since, ads_since = today - COMPLAINT_SURGE_WINDOW, today - AD_VIOLATION_WINDOW
        if http is not None:
            return await adapters.market.registered(http, since, ads_since)
        census = await adapters.market.census(region_prefix, since, codes, ads_since=ads_since)
        return census.registrations

    async def fire() -> frozenset[str]:
        return frozenset(await adapters.fire_safety.non_compliant(today, among=sql))

    async def shortfall() -> frozenset[str]:
        return frozenset(await finance.match(CoverageCriteria(1.0), among=http))

    async def frozen() -> frozenset[str]:
        return frozenset(await finance.match_custody(frozenset({CustodyStatus.FROZEN}), among=http))

    async def over_cap() -> frozenset[str]:
        return frozenset(await over_prepaid_cap(adapters, http))

    async def hub() -> Mapping[str, HubFacts] | None:
        if hub_facts is None or not wanted & _HUB:
            return None
        found: dict[str, HubFacts] = {}
        for chunk in chunked(codes, HUB_FACTS_CHUNK):
            found.update(await hub_facts(chunk))
        return found

    departments = asyncio.gather(
        fire() if RiskCode.FIRE_NON_COMPLIANT in wanted else nothing(),
        shortfall() if RiskCode.FUND_SHORTFALL in wanted else nothing(),
        frozen() if RiskCode.FUND_ACCOUNT_FROZEN in wanted else nothing(),
        over_cap() if RiskCode.PREPAID_CAP_EXCEEDED in wanted else nothing(),
    )
    school, registrations, hub_found, found = await asyncio.gather(
        education(), market(), hub(), departments
    )
    fire_found, shortfall_found, frozen_found, over_cap_found = found
    with_account: frozenset[str] = frozenset()
    if RiskCode.NO_CUSTODY_ACCOUNT in wanted and school is not None:
        # Only institutions selling on prepaid terms can lack the account they need.
        prepaid = sorted(school.prepaid & set(codes))
        if looked_up(len(prepaid), SourceKind.HTTP):
            with_account = frozenset(await finance.with_account(prepaid))
        else:
            with_account = frozenset(await finance.match_custody(frozenset(CustodyStatus)))
    return _Facts(
        candidates=frozenset(codes),
        education=school,
        registered=registrations,
        fire=fire_found,
        shortfall=shortfall_found,
        frozen=frozen_found,
        over_cap=over_cap_found,
        with_account=with_account,
        hub=hub_found,
        today=today,
    )
