"""What the education platform knows of prepaid fees: each course's prepaid terms, and
the lessons institutions report as given on each order (消课记录, ``xkjl``).

Glossary: ``kc.kcmc`` course name, ``kc.yszdks`` most lessons prepaid (0: no terms);
``xkjl.ddh`` order number (the bank's), ``xkks`` lessons, ``sfqr`` confirmed by the
payer (``1`` yes, ``0`` not yet), ``xkrq`` given on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xietong.adapters.native import chunked, decode, gather_batches, required_ymd
from xietong.adapters.sources.sql import THREADS, SqlSource, query
from xietong.domain.records import LessonDelivery

SQL_BATCH = 500
LISTS_PER_CALL = 10
"""``IN`` lists per call of the source (each list a statement)."""
CONFIRMED = {"1": True, "0": False}


async def prepaid_limits(source: SqlSource, codes: Sequence[str]) -> dict[str, dict[str, int]]:
    """Credit code → course name → most lessons prepaid (the strictest of namesakes)."""
    lists = [
        query(
            "SELECT tyshxydm, kcmc, yszdks FROM kc WHERE tyshxydm IN :codes AND yszdks > 0",
            codes=batch,
        )
        for batch in chunked(codes, SQL_BATCH)
    ]
    # A few lists a call, as many calls at once as the source has threads: a list a
    # call queued a city's calls at once, and a queued call counts against its timeout.
    calls = [lists[at : at + LISTS_PER_CALL] for at in range(0, len(lists), LISTS_PER_CALL)]
    answers: list[list[list[tuple[Any, ...]]]] = []
    for wave in range(0, len(calls), THREADS):
        answers += await gather_batches(
            [source.fetch_tuples(call) for call in calls[wave : wave + THREADS]]
        )
    limits: dict[str, dict[str, int]] = {}
    for rows in (rows for answer in answers for rows in answer):
        for code, course, most in rows:
            courses = limits.setdefault(code, {})
            courses[course] = min(int(most), courses.get(course, int(most)))
    return limits


async def deliveries(source: SqlSource, code: str) -> list[LessonDelivery]:
    rows = await source.fetch(
        *query(
            "SELECT ddh, xkks, sfqr, xkrq FROM xkjl WHERE tyshxydm = :code ORDER BY xkrq, xkid",
            code=code,
        )
    )
    return [
        LessonDelivery(
            credit_code=code,
            order_number=row["ddh"],
            lessons=int(row["xkks"]),
            confirmed=decode(CONFIRMED, row["sfqr"], "xkjl.sfqr"),
            delivered_on=required_ymd(row["xkrq"], "xkjl.xkrq"),
        )
        for row in rows
    ]


async def prepaid_institutions(source: SqlSource, region_prefix: str) -> dict[str, int]:
    """District → institutions with a course on prepaid terms: one ``GROUP BY``, read
    from two covering indexes (region and code; code and prepaid terms), never the rows."""
    low = region_prefix
    high = region_prefix[:-1] + chr(ord(region_prefix[-1]) + 1) if region_prefix else "a"
    rows = await source.fetch(
        *query(
            "SELECT j.xzqh, COUNT(*) AS n FROM jg_jbxx j WHERE j.xzqh >= :low AND j.xzqh < :high"
            " AND EXISTS (SELECT 1 FROM kc WHERE kc.tyshxydm = j.tyshxydm"
            " AND (kc.yszdys > 0 OR kc.yszdks > 0)) GROUP BY j.xzqh",
            low=low,
            high=high,
        )
    )
    return {str(row["xzqh"]): int(row["n"]) for row in rows}
