"""Which institutions raise each risk signal, every rule of ``domain.risk`` asked of the
department that holds its facts, never by loading joint records.

The signals are asked in rounds (``ROUNDS``):

1. the departments' selective queries, side by side: education's tables (licence,
   subject teachers, overdue notices, blacklist and barred staff, prepaid courses), the
   registry's filtered scans (not active, a complaint surge, an advertising violation;
   read from the census when statistics hold one),
   fire's campuses (neither passed nor filed, lapsed, open hazards, sealed), the banks'
   shortfall and frozen accounts, the hub's own cases (``xietong.cases.facts``)
   and, beside them, custody: which institutions selling on prepaid terms hold no
   account at any bank
2. staff: rosters from the education bureau, then the people by ID number from public
   security in batches
3. scope and prepaid cap: the registrations' business scope against the courses'
   domains, the banks' largest orders against the courses' terms

A filter (``matching``) asks each round only about the institutions whose answer still
turns on it: one already HIGH needs no staff check; one that cannot reach the level
whatever the later rounds find is dropped. The staff check, the slowest, starts beside
the first round (it needs nothing of it) and stops asking about the people of the
institutions the first round decides (``_Asking.settled``). Statistics (``raised``)
ask every round about every institution: the staff check beside the first and third,
which share one answer of the education bureau's and go one after the other. While
many candidates remain, a department scans (every institution it holds, narrowed to
the candidates here); with few, it is asked about those candidates only (the
registry's census, whose pages cost more the further they are, only for more than
half the region). The SQL departments are always asked by code, in ``IN`` lists a
call each: their rules correlate subqueries, and over a whole table one statement
alone could outlast the source's timeout. ``tests/planner`` checks every signal
against the rules themselves over every joint record, scanned and looked up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.config import SourceKind
from xietong.adapters.native import gather_batches
from xietong.domain.census import EducationCensus, EducationSignals, MarketSignals, Registered
from xietong.domain.matching import CoverageCriteria
from xietong.domain.records import (
    CustodyStatus,
    RectificationStatus,
    RegistrationStatus,
    TrainingDomain,
)
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

Found = dict[RiskCode, frozenset[str]]
"""Signal → the institutions (of those asked) raising it."""

STAFF = RiskCode.UNCHECKED_OR_FLAGGED_STAFF


@dataclass(frozen=True, slots=True)
class _Asking:
    adapters: AdapterCatalog
    today: date
    region_prefix: str
    hub_facts: HubFactsOf | None
    registrations: Callable[[], Awaitable[Mapping[str, Registered]]] | None = None
    """The region's registrations as a census scanned them, when the caller has one,
    their complaints and advertising violations counted (``raised``)."""
    population: int = 0
    """How many institutions the question began with."""
    census: EducationCensus | None = None
    """The education bureau's census of the region, when the caller has read it."""
    banks: asyncio.Lock = field(default_factory=asyncio.Lock)
    """The banks' scans one at a time: side by side they queue for the same source's
    threads, and a call queued counts against its timeout (seen at 100,000)."""
    settled: set[str] = field(default_factory=set)
    """Institutions already decided (a filter's): the staff round, started beside the
    first, stops asking about their people once the first round has decided them."""
    school: dict[tuple[str, ...], Awaitable[EducationSignals]] = field(default_factory=dict)
    """The education bureau's facts with the courses, asked once for the codes that
    both the first round and the third ask about (statistics ask every round of all)."""

    def school_facts(self, codes: Sequence[str], *, courses: bool) -> Awaitable[EducationSignals]:
        """The education bureau's facts of ``codes``: the answer with the courses when
        one is asked for these codes already, else a question of their own."""
        shared = self.school.get(tuple(codes))
        if shared is not None:
            return shared
        return asyncio.ensure_future(
            self.adapters.education.signals(
                self.today, among=codes, courses=courses, census=self.census
            )
        )

    def scans(self, codes: Collection[str], kind: SourceKind) -> bool:
        """Whether a source of ``kind`` is better scanned than asked about ``codes``."""
        return not looked_up(len(codes), kind)


async def _selective(
    asking: _Asking,
    codes: Sequence[str],
    wanted: frozenset[RiskCode],
    school_facts: Awaitable[EducationSignals],
) -> Found:
    """Round 1: every department's selective queries, side by side."""
    adapters, today = asking.adapters, asking.today
    http = None if asking.scans(codes, SourceKind.HTTP) else codes
    finance = adapters.finance
    since, ads_since = today - COMPLAINT_SURGE_WINDOW, today - AD_VIOLATION_WINDOW

    async def nothing() -> frozenset[str]:
        return frozenset()

    async def market() -> MarketSignals:
        if asking.registrations is not None:  # the census holds the counts
            return _market_signals(await asking.registrations())
        if http is None:
            return await adapters.market.signals(since, COMPLAINT_SURGE_COUNT, ads_since)
        return _market_signals(await adapters.market.registered(http, since, ads_since))

    async def fire() -> frozenset[str]:
        return frozenset(await adapters.fire_safety.non_compliant(today, among=codes))

    async def shortfall() -> frozenset[str]:
        async with asking.banks:
            return frozenset(await finance.match(CoverageCriteria(1.0), among=http))

    async def frozen() -> frozenset[str]:
        async with asking.banks:
            statuses = frozenset({CustodyStatus.FROZEN})
            return frozenset(await finance.match_custody(statuses, among=http))

    async def hub() -> Mapping[str, HubFacts]:
        return {} if asking.hub_facts is None else await asking.hub_facts(codes)

    banks = asyncio.gather(
        fire() if RiskCode.FIRE_NON_COMPLIANT in wanted else nothing(),
        shortfall() if RiskCode.FUND_SHORTFALL in wanted else nothing(),
        frozen() if RiskCode.FUND_ACCOUNT_FROZEN in wanted else nothing(),
    )
    school, registry, cases, (on_fire, short, frozen_accounts) = await asyncio.gather(
        school_facts, market(), hub(), banks
    )
    overdue_in_hub = {
        code
        for code, facts in cases.items()
        if any(
            notice.status is RectificationStatus.OPEN and notice.deadline < today
            for notice in facts.notices
        )
    }
    return {
        RiskCode.LICENSE_INACTIVE: frozenset(codes) - school.licensed,
        RiskCode.REGISTRATION_INACTIVE: registry.inactive & school.valid_licence,
        RiskCode.UNQUALIFIED_TEACHER: school.unqualified_teacher,
        RiskCode.OPEN_RECTIFICATION: school.overdue_rectification | overdue_in_hub,
        RiskCode.BLACKLISTED: school.blacklisted,
        RiskCode.COMPLAINT_SURGE: registry.complaint_surge,
        RiskCode.AD_VIOLATION: registry.ad_violation,
        RiskCode.TIP_OFF_ALERT: frozenset(c for c, facts in cases.items() if facts.tip_off_alerts),
        RiskCode.FIRE_NON_COMPLIANT: on_fire,
        RiskCode.FUND_SHORTFALL: short,
        RiskCode.FUND_ACCOUNT_FROZEN: frozen_accounts,
    }


def _market_signals(registered: Mapping[str, Registered]) -> MarketSignals:
    """What the registry's filtered scans would flag, from looked-up registrations."""
    return MarketSignals(
        inactive=frozenset(
            code for code, r in registered.items() if r.status is not RegistrationStatus.ACTIVE
        ),
        complaint_surge=frozenset(
            code for code, r in registered.items() if r.recent_complaints >= COMPLAINT_SURGE_COUNT
        ),
        ad_violation=frozenset(code for code, r in registered.items() if r.recent_ad_violations),
    )


async def _custody(
    asking: _Asking, codes: Sequence[str], school_facts: Awaitable[EducationSignals]
) -> Found:
    """Selling on prepaid terms (education) with an account at no bank."""
    adapters = asking.adapters
    if not asking.scans(codes, SourceKind.HTTP):
        school = await school_facts
        prepaid = sorted(school.prepaid & set(codes))
        async with asking.banks:
            held = await adapters.finance.with_account(prepaid)
        return {RiskCode.NO_CUSTODY_ACCOUNT: frozenset(prepaid) - held}

    async def every_account() -> set[str]:
        async with asking.banks:
            return await adapters.finance.match_custody(frozenset(CustodyStatus))

    # The banks' scan of every account needs nothing of the education bureau's answer:
    # it runs beside it (after it, it was the first round's last half second at 100,000).
    scan = asyncio.ensure_future(every_account())
    try:
        school = await school_facts
    except BaseException:
        await _settle([scan])
        raise
    held = await scan
    return {RiskCode.NO_CUSTODY_ACCOUNT: (school.prepaid & frozenset(codes)) - held}


async def _scope_and_cap(
    asking: _Asking, codes: Sequence[str], wanted: frozenset[RiskCode]
) -> Found:
    """Round 3: SCOPE_MISMATCH (the registration's scope against the licence's and the
    courses' domains) and PREPAID_CAP_EXCEEDED (the banks' largest orders)."""
    adapters, today = asking.adapters, asking.today
    # The registry's census pages through the whole region (a page costs more the
    # further it is): for less than half the region, lookups by code cost less.
    scan = asking.scans(codes, SourceKind.HTTP) and 2 * len(codes) > asking.population
    http = None if scan else codes

    async def scope() -> frozenset[str]:
        if RiskCode.SCOPE_MISMATCH not in wanted:
            return frozenset()
        since = today - COMPLAINT_SURGE_WINDOW
        if http is not None:
            looked: Awaitable[Mapping[str, Registered]] = adapters.market.registered(
                http, since, None
            )
        elif asking.registrations is not None:
            looked = asking.registrations()
        else:
            looked = _census(asking, codes, since)
        school, registered = await asyncio.gather(asking.school_facts(codes, courses=True), looked)
        return _scope_mismatch(school, registered)

    async def cap() -> frozenset[str]:
        if RiskCode.PREPAID_CAP_EXCEEDED not in wanted:
            return frozenset()
        # By code: the banks' aggregate over every order outlasts the timeout at 100,000.
        return frozenset(await over_prepaid_cap(adapters, codes))

    mismatch, over = await asyncio.gather(scope(), cap())
    return {RiskCode.SCOPE_MISMATCH: mismatch, RiskCode.PREPAID_CAP_EXCEEDED: over}


async def _census(asking: _Asking, codes: Sequence[str], since: date) -> Mapping[str, Registered]:
    census = await asking.adapters.market.census(asking.region_prefix, since, codes)
    return census.registrations


def _scope_mismatch(
    school: EducationSignals, registered: Mapping[str, Registered]
) -> frozenset[str]:
    found = set(school.outside_domains)
    # A scope is worded from a short list of standard items (经营范围规范表述): each
    # wording judged once against each set of course domains, not once per institution.
    falls_short: dict[tuple[str, frozenset[TrainingDomain]], bool] = {}
    none: frozenset[TrainingDomain] = frozenset()
    for code, registration in registered.items():
        if code in school.subject and not registration.non_profit:
            found.add(code)
            continue
        scope = registration.business_scope
        domains = school.course_domains.get(code, none)
        short = falls_short.get((scope, domains))
        if short is None:
            short = falls_short[(scope, domains)] = not any(
                term in scope for term in TRAINING_SCOPE_TERMS
            ) or not all(scope_covers_domain(scope, domain) for domain in domains)
        if short:
            found.add(code)
    return frozenset(found)


async def _staff(asking: _Asking, codes: Sequence[str], wanted: frozenset[RiskCode]) -> Found:
    """Round 2: rosters, then the people by ID number (never a scan of public security)."""
    flagged = await with_unchecked_or_flagged_staff(
        asking.adapters, codes, True, settled=asking.settled
    )
    return {STAFF: frozenset(flagged)}


Round = Callable[[_Asking, Sequence[str], frozenset[RiskCode]], Awaitable[Found]]

_SELECTIVE = frozenset(
    {
        RiskCode.LICENSE_INACTIVE,
        RiskCode.REGISTRATION_INACTIVE,
        RiskCode.UNQUALIFIED_TEACHER,
        RiskCode.OPEN_RECTIFICATION,
        RiskCode.BLACKLISTED,
        RiskCode.COMPLAINT_SURGE,
        RiskCode.AD_VIOLATION,
        RiskCode.TIP_OFF_ALERT,
        RiskCode.FIRE_NON_COMPLIANT,
        RiskCode.FUND_SHORTFALL,
        RiskCode.FUND_ACCOUNT_FROZEN,
    }
)


async def _selective_and_custody(
    asking: _Asking, codes: Sequence[str], wanted: frozenset[RiskCode]
) -> Found:
    """The selective queries and custody side by side, both over every candidate and
    both from one answer of the education bureau's."""
    # Education is asked by code even for a city: its statements over a whole table
    # correlate subqueries row by row, and one of them alone can outlast the timeout.
    school = asking.school_facts(codes, courses=False)
    selective: Awaitable[Found] = _selective(asking, codes, wanted & _SELECTIVE, school)
    custody: Awaitable[Found] = (
        _custody(asking, codes, school)
        if RiskCode.NO_CUSTODY_ACCOUNT in wanted
        else _nothing_found()
    )
    first, second = await asyncio.gather(selective, custody)
    return first | second


async def _nothing_found() -> Found:
    return {}


ROUNDS: tuple[tuple[frozenset[RiskCode], Round], ...] = (
    (_SELECTIVE | {RiskCode.NO_CUSTODY_ACCOUNT}, _selective_and_custody),
    (frozenset({STAFF}), _staff),
    (frozenset({RiskCode.SCOPE_MISMATCH, RiskCode.PREPAID_CAP_EXCEEDED}), _scope_and_cap),
)
"""Each round: the signals it answers, and how. The staff check (severe: HIGH alone)
comes before scope and cap (two MEDIUM signals), which then only matter where two
others are raised already."""

_ANSWERED = frozenset().union(*(signals for signals, _ in ROUNDS))
if _ANSWERED != set(RiskCode):  # pragma: no cover - fails at import, on purpose
    missing = sorted(set(RiskCode) - _ANSWERED)
    raise ImportError(f"risk signals not pushed down to their departments: {missing}")


async def raised(
    adapters: AdapterCatalog,
    candidates: Sequence[str],
    today: date,
    *,
    region_prefix: str,
    hub_facts: HubFactsOf | None = None,
    signals: Collection[RiskCode] = frozenset(RiskCode),
    registrations: Callable[[], Awaitable[Mapping[str, Registered]]] | None = None,
    census: EducationCensus | None = None,
) -> Found:
    """For each of ``signals``, those of ``candidates`` (institutions the education
    bureau lists within ``region_prefix``) raising it today (statistics; its census of
    the registry as ``registrations``, complaints and advertising violations counted as
    the rules count them, so that the registry is scanned once, and the education
    bureau's as ``census``, whose facts are not asked again).

    Raises SourceUnavailableError when a department it needs does not answer: a
    signal judged without it could not be called exact.
    """
    codes = sorted(set(candidates))
    asking = _Asking(
        adapters, today, region_prefix, hub_facts, registrations, len(codes), census=census
    )
    wanted = frozenset(signals)
    everyone = frozenset(codes)
    rounds = [(answers & wanted, ask) for answers, ask in ROUNDS if answers & wanted]
    if wanted & ROUNDS[0][0] and RiskCode.SCOPE_MISMATCH in wanted:
        # One question of the education bureau for the first round and the third.
        asking.school[tuple(codes)] = asyncio.ensure_future(
            adapters.education.signals(today, among=codes, courses=True, census=census)
        )
    found: Found = {}
    # Every round of every institution: the staff check (public security, the slowest)
    # beside the others, which share the education bureau's answer and the banks and
    # go one after the other (side by side they queued past the sources' timeouts).
    staff = [
        asyncio.ensure_future(ask(asking, codes, asked)) for asked, ask in rounds if ask is _staff
    ]
    try:
        for asked, ask in rounds:
            if ask is not _staff:
                found |= await ask(asking, codes, asked)
        for answer in await gather_batches(staff):
            found |= answer
    finally:
        await _settle([*staff, *asking.school.values()])
    return {signal: found[signal] & everyone for signal in sorted(wanted)}


async def assessed(
    adapters: AdapterCatalog,
    codes: Sequence[str],
    today: date,
    region_prefix: str,
    hub_facts: HubFactsOf | None = None,
) -> dict[str, tuple[RiskLevel, list[RiskCode]]]:
    """Each of ``codes``' risk level and signals (those raising none left out: LOW), as
    ``raised`` finds them (the live sweep's re-assessment)."""
    found = await raised(adapters, codes, today, region_prefix=region_prefix, hub_facts=hub_facts)
    signals_of: dict[str, list[RiskCode]] = {}
    for signal, raising in found.items():
        for code in raising:
            signals_of.setdefault(code, []).append(signal)
    return {code: (level_of(signals), signals) for code, signals in signals_of.items()}


async def _settle(started: Iterable[Awaitable[object]]) -> None:
    """Wait for (or cancel) questions started for several rounds, so none is left
    running unobserved when a round failed."""
    for future in started:
        if isinstance(future, asyncio.Future) and not future.done():
            future.cancel()
        await asyncio.gather(future, return_exceptions=True)


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
    raise one of ``any_of`` (empty: any or none).

    Each round is asked only about the institutions still undecided: those that do
    not hold with the signals found so far, but would with some still to be asked
    (the answer only grows with more signals, so this is exact).
    """
    undecided = sorted(dict.fromkeys(candidates))  # sorted already, as a plan gives them
    asking = _Asking(adapters, today, region_prefix, hub_facts, population=len(undecided))
    wanted = frozenset(RiskCode) if level is not None else any_of

    def holds(signals: frozenset[RiskCode]) -> bool:
        if any_of and not signals & any_of:
            return False
        return level is None or level_of(signals) >= level

    raising: dict[str, frozenset[RiskCode]] = {}
    matched: set[str] = set()
    to_ask = [(answers & wanted, ask) for answers, ask in ROUNDS if answers & wanted]
    ahead: dict[Round, asyncio.Future[Found]] = {}
    try:
        for index, (answers, ask) in enumerate(to_ask):
            later = frozenset().union(*(signals for signals, _ in to_ask[index:]))
            undecided = _still_open(undecided, raising, holds, later, matched, asking.settled)
            asking.settled.update(matched)
            if not undecided:
                break
            following = to_ask[index + 1][1] if index + 1 < len(to_ask) else None
            if following is _staff and ask is not _staff:
                # The staff check is the slowest round and needs nothing of this one:
                # it starts now, and skips the people of whom this round decides.
                ahead[_staff] = asyncio.ensure_future(
                    _staff(asking, undecided, to_ask[index + 1][0])
                )
            answer = await (ahead.pop(ask) if ask in ahead else ask(asking, undecided, answers))
            _add(raising, answer)
    finally:
        await _settle(ahead.values())
    _still_open(undecided, raising, holds, frozenset(), matched, set())
    return matched


def _add(raising: dict[str, frozenset[RiskCode]], found: Found) -> None:
    """Each institution's signals with those ``found`` added. The few distinct sets are
    shared, each union made once: a new set for each of a city's tens of thousands of
    signals kept the next round waiting a sixth of a second."""
    none: frozenset[RiskCode] = frozenset()
    for signal, codes in found.items():
        with_signal: dict[frozenset[RiskCode], frozenset[RiskCode]] = {}
        for code in codes:
            before = raising.get(code, none)
            after = with_signal.get(before)
            if after is None:
                after = with_signal[before] = before | {signal}
            raising[code] = after


def _still_open(
    codes: Sequence[str],
    raising: Mapping[str, frozenset[RiskCode]],
    holds: Callable[[frozenset[RiskCode]], bool],
    later: frozenset[RiskCode],
    matched: set[str],
    dropped: set[str],
) -> list[str]:
    """Those of ``codes`` the signals still to ask (``later``) may decide; the ones that
    hold already go to ``matched``, the ones that cannot hold to ``dropped``."""
    # A city's institutions raise a few dozen sets of signals between them: each set
    # judged once (judged per institution, twice over, it held up the next round).
    verdicts: dict[frozenset[RiskCode], tuple[bool, bool]] = {}
    left = []
    none: frozenset[RiskCode] = frozenset()
    signals_of = raising.get
    for code in codes:
        signals = signals_of(code, none)
        verdict = verdicts.get(signals)
        if verdict is None:
            verdict = verdicts[signals] = (holds(signals), holds(signals | later))
        held, could = verdict
        if held:
            matched.add(code)
        elif could:
            left.append(code)
        else:
            dropped.add(code)
    return left
