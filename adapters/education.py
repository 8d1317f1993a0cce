"""The education bureau's supervision platform, read over SQL (source format ``education``).

Every section of a batch of institutions (basics, domains, supervisors, licence,
courses, staff, inspections and notices, tip-offs, blacklist) is one statement
with one ``IN`` list, and all of them run in one round of the source: a page of
institutions costs one call. The mapping is in ``adapters.education_sections``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from adapters.cache import RecordCache
from adapters.education_sections import STAFF_COLUMNS, institutions, section_queries, staff_member
from adapters.native import chunked, gather_batches, native_shape, valid_keys
from adapters.records import Institution, StaffMember
from adapters.sources.registry import ProbeResult, probe_source
from adapters.sources.sql import Query, SqlSource, query
from xietong.departments import Department
from xietong.identifiers import credit_code_error, id_number_error

SQL_BATCH = 500
"""Keys per ``IN`` list: far below SQLite's bound-variable limit (32766; 999 on
builds before 3.32), and large enough that a page (at most 500) is one list."""


class SqlEducationAdapter:
    def __init__(self, source: SqlSource, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.department = Department.EDUCATION
        self.source = source
        self.cache = RecordCache[Institution](source.config.cache_ttl, clock=clock)

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


def _in_region(prefix: str) -> tuple[str, dict[str, str]]:
    """A condition on ``xzqh`` for codes starting with ``prefix`` ("" is the nation),
    as a range so the region index serves it."""
    if not prefix:
        return "1 = 1", {}
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return "xzqh >= :region_low AND xzqh < :region_high", {
        "region_low": prefix,
        "region_high": upper,
    }


def _count(region: str, parameters: dict[str, str]) -> Query:
    return query(f"SELECT COUNT(*) AS n FROM jg_jbxx WHERE {region}", **parameters)
