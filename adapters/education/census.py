"""The education platform's counts over a region, for statistics (``EducationCensus``).

The region's institutions are listed by one statement (by the ``xzqh`` index); each
section then reads one native table for a batch of their codes (``IN``, by the
``tyshxydm`` indexes), as a page of the joint record does; the rules they stand for are
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

BATCHES_PER_CALL = 4
"""``IN`` lists of ``SQL_BATCH`` codes per call of the source, five statements each:
every call keeps well within the source's timeout, however large the region."""


def listed_query(region: str, parameters: dict[str, Any]) -> Query:
    """The region's institutions (``region`` a condition on ``jg_jbxx``)."""
    return query(f"SELECT tyshxydm, xzqh, jglb FROM jg_jbxx WHERE {region}", **parameters)


def section_queries(codes: list[str]) -> list[Query]:
    """The statements ``read_census`` reads for a batch of codes, in its order."""
    return [
        query(
            "SELECT tyshxydm, pxly FROM jg_pxly WHERE tyshxydm IN :codes ORDER BY pxly",
            codes=codes,
        ),
        query(
            "SELECT tyshxydm, yxqz FROM bxxkz WHERE xkzzt = '1' AND tyshxydm IN :codes",
            codes=codes,
        ),
        query(
            "SELECT DISTINCT k.tyshxydm FROM kc k WHERE k.sfxk = '1' AND k.tyshxydm IN :codes"
            " AND NOT EXISTS (SELECT 1 FROM jzg z WHERE z.tyshxydm = k.tyshxydm"
            " AND z.sfzh = k.jssfzh AND z.jszgzh <> '')",
            codes=codes,
        ),
        query(
            "SELECT n.tyshxydm, COUNT(*), MIN(n.zgqx) FROM zgtzs n"
            " JOIN jcjl j ON j.jcid = n.jcid AND j.tyshxydm = n.tyshxydm"
            " WHERE n.zgzt = '0' AND n.tyshxydm IN :codes GROUP BY n.tyshxydm",
            codes=codes,
        ),
        query(
            "SELECT DISTINCT tyshxydm FROM kc WHERE (yszdys > 0 OR yszdks > 0)"
            " AND tyshxydm IN :codes",
            codes=codes,
        ),
    ]


SECTIONS = 5
"""Statements ``section_queries`` makes per batch."""


def read_census(
    basics: list[tuple[Any, ...]], sections: list[list[tuple[Any, ...]]], today: date
) -> EducationCensus:
    """The census from ``listed_query``'s rows and those of every batch's
    ``section_queries``, batch after batch."""
    domains, licences, unqualified, notices, prepaid = (
        [row for start in range(0, len(sections), SECTIONS) for row in sections[start + part]]
        for part in range(SECTIONS)
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
