"""The education platform's counts over a region, for statistics (``EducationCensus``).

Each statement reads one native table for a page of the region's institutions
(``IN`` the page's codes, by the ``xzqh`` index); the rules they stand for are
those of ``domain.risk``, in the platform's own columns (glossary in
``adapters.education.sections``):

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

from xietong.adapters.education.sections import CATEGORIES, DOMAINS
from xietong.adapters.native import decode
from xietong.adapters.sources.sql import Query, query
from xietong.domain.census import EducationCensus, Listed
from xietong.domain.records import TrainingDomain

PAGE = 10_000
"""Institutions counted per call of the source: each call keeps well within its
timeout, however large the region (a whole city is some ten calls)."""


def census_queries(region: str, parameters: dict[str, Any], after: str | None) -> list[Query]:
    """The statements ``read_census`` reads, in its order, for the next ``PAGE``
    institutions (by credit code) after ``after``; ``region`` a condition on
    ``jg_jbxx`` with its ``parameters``."""
    later = " AND tyshxydm > :after" if after is not None else ""
    within = f"SELECT tyshxydm FROM jg_jbxx WHERE {region}{later} ORDER BY tyshxydm LIMIT :first"
    bound: dict[str, Any] = {**parameters, "first": PAGE}
    if after is not None:
        bound["after"] = after
    return [
        query(
            f"SELECT tyshxydm, xzqh, jglb FROM jg_jbxx WHERE tyshxydm IN ({within})"
            " ORDER BY tyshxydm",
            **bound,
        ),
        query(
            f"SELECT tyshxydm, pxly FROM jg_pxly WHERE tyshxydm IN ({within}) ORDER BY pxly",
            **bound,
        ),
        query(
            f"SELECT tyshxydm, yxqz FROM bxxkz WHERE xkzzt = '1' AND tyshxydm IN ({within})",
            **bound,
        ),
        query(
            "SELECT DISTINCT k.tyshxydm FROM kc k"
            f" WHERE k.sfxk = '1' AND k.tyshxydm IN ({within})"
            " AND NOT EXISTS (SELECT 1 FROM jzg z WHERE z.tyshxydm = k.tyshxydm"
            " AND z.sfzh = k.jssfzh AND z.jszgzh <> '')",
            **bound,
        ),
        query(
            "SELECT n.tyshxydm, COUNT(*), MIN(n.zgqx) FROM zgtzs n"
            " JOIN jcjl j ON j.jcid = n.jcid AND j.tyshxydm = n.tyshxydm"
            f" WHERE n.zgzt = '0' AND n.tyshxydm IN ({within}) GROUP BY n.tyshxydm",
            **bound,
        ),
        query(
            "SELECT DISTINCT tyshxydm FROM kc"
            f" WHERE (yszdys > 0 OR yszdks > 0) AND tyshxydm IN ({within})",
            **bound,
        ),
    ]


def read_census(pages: list[list[list[tuple[Any, ...]]]], today: date) -> EducationCensus:
    """The census from the answers to ``census_queries``, page by page."""
    basics, domains, licences, unqualified, notices, prepaid = (
        [row for page in pages for row in page[statement]] for statement in range(6)
    )
    day = today.strftime("%Y%m%d")
    domains_of: dict[str, list[TrainingDomain]] = {}
    for code, domain in domains:
        domains_of.setdefault(code, []).append(decode(DOMAINS, domain, "jg_pxly.pxly"))
    return EducationCensus(
        institutions={
            code: Listed(
                region=region,
                category=decode(CATEGORIES, category, "jg_jbxx.jglb"),
                domains=tuple(domains_of.get(code, ())),
            )
            for code, region, category in basics
        },
        valid_licence=frozenset(code for code, _ in licences),
        licensed=frozenset(code for code, until in licences if until == "" or until >= day),
        unqualified_teacher=frozenset(code for (code,) in unqualified),
        overdue_rectification=frozenset(code for code, _, first in notices if first < day),
        open_notices={code: int(count) for code, count, _ in notices},
        prepaid=frozenset(code for (code,) in prepaid),
    )
