"""Which institutions meet a filter: each predicate asked of the department that owns
it, the answers intersected, most selective and cheapest first.

1. The departments that can find institutions by their own conditions go first,
   cheapest first: fire safety (one SQL query), finance (every bank: a SQL query,
1. The departments that can find institutions by their own conditions go first,
   cheapest first: fire safety (one SQL query), finance (every bank: a SQL query,
   the HTTP bank's scan; for ``custody`` the account states, for ``prepaidCapExceeded``
   the banks' per-course order aggregate), market supervision (a paged HTTP scan:
   registration status, complaints, legal representative). The education bureau's own
   predicates (category, domain, supervisor, licence status, name, address,
   blacklist) lead when given, being one query of its own tables; without them,
   it comes after the others, where it only applies the region scope to the few
   codes left.
2. The education bureau's answer is also the universe and the scope: an
   institution is what it registers, in the region it says (another department's
   codes outside it, such as unlicensed operators, drop out).
3. The staff check (rosters, then ID lookups in batches) and risk come last and only
   ever see the candidates left. Risk (``riskAtLeast``, ``riskSignals``) asks each
   department for the signals its facts raise (``planner.signals``: scans while many
   candidates remain, lookups once few do), joins them per institution, and checks
   staff only where the answer turns on it; no joint record is loaded.

While many candidates remain, a department that can scan answers for all
institutions and the answers are intersected; once few enough remain (its
``among_limit``), it is asked about those candidates only. Once none remain, no
further department is asked. The codes left are sorted: pages are slices of the
list, so the cursor (a credit code) is stable and the total exact.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.config import SourceKind
from xietong.domain.departments import Department
from xietong.domain.risk import HubFactsOf
from xietong.planner.criteria import FilterCriteria
from xietong.planner.evaluate import (
    in_custody_states,
    over_prepaid_cap,
    with_unchecked_or_flagged_staff,
)
from xietong.planner.limits import AMONG_LIMITS
from xietong.planner.signals import matching

log = logging.getLogger("xietong.planner")


class How(StrEnum):
    SCAN = "scan"
    AMONG = "among"
    SKIPPED = "skipped"
    """No candidate was left: the department was not asked."""


@dataclass(frozen=True, slots=True)
class Step:
    """One department's part in a plan, as it ran."""

    predicate: str
    department: Department | None
    """None: every department (risk)."""
    how: How
    before: int | None
    """Candidates going in (None before the first scan)."""
    after: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Plan:
    codes: list[str]
    """The matching credit codes, sorted."""
    steps: list[Step]


@dataclass(frozen=True, slots=True)
class _Stage:
    predicate: str
    department: Department | None
    among: Callable[[list[str]], Awaitable[set[str]]]
    scan: Callable[[], Awaitable[set[str]]] | None = None
    looked_up_in: SourceKind = SourceKind.HTTP
    """Where its lookups by key go (finance's banks: the HTTP one costs most)."""


async def plan(
    adapters: AdapterCatalog,
    criteria: FilterCriteria,
    *,
    region_prefix: str,
    today: date,
    hub_facts: HubFactsOf | None = None,
) -> Plan:
    """The institutions within ``region_prefix`` that meet every predicate of ``criteria``.

    Raises SourceUnavailableError when a department it needs does not answer: a
    filter cannot be answered in part.
    """
    candidates: set[str] | None = None
    steps: list[Step] = []
    for stage in _stages(adapters, criteria, region_prefix, today, hub_facts):
        before, started = candidates, time.perf_counter()
        if before is not None and not before:
            how = How.SKIPPED
        elif before is None and stage.scan is not None:
            how, candidates = How.SCAN, await stage.scan()
        elif before is None:
            raise AssertionError("the first stage always scans")
        elif stage.scan is None or len(before) <= AMONG_LIMITS[stage.looked_up_in]:
            how, candidates = How.AMONG, before & await stage.among(sorted(before))
        else:
            how, candidates = How.SCAN, before & await stage.scan()
        steps.append(
            Step(
                stage.predicate,
                stage.department,
                how,
                None if before is None else len(before),
                len(candidates or ()),
                time.perf_counter() - started,
            )
        )
    log.debug(
        "plan: %s",
        "; ".join(f"{s.predicate} {s.how} {s.before}→{s.after} in {s.seconds:.3f}s" for s in steps),
    )
    return Plan(sorted(candidates or ()), steps)


def _stages(
    adapters: AdapterCatalog,
    criteria: FilterCriteria,
    region_prefix: str,
    today: date,
    hub_facts: HubFactsOf | None = None,
) -> list[_Stage]:
    """The departments to ask, in the order to ask them."""
    institution = criteria.institution(region_prefix, today)
    education = _Stage(
        "education",
        Department.EDUCATION,
        among=lambda codes: adapters.education.match(institution, among=codes),
        scan=lambda: adapters.education.match(institution),
        looked_up_in=SourceKind.SQL,
    )
    scans = _scanning_stages(adapters, criteria, today)
    ordered = [education, *scans] if institution.beyond_region or not scans else [*scans, education]
    return ordered + _evaluated_stages(adapters, criteria, region_prefix, today, hub_facts)


def _scanning_stages(
    adapters: AdapterCatalog, criteria: FilterCriteria, today: date
) -> list[_Stage]:
    """Departments that can find institutions by a query of their own, cheapest first."""
    stages: list[_Stage] = []
    acceptance = criteria.acceptance(today)
    if acceptance is not None:
        stages.append(
            _Stage(
                "fireAcceptance",
                Department.FIRE_SAFETY,
                among=lambda codes: adapters.fire_safety.match(acceptance, among=codes),
                scan=lambda: adapters.fire_safety.match(acceptance),
                looked_up_in=SourceKind.SQL,
            )
        )
    coverage = criteria.coverage()
    if coverage is not None:
        stages.append(
            _Stage(
                "coverageBelow",
                Department.FINANCE,
                among=lambda codes: adapters.finance.match(coverage, among=codes),
                scan=lambda: adapters.finance.match(coverage),
            )
        )
    statuses = frozenset(state for state in criteria.custody if state is not None)
    if statuses and None not in criteria.custody:
        stages.append(
            _Stage(
                "custody",
                Department.FINANCE,
                among=lambda codes: adapters.finance.match_custody(statuses, among=codes),
                scan=lambda: adapters.finance.match_custody(statuses),
            )
        )
    if criteria.prepaid_cap_exceeded:
        stages.append(
            _Stage(
                "prepaidCapExceeded",
                Department.FINANCE,
                among=lambda codes: over_prepaid_cap(adapters, codes),
                scan=lambda: over_prepaid_cap(adapters, None),
            )
        )
    registration = criteria.registration()
    if registration is not None:
        stages.append(
            _Stage(
                "registrationStatus, minComplaints, legalRepresentative",
                Department.MARKET_SUPERVISION,
                among=lambda codes: adapters.market.match(registration, among=codes),
                scan=lambda: adapters.market.match(registration),
            )
        )
    return stages


def _evaluated_stages(
    adapters: AdapterCatalog,
    criteria: FilterCriteria,
    region_prefix: str,
    today: date,
    hub_facts: HubFactsOf | None = None,
) -> list[_Stage]:
    """Predicates evaluated on the candidates left, never by a scan."""
    stages: list[_Stage] = []
    wanted = criteria.has_unchecked_or_flagged_staff
    if wanted is not None:
        stages.append(
            _Stage(
                "hasUncheckedOrFlaggedStaff",
                Department.PUBLIC_SECURITY,
                among=lambda codes: with_unchecked_or_flagged_staff(adapters, codes, wanted),
            )
        )
    if None in criteria.custody:
        states = criteria.custody
        stages.append(
            _Stage(
                "custody",
                Department.FINANCE,
                among=lambda codes: in_custody_states(adapters, states, codes),
            )
        )
    if criteria.prepaid_cap_exceeded is False:
        stages.append(
            _Stage(
                "prepaidCapExceeded",
                Department.FINANCE,
                among=lambda codes: _without(codes, over_prepaid_cap(adapters, codes)),
            )
        )
    if criteria.asks_risk:
        level, signals = criteria.risk(), criteria.risk_signals
        stages.append(
            _Stage(
                "riskAtLeast, riskSignals",
                None,
                among=lambda codes: matching(
                    adapters,
                    codes,
                    today,
                    region_prefix=region_prefix,
                    level=level,
                    any_of=signals,
                    hub_facts=hub_facts,
                ),
            )
        )
    return stages


async def _without(codes: list[str], found: Awaitable[set[str]]) -> set[str]:
    return set(codes) - await found
