"""Predicates no department can answer alone, evaluated for given candidates.

``hasUncheckedOrFlaggedStaff`` starts from the education bureau's rosters and asks
public security about those people only, by ID number in batches (a few at once,
each made of the rosters still worth asking about when it is sent): the check
service is never scanned (it cannot be, and must not be); it takes its candidates in
chunks (the next chunk's rosters read while this one's people are asked about), so
memory stays bounded however many there are. ``joint_records`` loads
candidates' whole joint records (what the benchmarks measure risk against; risk
itself is ``planner.signals``, from each department's facts). The custody
ledger's two (``custody`` with NONE, ``prepaidCapExceeded``) join a bank's answer with
the education platform's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date
from typing import TypeVar

from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.native import chunked, gather_batches
from xietong.adapters.public_security import CLEARED_BATCH as PEOPLE_BATCH
from xietong.adapters.sources.errors import SourceUnavailableError, or_unavailable
from xietong.domain.records import CustodyStatus
from xietong.domain.risk import (
    HubFacts,
    HubFactsOf,
    JointRecord,
    peaks_over_cap,
)

T = TypeVar("T")

STAFF_CHUNK = 5000
"""Institutions whose rosters are read together (some 16,000 people): the next chunk's
rosters are read while public security is asked about this one's people."""
REQUESTS_AT_ONCE = 3
"""Batches of people asked of public security side by side: while it answers one, the
hub reads the answer before and sends the next (measured at 10,000 institutions: 2
at once left each side idle half the time; 30 at once only queue at the service)."""


async def with_unchecked_or_flagged_staff(
    adapters: AdapterCatalog,
    codes: Sequence[str],
    wanted: bool,
    *,
    settled: AbstractSet[str] = frozenset(),
) -> set[str]:
    """Those of ``codes`` whose roster has (``wanted``) or has not someone unchecked
    or flagged. A person is not asked about once every institution they work at is
    known to have someone flagged, or is ``settled`` (a set the caller may fill while
    this runs: institutions whose answer no longer matters to it, which may then be
    left out of the answer)."""
    education = adapters.education
    flagged: set[str] = set()
    chunks = chunked(codes, STAFF_CHUNK)
    if not chunks:
        return set() if wanted else set(codes)

    def rosters(chunk: list[str]) -> asyncio.Future[Mapping[str, list[str]]]:
        # Read when the previous chunk's people are asked about: by then the caller may
        # have settled some of this chunk, whose rosters are then not read at all.
        return asyncio.ensure_future(education.rosters([c for c in chunk if c not in settled]))

    reading = rosters(chunks[0])
    try:
        for index in range(len(chunks)):
            rosters_read = await reading
            if index + 1 < len(chunks):
                reading = rosters(chunks[index + 1])
            await _checked(adapters, rosters_read, flagged, settled)
    finally:
        if not reading.done():
            reading.cancel()
            await asyncio.gather(reading, return_exceptions=True)
    return flagged if wanted else set(codes) - flagged


async def _checked(
    adapters: AdapterCatalog,
    rosters: Mapping[str, list[str]],
    flagged: set[str],
    settled: AbstractSet[str],
) -> None:
    """Ask public security about the people of ``rosters``, whole rosters of about its
    batch limit at a time, ``REQUESTS_AT_ONCE`` at once; add to ``flagged`` each
    institution with someone not clear. Each batch is made when it is sent, of the
    institutions still worth asking about (neither flagged nor ``settled`` by then).
    Someone on two rosters is asked about with each: a record of which institutions
    each person works at, for a city's hundreds of thousands, cost the hub more than
    the few asked about twice."""
    police = adapters.public_security
    pending = iter(rosters.items())

    def next_batch() -> list[tuple[str, list[str]]]:
        batch, people = [], 0
        for code, staff in pending:
            if code in flagged or code in settled:
                continue
            batch.append((code, staff))
            people += len(staff)
            if people >= PEOPLE_BATCH:
                break
        return batch

    async def ask_in_turn() -> None:
        while batch := next_batch():
            clear = await police.cleared([person for _, staff in batch for person in staff])
            flagged.update(code for code, staff in batch if not clear.issuperset(staff))

    await gather_batches([ask_in_turn() for _ in range(REQUESTS_AT_ONCE)])


async def joint_records(
    adapters: AdapterCatalog,
    codes: Sequence[str],
    today: date,
    hub_facts: HubFactsOf | None = None,
) -> list[JointRecord]:
    """Every department's record of ``codes``. A department that does not answer fails
    the whole question: a risk judged without it could not be called exact."""
    education, market, fire = adapters.education, adapters.market, adapters.fire_safety
    finance, police = adapters.finance, adapters.public_security
    institutions = await education.load(codes)
    people = [member.id_number for record in institutions.values() for member in record.staff]
    registrations, fire_safety, funds, checks = await asyncio.gather(
        or_unavailable(market.load(codes)),
        or_unavailable(fire.load(codes)),
        or_unavailable(finance.load(codes)),
        or_unavailable(police.load(people)),
    )
    registration_of, fire_of = _answered(registrations), _answered(fire_safety)
    funds_of, check_of = _answered(funds), _answered(checks)
    facts = await hub_facts(codes) if hub_facts is not None else {}
    none = HubFacts()
    return [
        JointRecord(
            institution=record,
            registration=registration_of.get(code),
            fire_safety=fire_of.get(code),
            funds=funds_of.get(code),
            background_checks=check_of,
            today=today,
            hub_notices=facts.get(code, none).notices,
            tip_off_alerts=facts.get(code, none).tip_off_alerts,
        )
        for code, record in institutions.items()
    ]


def _answered(answer: T | SourceUnavailableError) -> T:
    if isinstance(answer, SourceUnavailableError):
        raise answer
    return answer


async def over_prepaid_cap(adapters: AdapterCatalog, among: Sequence[str] | None) -> set[str]:
    """Institutions (of ``among``, or all) with an order over the prepaid cap: the banks
    aggregate their orders (the largest per course), the education platform compares
    them with the courses' terms."""
    # Each bank paces its own calls (a few lists a call, a wave of its threads; the
    # HTTP bank pages through its accounts when asked about a city).
    peaks = await adapters.finance.order_peaks(among=among)
    # An order over 60 lessons is over whatever its course says; the others need the terms.
    over: set[str] = set()
    orders: list[tuple[str, str, int]] = []
    for code, courses in peaks.items():
        if peaks_over_cap(courses):
            over.add(code)
        else:
            orders += [(code, course, most) for course, most in courses.items()]
    # The others are over when a course of that name has terms of fewer lessons (the
    # strictest namesake's, as ``prepaid_cap`` reads them): compared at the platform.
    return over | (await adapters.education.over_prepaid_terms(orders) if orders else set())


async def in_custody_states(
    adapters: AdapterCatalog, states: frozenset[CustodyStatus | None], among: Sequence[str]
) -> set[str]:
    """Which of ``among`` have their custody account in one of ``states`` (None: at no bank)."""
    statuses = frozenset(state for state in states if state is not None)
    found = await adapters.finance.match_custody(statuses, among=among) if statuses else set()
    if None in states:
        found |= await adapters.finance.without_custody(among)
    return found
