"""Fire inspections and housing & construction's acceptance records, over SQL
(source format ``fire``).

Glossary (native → canonical; the database's own is ``sandbox.schemas.fire``).
Records hang off premises (``xf_cs`` 场所, ``csid``): each is one of ``premises``
(``csmc`` name, ``csdz`` address, ``jzmj`` area, ``ysbawh`` document_number and the
fields below, per campus); the institution's record sums them up, since it is only
as safe as its least safe campus:

- acceptance: ``xf_cs.ysbazt`` 验收备案状态 (``1`` PASSED 验收合格, ``2`` FILED 已备案,
  ``3`` NOT_FILED 未备案, ``4`` FAILED 验收不合格) of the worst premises — failed, not
  filed, expired, filed, passed (``records.worst_premises``), judged as of the hub's
  date; acceptance_valid_until its ``yxqz`` (empty: none). EXPIRED is not stored: the
  acceptance system never rewrites ``ysbazt`` when ``yxqz`` passes, so it is judged
  against the hub's date (``FireSafetyRecord.acceptance_on``; ``match`` takes the date).
- last_inspection_on: the latest ``xf_jc.jcrq`` 检查日期 of any premises
- open_hazards: ``xf_yh`` 火灾隐患 rows with ``zgzt`` ``0`` 未整改
- sealed: a ``xf_cf`` 查封 seal-up with no ``jfrq`` 解封日期 yet

Not carried: inspection results and inspectors, hazard descriptions, seal-up reasons.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from xietong.adapters.cache import RecordCache
from xietong.adapters.native import chunked, decode, gather_batches, native_shape, valid_keys, ymd
from xietong.adapters.sources.registry import ProbeResult, probe_source
from xietong.adapters.sources.sql import THREADS, Query, Rows, SqlSource, query
from xietong.domain.departments import Department
from xietong.domain.matching import AcceptanceCriteria
from xietong.domain.records import (
    FireAcceptanceStatus,
    FireSafetyRecord,
    Premises,
    worst_premises,
)
from xietong.kernel.identifiers import credit_code_error

SQL_BATCH = 500
"""Codes per ``IN`` list, far below SQLite's bound-variable limit."""

ACCEPTANCE = {
    "1": FireAcceptanceStatus.PASSED,
    "2": FireAcceptanceStatus.FILED,
    "3": FireAcceptanceStatus.NOT_FILED,
    "4": FireAcceptanceStatus.FAILED,
}
_NOT_COMPLIANT = (
    FireAcceptanceStatus.NOT_FILED,
    FireAcceptanceStatus.FAILED,
    FireAcceptanceStatus.EXPIRED,
)
"""Acceptances that raise FIRE_NON_COMPLIANT: neither passed nor filed, or lapsed."""
_WORST_FIRST = {FireAcceptanceStatus.FAILED: 0, FireAcceptanceStatus.NOT_FILED: 1}
_PREMISES_COLUMNS = "csid, tyshxydm, csmc, csdz, jzmj, ysbazt, ysbawh, yxqz"
_STILL_VALID = "(yxqz = '' OR yxqz >= :today)"
_PREMISES_WITH = {
    FireAcceptanceStatus.PASSED: f"ysbazt = '1' AND {_STILL_VALID}",
    FireAcceptanceStatus.FILED: f"ysbazt = '2' AND {_STILL_VALID}",
    FireAcceptanceStatus.EXPIRED: "ysbazt IN ('1', '2') AND yxqz <> '' AND yxqz < :today",
    FireAcceptanceStatus.NOT_FILED: "ysbazt = '3'",
    FireAcceptanceStatus.FAILED: "ysbazt = '4'",
}
"""Premises whose own acceptance, as of ``:today``, is the status: for an institution
with one premises, exactly the institutions with that status."""

_NON_COMPLIANT_PREMISES = (
    "SELECT DISTINCT c.tyshxydm FROM xf_cs c WHERE (c.ysbazt NOT IN ('1', '2')"
    " OR (c.yxqz <> '' AND c.yxqz < :today)"
    " OR EXISTS (SELECT 1 FROM xf_yh y WHERE y.csid = c.csid AND y.zgzt = '0')"
    " OR EXISTS (SELECT 1 FROM xf_cf f WHERE f.csid = c.csid AND f.jfrq = '')){within}"
)
"""Institutions with a campus neither passed nor filed, past its validity, with an open
hazard or sealed (``domain.risk.fire_non_compliant``, each campus judged on its own)."""


def _queries(codes: list[str]) -> list[Query]:
    premises = "SELECT csid FROM xf_cs WHERE tyshxydm IN :codes"
    return [
        query(
            f"SELECT {_PREMISES_COLUMNS} FROM xf_cs WHERE tyshxydm IN :codes ORDER BY csid",
            codes=codes,
        ),
        query(
            "SELECT c.tyshxydm, j.jcrq FROM xf_jc j JOIN xf_cs c ON c.csid = j.csid"
            f" WHERE j.csid IN ({premises})",
            codes=codes,
        ),
        query(
            "SELECT csid, COUNT(*) AS n FROM xf_yh"
            f" WHERE zgzt = '0' AND csid IN ({premises}) GROUP BY csid",
            codes=codes,
        ),
        query(
            f"SELECT DISTINCT csid FROM xf_cf WHERE jfrq = '' AND csid IN ({premises})",
            codes=codes,
        ),
    ]


class SqlFireSafetyAdapter:
    def __init__(self, source: SqlSource, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.department = Department.FIRE_SAFETY
        self.source = source
        self.cache = RecordCache[FireSafetyRecord](
            source.config.cache_ttl, clock=clock, name=source.config.name
        )

    @property
    def source_names(self) -> Sequence[str]:
        return [self.source.config.name]

    async def load(self, keys: Sequence[str]) -> Mapping[str, FireSafetyRecord]:
        return await self.cache.load(valid_keys(keys, credit_code_error), self._fetch)

    async def match(
        self, criteria: AcceptanceCriteria, *, among: Sequence[str] | None = None
    ) -> set[str]:
        conditions = [f"({_PREMISES_WITH[status]})" for status in sorted(criteria.statuses)]
        if not conditions:
            return set()
        if among is None:
            batches: list[dict[str, object]] = [{}]
        else:
            batches = [
                {"codes": batch}
                for batch in chunked(valid_keys(among, credit_code_error), SQL_BATCH)
            ]
        today = criteria.today.strftime("%Y%m%d")
        statements = []
        for batch in batches:
            within = " AND tyshxydm IN :codes" if batch else ""
            campuses = (
                f"SELECT tyshxydm FROM xf_cs WHERE 1 = 1{within}"
                " GROUP BY tyshxydm HAVING COUNT(*) > 1"
            )
            statements += [
                query(
                    f"SELECT tyshxydm FROM xf_cs WHERE ({' OR '.join(conditions)}){within}",
                    today=today,
                    **batch,
                ),
                # An institution with a second campus has the acceptance of its worst
                # premises: those are judged here from all their premises, as ``load`` does.
                query(
                    f"SELECT {_PREMISES_COLUMNS} FROM xf_cs"
                    f" WHERE tyshxydm IN ({campuses}) ORDER BY csid",
                    **batch,
                ),
            ]
        if not statements:
            return set()
        answers = await self.source.fetch_tuples(statements)
        found: set[str] = set()
        for candidates, several in zip(answers[::2], answers[1::2], strict=True):
            with native_shape(self.department, self.source.config.name):
                columns = _PREMISES_COLUMNS.split(", ")
                judged = _campuses([dict(zip(columns, row, strict=True)) for row in several])
            found.update(code for (code,) in candidates if code not in judged)
            found.update(
                code
                for code, campuses in judged.items()
                if _worst_on(campuses, criteria.today) in criteria.statuses
            )
        return found

    async def non_compliant(self, today: date, *, among: Sequence[str] | None = None) -> set[str]:
        """FIRE_NON_COMPLIANT's campuses (``_NON_COMPLIANT_PREMISES``), one statement a list."""
        day = today.strftime("%Y%m%d")
        if among is None:
            statements = [query(_NON_COMPLIANT_PREMISES.format(within=""), today=day)]
        else:
            statements = [
                query(
                    _NON_COMPLIANT_PREMISES.format(within=" AND c.tyshxydm IN :codes"),
                    today=day,
                    codes=batch,
                )
                for batch in chunked(valid_keys(among, credit_code_error), SQL_BATCH)
            ]
        found: set[str] = set()
        # A list a call, as many at once as the source has threads: no call nears the
        # timeout, however many codes are asked.
        for wave in range(0, len(statements), THREADS):
            for (rows,) in await gather_batches(
                [self.source.fetch_tuples([s]) for s in statements[wave : wave + THREADS]]
            ):
                found.update(code for (code,) in rows)
        return found

    async def health(self) -> list[ProbeResult]:
        return [await probe_source(self.source)]

    async def _fetch(self, codes: list[str]) -> dict[str, FireSafetyRecord]:
        found: dict[str, FireSafetyRecord] = {}
        for sections in await gather_batches(
            [self.source.fetch_many(_queries(batch)) for batch in chunked(codes, SQL_BATCH)]
        ):
            with native_shape(self.department, self.source.config.name):
                found.update(_records(*sections))
        return found


def _campuses(
    premises: Rows, hazards: Mapping[int, int] | None = None, sealed: set[int] | None = None
) -> dict[str, tuple[Premises, ...]]:
    """Each institution's campuses, in ``csid`` order."""
    found: dict[str, list[Premises]] = {}
    for row in premises:
        csid = row["csid"]
        found.setdefault(row["tyshxydm"], []).append(
            Premises(
                name=row["csmc"],
                address=row["csdz"],
                area=int(row["jzmj"]),
                acceptance=decode(ACCEPTANCE, row["ysbazt"], "xf_cs.ysbazt"),
                acceptance_valid_until=ymd(row["yxqz"], "xf_cs.yxqz"),
                document_number=row["ysbawh"] or None,
                open_hazards=(hazards or {}).get(csid, 0),
                sealed=csid in (sealed or set()),
            )
        )
    return {code: tuple(campuses) for code, campuses in found.items()}


def _worst_on(campuses: tuple[Premises, ...], today: date) -> FireAcceptanceStatus:
    worst = worst_premises(campuses, today)
    assert worst is not None  # an institution is listed with at least one campus
    return worst.acceptance_on(today)


def _records(
    premises: Rows, inspections: Rows, hazards: Rows, seal_ups: Rows
) -> dict[str, FireSafetyRecord]:
    last_inspection: dict[str, date] = {}
    for row in inspections:
        inspected, code = ymd(row["jcrq"], "xf_jc.jcrq"), row["tyshxydm"]
        if inspected is not None and inspected > last_inspection.get(code, date.min):
            last_inspection[code] = inspected
    open_hazards = {int(row["csid"]): int(row["n"]) for row in hazards}
    sealed = {int(row["csid"]) for row in seal_ups}
    records = {}
    for code, campuses in _campuses(premises, open_hazards, sealed).items():
        # The date-free summary: failed, not filed, then the validity that ends first;
        # ``acceptance_on`` judges the campuses themselves as of a date.
        summary = min(campuses, key=_severity)
        records[code] = FireSafetyRecord(
            credit_code=code,
            acceptance=summary.acceptance,
            acceptance_valid_until=summary.acceptance_valid_until,
            last_inspection_on=last_inspection.get(code),
            open_hazards=sum(campus.open_hazards for campus in campuses),
            sealed=any(campus.sealed for campus in campuses),
            premises=campuses,
        )
    return records


def _severity(campus: Premises) -> tuple[int, date]:
    """Sort key: the worst premises first (failed, not filed, then earliest expiry)."""
    return (_WORST_FIRST.get(campus.acceptance, 2), campus.acceptance_valid_until or date.max)
