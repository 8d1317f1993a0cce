"""The education bureau's supervision platform, read over SQL (source format ``education``).

Every section of a batch of institutions (basics, domains, supervisors, licence,
courses, staff, inspections and notices, tip-offs, blacklist) is one statement
with one ``IN`` list, and all of them run in one round of the source: a page of
institutions costs one call. The mapping is in ``adapters.education_sections``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from xietong.adapters.cache import RecordCache
from xietong.adapters.education import census as census_sql
from xietong.adapters.education import ledger
from xietong.adapters.education import signals as signals_sql
from xietong.adapters.education.sections import (
    APART,
    CATEGORIES,
    DOMAINS,
    LICENSE_STATUSES,
    STAFF_COLUMNS,
    SUPERVISORS,
    institutions,
    section_queries,
    staff_member,
)
from xietong.adapters.native import (
    chunked,
    gather_batches,
    key_ranges,
    native_codes,
    native_shape,
    valid_keys,
)
from xietong.adapters.sources.registry import ProbeResult, probe_source
from xietong.adapters.sources.sql import THREADS, Query, SqlSource, query
from xietong.domain.census import EducationCensus, EducationSignals
from xietong.domain.departments import Department
from xietong.domain.matching import InstitutionCriteria
from xietong.domain.records import Institution, LessonDelivery, StaffMember
from xietong.kernel.identifiers import credit_code_error, id_number_error

SQL_BATCH = 500
"""Keys per ``IN`` list: far below SQLite's bound-variable limit (32766; 999 on
builds before 3.32), and large enough that a page (at most 500) is one list."""
ROSTER_SCAN_FROM = 5000
"""Institutions from which their rosters are read by a scan of ``jzg`` (0.34 s against
1.0 s in ``IN`` lists for 7,000 of 10,000 institutions)."""
ROSTER_RANGE = 50_000
"""Roster rows (``jzgid``) per call of that scan: each call well within the timeout."""
LISTS_PER_CALL = 20
"""``IN`` lists per call of the source when many keys are asked at once: each call
stays well inside the source's timeout, and the calls run side by side."""


class SqlEducationAdapter:
    def __init__(self, source: SqlSource, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.department = Department.EDUCATION
        self.source = source
        self.cache = RecordCache[Institution](
            source.config.cache_ttl, clock=clock, name=source.config.name
        )

    @property
    def source_names(self) -> Sequence[str]:
        return [self.source.config.name]

    async def load(self, keys: Sequence[str]) -> Mapping[str, Institution]:
        return await self.cache.load(valid_keys(keys, credit_code_error), self._fetch)

    async def page(
        self, region_prefix: str, after: str | None, first: int
    ) -> tuple[list[Institution], int]:
        region, parameters = _in_region(region_prefix)
        if first <= 0:
            (count,) = await self.source.fetch_many([_count(region, parameters)])
            return [], int(count[0]["n"])
        later = " AND tyshxydm > :after" if after is not None else ""
        # The page's codes are selected inside every section's statement, so the
        # page, its sections and the count are still one round of the source.
        within = (
            f"(SELECT tyshxydm FROM jg_jbxx WHERE {region}{later} ORDER BY tyshxydm LIMIT :first)"
        )
        page_parameters = {**parameters, "first": first}
        if after is not None:
            page_parameters["after"] = after
        *sections, count = await self.source.fetch_many(
            [*section_queries(within, **page_parameters), _count(region, parameters)]
        )
        with native_shape(self.department, self.source.config.name):
            found = institutions(sections)
            total = int(count[0]["n"])
        self.cache.put(found)
        return [found[code] for code in sorted(found)], total

    async def employments(self, id_numbers: Sequence[str]) -> Mapping[str, list[StaffMember]]:
        wanted = valid_keys(id_numbers, id_number_error)
        batches = await gather_batches(
            [
                self.source.fetch(
                    *query(
                        f"SELECT {STAFF_COLUMNS} FROM jzg WHERE sfzh IN :ids ORDER BY jzgid",
                        ids=batch,
                    )
                )
                for batch in chunked(wanted, SQL_BATCH)
            ]
        )
        lines: dict[str, list[StaffMember]] = {}
        with native_shape(self.department, self.source.config.name):
            for rows in batches:
                for row in rows:
                    member = staff_member(row)
                    lines.setdefault(member.id_number, []).append(member)
        return lines

    async def match(
        self, criteria: InstitutionCriteria, *, among: Sequence[str] | None = None
    ) -> set[str]:
        wanted = _native_criteria(criteria)
        if wanted is None:
            return set()
        if among is None:
            return await self._scan(criteria, wanted)
        return await self._among(criteria, wanted, among)

    async def _scan(self, criteria: InstitutionCriteria, wanted: dict[str, list[str]]) -> set[str]:
        region, parameters = _in_region(criteria.region_prefix)
        texts = {"jgmc": criteria.name_contains, "bxdz": criteria.address_contains}
        # With a text condition, the whole table is read faster than the region's rows
        # through the region index (five times, at 100,000 in SQLite): the region is
        # then tested here, with the text.
        by_text = any(text is not None for text in texts.values())
        conditions = [] if by_text else [region]
        if by_text:
            parameters = {}
        for column, codes in wanted.items():
            parameters[column] = codes
            if column == "jglb":
                conditions.append("jglb IN :jglb")
            else:
                section = f"SELECT tyshxydm FROM {_SECTIONS[column]} WHERE {column} IN :{column}"
                conditions.append(f"tyshxydm IN ({section})")
        for column, text in texts.items():
            if text is not None:
                # LIKE narrows in the database (a scan of one narrow column); the exact,
                # case-sensitive test is ``accepts_text`` below.
                parameters[column] = f"%{_escaped(text)}%"
                conditions.append(f"{column} LIKE :{column} ESCAPE '\\'")
        if criteria.blacklisted is not None:
            parameters["today"] = _today(criteria)
            negation = "" if criteria.blacklisted else "NOT "
            conditions.append(f"tyshxydm {negation}IN ({_LISTED})")
        # The name and address only for a text condition: a city's Chinese names and
        # addresses were most of the cost of listing its institutions.
        columns = "tyshxydm, xzqh, jgmc, bxdz" if by_text else "tyshxydm, xzqh, NULL, NULL"
        sql = f"SELECT {columns} FROM jg_jbxx WHERE {' AND '.join(conditions) or '1 = 1'}"
        (rows,) = await self.source.fetch_tuples([query(sql, **parameters)])
        return {
            code
            for code, region_code, name, address in rows
            if region_code.startswith(criteria.region_prefix)
            and (not by_text or criteria.accepts_text(name, address))
        }

    async def _among(
        self, criteria: InstitutionCriteria, wanted: dict[str, list[str]], among: Sequence[str]
    ) -> set[str]:
        """Looked up by code alone (an index on region or category would lure the
        database into reading the whole region for a few hundred codes), then judged here."""
        sections = [column for column in wanted if column != "jglb"]
        listed = criteria.blacklisted is not None
        statements = []
        for batch in chunked(valid_keys(among, credit_code_error), SQL_BATCH):
            statements.append(
                query(
                    "SELECT tyshxydm, xzqh, jglb, jgmc, bxdz FROM jg_jbxx WHERE tyshxydm IN :codes",
                    codes=batch,
                )
            )
            statements += [
                query(
                    f"SELECT tyshxydm FROM {_SECTIONS[column]}"
                    f" WHERE tyshxydm IN :codes AND {column} IN :{column}",
                    codes=batch,
                    **{column: wanted[column]},
                )
                for column in sections
            ]
            if listed:
                statements.append(
                    query(
                        f"SELECT tyshxydm FROM ({_LISTED}) l WHERE tyshxydm IN :codes",
                        codes=batch,
                        today=_today(criteria),
                    )
                )
        if not statements:
            return set()
        answers = await self.source.fetch_tuples(statements)
        found: set[str] = set()
        step = 1 + len(sections) + listed
        for start in range(0, len(answers), step):
            basics, *held = answers[start : start + step]
            batch_found = {
                code
                for code, region, category, name, address in basics
                if region.startswith(criteria.region_prefix)
                and ("jglb" not in wanted or category in wanted["jglb"])
                and criteria.accepts_text(name, address)
            }
            if listed:
                *held, on_list = held
                codes_listed = {code for (code,) in on_list}
                if criteria.blacklisted:
                    batch_found &= codes_listed
                else:
                    batch_found -= codes_listed
            for rows in held:
                batch_found &= {code for (code,) in rows}
            found |= batch_found
        return found

    async def rosters(self, codes: Sequence[str]) -> Mapping[str, list[str]]:
        wanted = valid_keys(codes, credit_code_error)
        if len(wanted) > ROSTER_SCAN_FROM:
            return await self._every_roster(set(wanted))
        # A row per institution, its people joined: a row per person was four rows in
        # five of the answer, each made into a tuple under the interpreter lock.
        lists = [
            query(
                f"SELECT tyshxydm, string_agg(sfzh, '{APART}') FROM jzg"
                " WHERE tyshxydm IN :codes GROUP BY tyshxydm",
                codes=batch,
            )
            for batch in chunked(wanted, SQL_BATCH)
        ]
        calls = [
            self.source.fetch_tuples(lists[start : start + LISTS_PER_CALL])
            for start in range(0, len(lists), LISTS_PER_CALL)
        ]
        return {
            code: people.split(APART)
            for answer in await gather_batches(calls)
            for rows in answer
            for code, people in rows
        }

    async def _every_roster(self, asked: set[str]) -> dict[str, list[str]]:
        """The whole roster read in ranges of ``jzgid`` (a call each, as many at once as
        the source has threads), kept for the institutions ``asked``: faster than a
        city's codes in IN lists."""
        ((last,),) = (await self.source.fetch_tuples([query("SELECT MAX(jzgid) FROM jzg")]))[0]
        ranges = [
            query(
                "SELECT tyshxydm, sfzh FROM jzg WHERE jzgid >= :low AND jzgid < :high"
                " ORDER BY jzgid",
                low=low,
                high=low + ROSTER_RANGE,
            )
            for low in range(0, int(last or 0) + 1, ROSTER_RANGE)
        ]
        found: dict[str, list[str]] = {}
        for wave in range(0, len(ranges), THREADS):
            for (rows,) in await gather_batches(
                [
                    self.source.fetch_tuples([statement])
                    for statement in ranges[wave : wave + THREADS]
                ]
            ):
                for code, id_number in rows:
                    if code in asked:
                        found.setdefault(code, []).append(id_number)
        return found

    async def census(self, region_prefix: str, today: date) -> EducationCensus:
        region, parameters = _in_region(region_prefix)
        (basics,) = await self.source.fetch_tuples([census_sql.listed_query(region, parameters)])
        codes = sorted(code for code, *_ in basics)
        statements = [
            statement
            for low, high in key_ranges(codes, census_sql.RANGE, cluster=census_sql.CLUSTER)
            for statement in census_sql.section_queries(low, high)
        ]
        per_call = census_sql.SECTIONS * census_sql.RANGES_PER_CALL
        calls = [
            statements[start : start + per_call] for start in range(0, len(statements), per_call)
        ]
        answers: list[list[list[tuple[Any, ...]]]] = []
        # As many calls at once as the source has threads: a call still queued for a
        # thread counts against its timeout, and a city is dozens of calls.
        for wave in range(0, len(calls), THREADS):
            answers += await gather_batches(
                [self.source.fetch_tuples(call) for call in calls[wave : wave + THREADS]]
            )
        with native_shape(self.department, self.source.config.name):
            return census_sql.read_census(
                basics, [rows for answer in answers for rows in answer], today
            )

    async def signals(
        self,
        today: date,
        *,
        among: Sequence[str],
        courses: bool = True,
        census: EducationCensus | None = None,
    ) -> EducationSignals:
        codes = valid_keys(among, credit_code_error)
        across = signals_sql.across_queries(today, census=census is not None)
        if census is None:
            lists = [
                signals_sql.signal_queries(batch, today, courses=courses)
                for batch in chunked(codes, SQL_BATCH)
            ]
        else:  # the course domains only, by ranges of codes as the census reads
            ranges = key_ranges(sorted(codes), census_sql.RANGE, cluster=census_sql.CLUSTER)
            lists = [signals_sql.census_queries(*bounds) for bounds in ranges] if courses else []
        calls = [across, *lists]
        answers: list[list[tuple[Any, ...]]] = []
        for wave in range(0, len(calls), THREADS):
            for answer in await gather_batches(
                [self.source.fetch_tuples(call) for call in calls[wave : wave + THREADS]]
            ):
                answers += answer
        platform, answers = answers[: len(across)], answers[len(across) :]
        with native_shape(self.department, self.source.config.name):
            if census is not None:
                return signals_sql.read_with_census(
                    answers, platform, census, codes, courses=courses
                )
            return signals_sql.read_signals(answers, platform, codes, courses=courses)

    async def over_prepaid_terms(self, orders: Sequence[tuple[str, str, int]]) -> set[str]:
        valid = [order for order in orders if credit_code_error(order[0]) is None]
        return await ledger.over_prepaid_terms(self.source, valid)

    async def prepaid_institutions(self, region_prefix: str) -> Mapping[str, int]:
        return await ledger.prepaid_institutions(self.source, region_prefix)

    async def deliveries(self, code: str) -> list[LessonDelivery]:
        with native_shape(self.department, self.source.config.name):
            return await ledger.deliveries(self.source, code)

    async def health(self) -> list[ProbeResult]:
        return [await probe_source(self.source)]

    async def _fetch(self, codes: list[str]) -> dict[str, Institution]:
        found: dict[str, Institution] = {}
        for sections in await gather_batches(
            [
                self.source.fetch_many(section_queries(":codes", codes=batch))
                for batch in chunked(codes, SQL_BATCH)
            ]
        ):
            with native_shape(self.department, self.source.config.name):
                found.update(institutions(sections))
        return found


_SECTIONS = {"pxly": "jg_pxly", "zgbm": "jg_zgbm", "xkzzt": "bxxkz"}
"""The table holding each native column ``match`` may be asked about."""
_LISTED = "SELECT tyshxydm FROM hmd WHERE ycrq = '' OR ycrq > :today"
"""Institutions a blacklist entry holds for on ``:today`` (``ycrq``: the day it ends)."""


def _today(criteria: InstitutionCriteria) -> str:
    assert criteria.today is not None, "the planner gives the day with `blacklisted`"
    return criteria.today.strftime("%Y%m%d")


def _escaped(text: str) -> str:
    """``text`` for a LIKE pattern with ``\\`` as its escape character."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _native_criteria(criteria: InstitutionCriteria) -> dict[str, list[str]] | None:
    """Native column → the codes any of which it must hold; None if no code stands for
    a value asked (FINANCE is never a competent department), so nothing matches."""
    asked: dict[str, list[str]] = {}
    if criteria.category:
        asked["jglb"] = native_codes(CATEGORIES, {criteria.category})
    if criteria.domain:
        asked["pxly"] = native_codes(DOMAINS, {criteria.domain})
    if criteria.supervisor:
        asked["zgbm"] = native_codes(SUPERVISORS, {criteria.supervisor})
    if criteria.license_statuses:
        asked["xkzzt"] = native_codes(LICENSE_STATUSES, criteria.license_statuses)
    return None if any(not codes for codes in asked.values()) else asked


def _in_region(prefix: str) -> tuple[str, dict[str, object]]:
    """A condition on ``xzqh`` for codes starting with ``prefix`` ("" is the nation),
    as a range so the region index serves it."""
    if not prefix:
        return "1 = 1", {}
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return "xzqh >= :region_low AND xzqh < :region_high", {
        "region_low": prefix,
        "region_high": upper,
    }


def _count(region: str, parameters: dict[str, object]) -> Query:
    return query(f"SELECT COUNT(*) AS n FROM jg_jbxx WHERE {region}", **parameters)
