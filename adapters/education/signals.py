"""The education platform's facts behind the risk rules, for many institutions at once
(``EducationSignals``): each rule of ``domain.risk`` that reads the education bureau's
tables, as a statement over them (glossary in ``adapters.education.sections``):

- licensed: ``bxxkz.xkzzt`` ``1`` and ``yxqz`` empty or not before today (LICENSE_INACTIVE
  is its complement; REGISTRATION_INACTIVE needs ``xkzzt`` ``1`` alone); asked as the
  institutions without such a licence, most institutions having one
- UNQUALIFIED_TEACHER: a ``kc`` row with ``sfxk`` ``1`` whose ``jssfzh`` is no ``jzg``
  row of the same institution with a ``jszgzh``
- OPEN_RECTIFICATION: a ``zgtzs`` row with ``zgzt`` ``0`` under one of the institution's
  own inspections (``jcjl``), ``zgqx`` before today
- BLACKLISTED: an ``hmd`` entry whose ``ycrq`` is empty or after today, or a ``jzg``
  person with a ``cyjz`` bar whose ``jzqx`` is empty or after today
- prepaid (NO_CUSTODY_ACCOUNT): a ``kc`` row with ``yszdys`` or ``yszdks`` above 0; asked
  as the institutions without one, most institutions selling on prepaid terms
- SCOPE_MISMATCH: ``jg_jbxx.jglb`` ``1`` (subject), the ``kc.pxly`` of every course, and
  whether ``jg_pxly`` approves it

Asked about lists of codes (``IN``, by the ``tyshxydm`` indexes), a call each: over a
whole table, the correlated subqueries of one statement could outlast the timeout. The
blacklist and the overdue notices are asked once over the whole platform instead
(``across_queries``): each starts from a few thousand rows (the blacklist, the barred
people, the open notices by their index), where a list of codes made every one of its
institutions' staff a lookup (at 100,000 institutions 0.32 s against 0.006 s).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from xietong.adapters.education.sections import APART, DOMAINS
from xietong.adapters.native import decode
from xietong.adapters.sources.sql import Query, Table, query
from xietong.domain.census import EducationCensus, EducationSignals
from xietong.domain.records import InstitutionCategory, TrainingDomain

STATEMENTS = 5
"""Statements ``signal_queries`` makes for one list of codes (``WITHOUT_COURSES`` without
courses)."""
WITHOUT_COURSES = 3
"""The statements before the subject category and the course domains: SCOPE_MISMATCH's."""

_TEMPLATES = (
    # The asked institutions without a licence valid today, and whether they hold one
    # in force at all: a few rows where those with one were nine in ten of the list.
    "SELECT o.code, EXISTS (SELECT 1 FROM bxxkz b WHERE b.tyshxydm = o.code"
    " AND b.xkzzt = '1') FROM :asked AS o WHERE NOT EXISTS (SELECT 1 FROM bxxkz b"
    " WHERE b.tyshxydm = o.code AND b.xkzzt = '1' AND (b.yxqz = '' OR b.yxqz >= :today))",
    "SELECT DISTINCT k.tyshxydm FROM kc k WHERE k.sfxk = '1'{within_k}"
    " AND NOT EXISTS (SELECT 1 FROM jzg z WHERE z.tyshxydm = k.tyshxydm"
    " AND z.sfzh = k.jssfzh AND z.jszgzh <> '')",
    "SELECT o.code FROM :asked AS o WHERE NOT EXISTS (SELECT 1 FROM kc"
    " WHERE kc.tyshxydm = o.code AND (kc.yszdys > 0 OR kc.yszdks > 0))",
    "SELECT tyshxydm FROM jg_jbxx WHERE jglb = '1'{within}",
    # A row per institution: its course domains joined, and whether its licence
    # approves every one (a row per domain was one more tuple for most institutions).
    f"SELECT d.tyshxydm, string_agg(COALESCE(d.pxly, ''), '{APART}'), MIN(d.approved) FROM"
    " (SELECT DISTINCT k.tyshxydm, k.pxly, CASE WHEN EXISTS (SELECT 1 FROM jg_pxly p"
    " WHERE p.tyshxydm = k.tyshxydm AND p.pxly = k.pxly) THEN 1 ELSE 0 END AS approved"
    " FROM kc k WHERE 1 = 1{within_k}) AS d GROUP BY d.tyshxydm",
)

_BLACKLISTED = (
    "SELECT tyshxydm FROM hmd WHERE ycrq = '' OR ycrq > :today"
    " UNION SELECT j.tyshxydm FROM cyjz c JOIN jzg j ON j.sfzh = c.sfzh"
    " WHERE c.jzqx = '' OR c.jzqx > :today"
)
_OVERDUE = (
    "SELECT DISTINCT n.tyshxydm FROM zgtzs n"
    " JOIN jcjl j ON j.jcid = n.jcid AND j.tyshxydm = n.tyshxydm"
    " WHERE n.zgzt = '0' AND n.zgqx < :today"
)


def across_queries(today: date, *, census: bool = False) -> list[Query]:
    """The statements asked once over the whole platform: the blacklisted institutions
    and (unless a ``census`` holds them) those with an overdue notice, of any region."""
    day = today.strftime("%Y%m%d")
    return [
        query(sql, today=day) for sql in ((_BLACKLISTED,) if census else (_BLACKLISTED, _OVERDUE))
    ]


def signal_queries(codes: Sequence[str], today: date, *, courses: bool = True) -> list[Query]:
    """The statements ``read_signals`` reads, in its order, over ``codes`` (one ``IN``
    list's worth); without ``courses``, none of SCOPE_MISMATCH's (the subject category
    and the course domains, the largest answer)."""
    day = today.strftime("%Y%m%d")
    within = {
        name: f" AND {alias}tyshxydm IN :codes"
        for name, alias in (
            ("within", ""),
            ("within_k", "k."),
            ("within_n", "n."),
            ("within_j", "j."),
        )
    }
    parameters: dict[str, Any] = {
        "codes": list(codes),
        "asked": Table(_ASKED, [(code,) for code in codes]),
        "today": day,
    }
    statements = [
        template.format(**within)
        for template in (_TEMPLATES if courses else _TEMPLATES[:WITHOUT_COURSES])
    ]
    return [
        query(sql, **{name: value for name, value in parameters.items() if f":{name}" in sql})
        for sql in statements
    ]


_ASKED = (("code", "text"),)
"""The columns of the codes sent as a table (``FROM :asked``)."""


# The course domains alone: whether the licence approves them is judged against the
# census's licence domains (``read_with_census``), where the last of ``_TEMPLATES`` (no
# census) looks each institution's every domain up in ``jg_pxly`` (at 100,000, 0.76 s
# of SQLite against 0.26 s, read from ``ix_kc_pxly`` alone).
_COURSES_BETWEEN = (
    f"SELECT d.tyshxydm, string_agg(COALESCE(d.pxly, ''), '{APART}') FROM"
    " (SELECT DISTINCT k.tyshxydm, k.pxly FROM kc k"
    " WHERE k.tyshxydm BETWEEN :low AND :high) AS d GROUP BY d.tyshxydm"
)


def census_queries(low: str, high: str) -> list[Query]:
    """The statement ``read_with_census`` reads over the codes from ``low`` to ``high``
    (``native.key_ranges``; rows of codes not asked about are dropped): the course
    domains, which the census of the region and ``across_queries`` do not hold."""
    return [query(_COURSES_BETWEEN, low=low, high=high)]


def read_with_census(
    answers: Sequence[list[tuple[Any, ...]]],
    across: Sequence[list[tuple[Any, ...]]],
    census: EducationCensus,
    among: Sequence[str],
    *,
    courses: bool = True,
) -> EducationSignals:
    """The facts of ``among`` (institutions the census lists) from the answers to
    ``census_queries``, list after list, to ``across_queries`` (with ``census``), and
    from ``census`` (the same rules over the same tables, read for statistics)."""
    asked = frozenset(among)
    listed_as = census.institutions
    course_rows = [row for rows in answers for row in rows if row[0] in asked] if courses else []
    (listed,) = across
    domains = _decoded(course_rows)
    # Outside the licence: a course domain its ``jg_pxly`` rows (the census's) lack.
    outside = frozenset(
        code
        for code, found in domains.items()
        if code not in listed_as or not found.issubset(listed_as[code].domains)
    )
    return EducationSignals(
        valid_licence=census.valid_licence & asked,
        licensed=census.licensed & asked,
        unqualified_teacher=census.unqualified_teacher & asked,
        overdue_rectification=census.overdue_rectification & asked,
        blacklisted=asked.intersection(code for (code,) in listed),
        prepaid=census.prepaid & asked,
        subject=frozenset(
            code
            for code, listed_as in census.institutions.items()
            if courses and listed_as.category is InstitutionCategory.SUBJECT and code in asked
        ),
        course_domains=domains,
        outside_domains=outside,
    )


def _decoded(rows: Sequence[tuple[Any, ...]]) -> dict[str, frozenset[TrainingDomain]]:
    """Each institution's course domains, from its row (code, native codes joined, and
    any columns after them)."""
    # Each distinct set of native codes decoded once (a city's are a few dozen).
    decoded: dict[str, frozenset[TrainingDomain]] = {}
    domains: dict[str, frozenset[TrainingDomain]] = {}
    for code, joined, *_ in rows:
        found = decoded.get(joined)
        if found is None:
            found = decoded[joined] = frozenset(
                decode(DOMAINS, domain, "kc.pxly") for domain in joined.split(APART)
            )
        domains[code] = found
    return domains


def read_signals(
    answers: Sequence[list[tuple[Any, ...]]],
    across: Sequence[list[tuple[Any, ...]]],
    asked: Sequence[str],
    *,
    courses: bool = True,
) -> EducationSignals:
    """The facts of ``asked`` from the answers to ``signal_queries``, list after list, and
    to ``across_queries`` (without ``courses``: no course domains, and none outside the
    licence's domains)."""
    step = STATEMENTS if courses else WITHOUT_COURSES
    parts = [
        [row for start in range(0, len(answers), step) for row in answers[start + part]]
        for part in range(step)
    ]
    unlicensed, unqualified, unprepaid = parts[:WITHOUT_COURSES]
    subject, course_rows = (parts[3], parts[4]) if courses else ([], [])
    listed, overdue = across
    everyone = frozenset(asked)
    domains = _decoded(course_rows)
    outside = frozenset(code for code, _, approved in course_rows if not approved)
    return EducationSignals(
        valid_licence=everyone - {code for code, in_force in unlicensed if not in_force},
        licensed=everyone - {code for code, _ in unlicensed},
        unqualified_teacher=frozenset(code for (code,) in unqualified),
        overdue_rectification=everyone.intersection(code for (code,) in overdue),
        blacklisted=everyone.intersection(code for (code,) in listed),
        prepaid=everyone - {code for (code,) in unprepaid},
        subject=frozenset(code for (code,) in subject),
        course_domains=domains,
        outside_domains=outside,
    )
