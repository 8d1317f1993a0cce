"""The education platform's counts over a region, for statistics (``EducationCensus``).

The region's institutions are listed by one statement (by the ``xzqh`` index); each
section then reads one native table for a range of their codes (``BETWEEN``, by the
``tyshxydm`` indexes: a range costs SQLite about half what an ``IN`` list of the same
codes does), the rows of codes outside the region that sort among them dropped here.
The rules they stand for are those of ``domain.risk``, in the platform's own columns
(glossary in ``adapters.education.sections``):

- licensed: ``bxxkz.xkzzt`` ``1`` and ``yxqz`` empty or not before today
- UNQUALIFIED_TEACHER: a ``kc`` row with ``sfxk`` ``1`` whose ``jssfzh`` is no ``jzg``
  row of the same institution with a ``jszgzh``
- OPEN_RECTIFICATION: a ``zgtzs`` row with ``zgzt`` ``0`` under one of the institution's
  own inspections (``jcjl``), ``zgqx`` before today
- prepaid: a ``kc`` row with ``yszdys`` or ``yszdks`` above 0
"""

from __future__ import annotations

from datetime import date
from typing import Any

from xietong.adapters.education.sections import APART, CATEGORIES, DOMAINS
from xietong.adapters.native import decode
from xietong.adapters.sources.sql import Query, query
from xietong.domain.census import EducationCensus, Listed

RANGE = 2000
"""Codes per range (``native.key_ranges``)."""
RANGES_PER_CALL = 4
"""Ranges per call of the source, five statements each: every call keeps well within
the source's timeout, however large the region."""
CLUSTER = 8
"""Characters of a credit code that a range never spans two values of: registration
authority, kind, and the region (whose codes sort together)."""


def listed_query(region: str, parameters: dict[str, Any]) -> Query:
    """The region's institutions (``region`` a condition on ``jg_jbxx``)."""
    return query(f"SELECT tyshxydm, xzqh, jglb FROM jg_jbxx WHERE {region}", **parameters)


def section_queries(low: str, high: str) -> list[Query]:
    """The statements ``read_census`` reads for the codes from ``low`` to ``high``, in
    its order."""
    within = {"low": low, "high": high}
    return [
        # A row per institution, its domains joined: a row per domain was three rows
        # an institution, each made into a tuple under the interpreter lock. A missing
        # domain joins as an empty one, which ``decode`` refuses as it refused the row.
        query(
            f"SELECT tyshxydm, string_agg(COALESCE(pxly, ''), '{APART}') FROM jg_pxly"
            " WHERE tyshxydm BETWEEN :low AND :high GROUP BY tyshxydm",
            **within,
        ),
        query(
            "SELECT tyshxydm, yxqz FROM bxxkz WHERE xkzzt = '1'"
            " AND tyshxydm BETWEEN :low AND :high",
            **within,
        ),
        query(
            "SELECT DISTINCT k.tyshxydm FROM kc k WHERE k.sfxk = '1'"
            " AND k.tyshxydm BETWEEN :low AND :high"
            " AND NOT EXISTS (SELECT 1 FROM jzg z WHERE z.tyshxydm = k.tyshxydm"
            " AND z.sfzh = k.jssfzh AND z.jszgzh <> '')",
            **within,
        ),
        query(
            "SELECT n.tyshxydm, COUNT(*), MIN(n.zgqx) FROM zgtzs n"
            " JOIN jcjl j ON j.jcid = n.jcid AND j.tyshxydm = n.tyshxydm"
            " WHERE n.zgzt = '0' AND n.tyshxydm BETWEEN :low AND :high GROUP BY n.tyshxydm",
            **within,
        ),
        query(
            "SELECT DISTINCT tyshxydm FROM kc WHERE (yszdys > 0 OR yszdks > 0)"
            " AND tyshxydm BETWEEN :low AND :high",
            **within,
        ),
    ]


SECTIONS = 5
"""Statements ``section_queries`` makes per batch."""


def read_census(
    basics: list[tuple[Any, ...]], sections: list[list[tuple[Any, ...]]], today: date
) -> EducationCensus:
    """The census from ``listed_query``'s rows and those of every range's
    ``section_queries``, range after range (rows of codes not listed are dropped)."""
    listed = {code for code, *_ in basics}
    domains, licences, unqualified, notices, prepaid = (
        [
            row
            for start in range(0, len(sections), SECTIONS)
            for row in sections[start + part]
            if row[0] in listed
        ]
        for part in range(SECTIONS)
    )
    day = today.strftime("%Y%m%d")
    domains_of: dict[str, str] = dict(domains)
    # A city's institutions share a few hundred listings (district, category, domains):
    # each made and decoded once, not once an institution.
    shared: dict[tuple[str, str, str | None], Listed] = {}
    institutions: dict[str, Listed] = {}
    for code, region, category in basics:
        joined = domains_of.get(code)
        key = (region, category, joined)
        found = shared.get(key)
        if found is None:
            found = shared[key] = Listed(
                region=region,
                category=decode(CATEGORIES, category, "jg_jbxx.jglb"),
                domains=tuple(
                    decode(DOMAINS, domain, "jg_pxly.pxly")
                    for domain in (sorted(joined.split(APART)) if joined is not None else ())
                ),
            )
        institutions[code] = found
    return EducationCensus(
        institutions=institutions,
        valid_licence=frozenset(code for code, _ in licences),
        licensed=frozenset(code for code, until in licences if until == "" or until >= day),
        unqualified_teacher=frozenset(code for (code,) in unqualified),
        overdue_rectification=frozenset(code for code, _, first in notices if first < day),
        open_notices={code: int(count) for code, count, _ in notices},
        prepaid=frozenset(code for (code,) in prepaid),
    )
