"""What the education platform knows of prepaid fees: each course's prepaid terms, and
the lessons institutions report as given on each order (消课记录, ``xkjl``).

Glossary: ``kc.kcmc`` course name, ``kc.yszdks`` most lessons prepaid (0: no terms);
``xkjl.ddh`` order number (the bank's), ``xkks`` lessons, ``sfqr`` confirmed by the
payer (``1`` yes, ``0`` not yet), ``xkrq`` given on.
"""

from __future__ import annotations

from collections.abc import Sequence

from xietong.adapters.native import chunked, decode, gather_batches, required_ymd
from xietong.adapters.sources.sql import THREADS, SqlSource, Table, query
from xietong.domain.records import LessonDelivery

SQL_BATCH = 500
LISTS_PER_CALL = 10
"""``IN`` lists per call of the source (each list a statement)."""
CONFIRMED = {"1": True, "0": False}


async def over_prepaid_terms(source: SqlSource, orders: Sequence[tuple[str, str, int]]) -> set[str]:
    """Credit codes of ``orders`` (code, course name, most lessons a single order of it
    bought) where the course, or a namesake of the same institution, has prepaid terms
    of fewer lessons: the comparison made at the platform, which answers only the codes
    (a city's terms were a quarter of a million rows to read and compare here)."""
    statements = [
        query(
            "SELECT DISTINCT o.code FROM :orders AS o"
            " JOIN kc ON kc.tyshxydm = o.code AND kc.kcmc = o.course"
            " WHERE kc.yszdks > 0 AND kc.yszdks < o.peak",
            orders=Table(_ORDER_COLUMNS, batch),
        )
        for batch in chunked(orders, ORDERS_PER_STATEMENT)
    ]
    # A few statements a call, as many calls at once as the source has threads: a call
    # queued for a thread counts against its timeout.
    calls = [
        statements[at : at + LISTS_PER_CALL] for at in range(0, len(statements), LISTS_PER_CALL)
    ]
    over: set[str] = set()
    for wave in range(0, len(calls), THREADS):
        for answer in await gather_batches(
            [source.fetch_tuples(call) for call in calls[wave : wave + THREADS]]
        ):
            over.update(code for rows in answer for (code,) in rows)
    return over


_ORDER_COLUMNS = (("code", "text"), ("course", "text"), ("peak", "integer"))
ORDERS_PER_STATEMENT = 2000
"""A bank's largest orders compared a statement (about as many courses as ``SQL_BATCH``
institutions hold)."""


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
