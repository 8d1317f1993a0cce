"""Deterministic generation of the demo departments' native rows.

``generate_chunk(seed, start, stop, institutions)`` renders institutions
``start..stop-1`` into rows for every native table. Each institution draws from
its own ``Random`` (see ``identity.institution_rng``), so chunks are independent
and can be generated in any process, in any order, with identical results.
"""

from __future__ import annotations

from collections import Counter

from xietong.sandbox.generate.education import emit_education
from xietong.sandbox.generate.finance import emit_finance
from xietong.sandbox.generate.fire import emit_fire
from xietong.sandbox.generate.market import emit_market, emit_unlicensed_operator
from xietong.sandbox.generate.plan import plan_institution
from xietong.sandbox.generate.police import emit_police
from xietong.sandbox.generate.rows import Rows, new_rows
from xietong.sandbox.reference import KAIFENG

__all__ = ["Chunk", "generate_chunk"]

Chunk = tuple[Rows, Counter[str]]
"""Rows of a range of institutions, and how many of them got each anomaly."""


def generate_chunk(
    seed: int, start: int, stop: int, institutions: int, city: str = KAIFENG
) -> Chunk:
    """Institutions ``start..stop-1`` of ``institutions``; indexes at or beyond
    ``institutions`` are unlicensed operators (market registrations only). ``city``:
    the sandbox's city (``sandbox.reference.CITIES``)."""
    rows = new_rows()
    anomalies: Counter[str] = Counter()
    for index in range(start, min(stop, institutions)):
        plan = plan_institution(seed, index, institutions, city)
        emit_education(plan, rows)
        emit_market(plan, rows)
        emit_fire(plan, rows)
        emit_finance(plan, rows)
        emit_police(plan, rows)
        anomalies.update(plan.anomalies)
    for index in range(max(start, institutions), stop):
        emit_unlicensed_operator(seed, index, rows, city)
    return rows, anomalies
