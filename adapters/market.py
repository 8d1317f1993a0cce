"""Market supervision's enterprise credit registry, over HTTP (source format ``market``).

Glossary (native → canonical; the registry's own is ``sandbox.schemas.market``):

- envelope ``{"code": "0", "msg", "data"}``; any other ``code`` is a refusal
- ``qydj`` 企业登记: ``tyshxydm`` credit_code, ``qymc`` name, ``xzqh`` region,
  ``djzt`` status (``1`` ACTIVE 存续, ``2`` REVOKED 吊销, ``3`` CANCELLED 注销),
  ``jyfw`` business_scope, ``fddbr`` legal_representative, ``clrq`` registered_on,
  ``yllx`` non_profit (``1`` 营利性 for-profit, ``2`` 非营利性 non-profit)
- ``tfts`` 退费投诉 (12315) → complaints of kind ``REFUND``: ``tsrq`` filed_on,
  ``sqje`` amount (fen → yuan), ``clzt`` status (``1`` RECEIVED, ``2`` IN_MEDIATION,
  ``3`` CLOSED), ``tsnr`` summary
- ``xzcf`` 行政处罚 → penalties: ``cfjdsh`` decision_number, ``cfrq`` decided_on,
  ``cfjg`` authority, ``cfsy`` reason, ``cfyj`` basis, ``cfzl`` kind (``1`` WARNING,
  ``2`` FINE, ``3`` BUSINESS_LICENCE_REVOKED), ``fkje`` amount (fen → yuan; fines only)
- ``ggwf`` 广告违法 → advertising_violations: ``larq`` found_on, ``fbmj`` medium,
  ``wfss`` finding, ``cljg`` outcome, ``cfjdsh`` the penalty of that decision number
- ``zs`` 住所 → address
- ``pxbz`` 培训标志 ``1``: the scope covers training (what ``training_registrations`` scans)
- ``/qyxx/query`` (what ``match`` scans): ``djzt`` status codes, ``fddbr`` the legal
  representative (exactly), ``zxtssl`` 最小投诉数量
  at least this many refund complaints (``tsqsrq`` left out: counted over all dates),
  answering ``tssl`` the count per registration; with ``ggqsrq`` also ``ggsl``, the
  advertising violations found (``larq``) from that date on, and ``zxggsl`` at least
  this many of them (AD_VIOLATION); read page after page by its ``cursor``

Not carried: ``qylx`` legal form, the legal representative's ID number, ``dxrq``,
``djjg``, 12315 ticket numbers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from xietong.adapters.cache import RecordCache
from xietong.adapters.native import (
    NativeShapeError,
    chunked,
    decode,
    fen,
    gather_batches,
    json_list,
    json_object,
    native_codes,
    native_shape,
    required_ymd,
    valid_keys,
    ymd,
)
from xietong.adapters.sources.http import HttpSource
from xietong.adapters.sources.registry import ProbeResult, probe_source
from xietong.domain.census import MarketCensus, MarketSignals, Registered
from xietong.domain.departments import Department
from xietong.domain.matching import RegistrationCriteria
from xietong.domain.records import (
    AdvertisingViolation,
    BusinessRegistration,
    Complaint,
    Penalty,
    RegistrationStatus,
)
from xietong.kernel.identifiers import credit_code_error

BATCH_LIMIT = 500
"""Codes per ``/qyxx/batch`` request, the registry's cap."""
SCAN_PAGE = 1000
"""Rows per page of a scan, the registry's cap."""
PAGES_AT_ONCE = 4
"""Batches of one lookup asked for side by side."""
SCANNED = ["xzqh", "djzt", "jyfw", "yllx", "pxbz"]
"""The columns a census reads (``_registered``): not the names, addresses and legal
representatives' ID numbers of a whole city, which it has no use for (and which were
half the registry's work: at 100,000, 50 MB of answers against 20 MB)."""

STATUSES = {
    "1": RegistrationStatus.ACTIVE,
    "2": RegistrationStatus.REVOKED,
    "3": RegistrationStatus.CANCELLED,
}
PROFIT_TYPES = {"1": False, "2": True}
"""``yllx`` → non_profit."""
COMPLAINT_STATUSES = {"1": "RECEIVED", "2": "IN_MEDIATION", "3": "CLOSED"}
PENALTY_KINDS = {"1": "WARNING", "2": "FINE", "3": "BUSINESS_LICENCE_REVOKED"}
REFUND_COMPLAINT = "REFUND"


class HttpMarketAdapter:
    def __init__(self, source: HttpSource, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.department = Department.MARKET_SUPERVISION
        self.source = source
        self.cache = RecordCache[BusinessRegistration](
            source.config.cache_ttl, clock=clock, name=source.config.name
        )

    @property
    def source_names(self) -> Sequence[str]:
        return [self.source.config.name]

    async def load(self, keys: Sequence[str]) -> Mapping[str, BusinessRegistration]:
        return await self.cache.load(valid_keys(keys, credit_code_error), self._fetch)

    async def training_registrations(self, region_prefix: str) -> list[BusinessRegistration]:
        """The scan lists registrations without their complaints and penalties, so
        the codes it finds are then loaded in full, in batches."""
        codes: list[str] = []
        page = 1
        while True:
            params: dict[str, Any] = {"page": page, "size": SCAN_PAGE}
            if region_prefix:
                params["xzqh"] = region_prefix
            data = await self._data("GET", "/api/v1/qyxx/pxjy", params=params)
            with native_shape(self.department, self.source.config.name):
                records = json_list(data["records"], "data.records")
                codes += [json_object(record, "record")["tyshxydm"] for record in records]
                total = data["total"]
            if not records or page * SCAN_PAGE >= total:
                break
            page += 1
        found = await self.load(codes)
        return [found[code] for code in codes if code in found]

    async def match(
        self, criteria: RegistrationCriteria, *, among: Sequence[str] | None = None
    ) -> set[str]:
        """The registry's filtered scan; among a few codes, their registrations loaded
        (the scan cannot be narrowed to codes) and judged here."""
        if among is not None:
            found = await self.load(among)
            return {code for code, registration in found.items() if criteria.accepts(registration)}
        filters: dict[str, Any] = {}
        if criteria.statuses:
            filters["djzt"] = native_codes(STATUSES, criteria.statuses)
            if not filters["djzt"]:
                return set()
        if criteria.min_complaints > 0:
            filters["zxtssl"] = criteria.min_complaints
        if criteria.legal_representative is not None:
            filters["fddbr"] = criteria.legal_representative
        codes: set[str] = set()
        records = await self._scan(filters)
        with native_shape(self.department, self.source.config.name):
            for record in records:
                status = decode(STATUSES, record["djzt"], "qydj.djzt")
                if criteria.statuses and status not in criteria.statuses:
                    continue
                if record["tssl"] < criteria.min_complaints:
                    continue
                wanted = criteria.legal_representative
                if wanted is not None and record["fddbr"] != wanted:
                    continue
                codes.add(record["tyshxydm"])
        return codes

    async def census(
        self,
        region_prefix: str,
        since: date,
        among: Sequence[str],
        *,
        ads_since: date | None = None,
    ) -> MarketCensus:
        """The registry's scan of the region (``/qyxx/query`` with ``tsqsrq``: every
        registration with its complaints since ``since`` counted; with ``ggqsrq``, its
        advertising violations since ``ads_since`` too); the codes ``among`` it did not
        list (registered elsewhere) looked up and counted here."""
        filters: dict[str, Any] = {"tsqsrq": since.strftime("%Y%m%d"), "fields": SCANNED}
        if ads_since is not None:
            filters["ggqsrq"] = ads_since.strftime("%Y%m%d")
        if region_prefix:
            filters["xzqh"] = region_prefix
        with native_shape(self.department, self.source.config.name):
            found = _registrations(await self._scan(filters), ads=ads_since is not None)
        missing = [code for code in among if code not in found]
        found.update(await self.registered(missing, since, ads_since))
        return MarketCensus(found)

    async def registered(
        self, among: Sequence[str], since: date, ads_since: date | None
    ) -> dict[str, Registered]:
        """The registrations of ``among`` the registry holds, by its scan narrowed to
        their codes (``/qyxx/query`` with ``tyshxydm``, a page of them a request): the
        complaints (and advertising violations) counted there, not sent one by one."""
        filters: dict[str, Any] = {
            "tsqsrq": since.strftime("%Y%m%d"),
            "size": SCAN_PAGE,
            "fields": SCANNED,
        }
        if ads_since is not None:
            filters["ggqsrq"] = ads_since.strftime("%Y%m%d")
        limit = asyncio.Semaphore(PAGES_AT_ONCE)

        async def page_of(batch: list[str]) -> dict[str, Any]:
            async with limit:
                body = {**filters, "tyshxydm": batch}
                return await self._data("POST", "/api/v1/qyxx/query", json=body)

        codes = valid_keys(among, credit_code_error)
        pages = await gather_batches([page_of(batch) for batch in chunked(codes, SCAN_PAGE)])
        with native_shape(self.department, self.source.config.name):
            records = [
                json_object(entry, "data.records[]")
                for data in pages
                for entry in json_list(data["records"], "data.records")
            ]
            # Only the region's own registrations can be leads on unlicensed operators:
            # these are institutions the education bureau lists.
            return _registrations(records, ads=ads_since is not None, leads=False)

    async def signals(self, since: date, least_complaints: int, ads_since: date) -> MarketSignals:
        """Three filtered scans of the whole registry, one after the other (each reads
        the whole registry at the source): registrations not active, with
        ``least_complaints`` since ``since``, with an advertising violation since
        ``ads_since``. Each answers the few registrations it flags."""
        inactive = await self._scan({"djzt": ["2", "3"]})
        surging = await self._scan({"tsqsrq": since.strftime("%Y%m%d"), "zxtssl": least_complaints})
        advertised = await self._scan({"ggqsrq": ads_since.strftime("%Y%m%d"), "zxggsl": 1})
        with native_shape(self.department, self.source.config.name):
            return MarketSignals(
                inactive=frozenset(record["tyshxydm"] for record in inactive),
                complaint_surge=frozenset(
                    r["tyshxydm"] for r in surging if r["tssl"] >= least_complaints
                ),
                ad_violation=frozenset(record["tyshxydm"] for record in advertised),
            )

    async def _scan(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Every record of a ``/qyxx/query`` scan, page after page by its cursor (each
        page costs the registry the same, where numbered pages cost more the further
        they were and counted the whole scan again each time)."""
        records: list[dict[str, Any]] = []
        cursor: str | None = ""
        while cursor is not None:
            data = await self._data(
                "POST", "/api/v1/qyxx/query", json={**filters, "cursor": cursor, "size": SCAN_PAGE}
            )
            with native_shape(self.department, self.source.config.name):
                records += [
                    json_object(entry, "data.records[]")
                    for entry in json_list(data["records"], "data.records")
                ]
                following = data["cursor"]
                if following is not None and not isinstance(following, str):
                    raise NativeShapeError("data.cursor is neither a cursor nor null")
                cursor = following
        return records

    async def health(self) -> list[ProbeResult]:
        return [await probe_source(self.source)]

    async def _fetch(self, codes: list[str]) -> dict[str, BusinessRegistration]:
        # A few batches at once: thousands of codes at once would queue at the
        # registry, and a request queued there counts against its timeout.
        limit = asyncio.Semaphore(PAGES_AT_ONCE)

        async def batch_of(batch: list[str]) -> dict[str, Any]:
            async with limit:
                return await self._data("POST", "/api/v1/qyxx/batch", json={"tyshxydm": batch})

        answers = await gather_batches([batch_of(batch) for batch in chunked(codes, BATCH_LIMIT)])
        found = {}
        with native_shape(self.department, self.source.config.name):
            for data in answers:
                for entry in json_list(data["qyxx"], "data.qyxx"):
                    registration = _registration(json_object(entry, "data.qyxx[]"))
                    found[registration.credit_code] = registration
        return found

    async def _data(self, method: str, path: str, **request: Any) -> dict[str, Any]:
        """The ``data`` of the registry's envelope."""
        payload = await self.source.request_json(method, path, idempotent=True, **request)
        with native_shape(self.department, self.source.config.name):
            envelope = json_object(payload, "answer")
            if envelope.get("code") != "0":
                code, message = envelope.get("code"), envelope.get("msg")
                raise NativeShapeError(f"envelope code {code!r}: {message!r}")
            return json_object(envelope["data"], "data")


def _registration(row: dict[str, Any]) -> BusinessRegistration:
    penalties = tuple(_penalty(p) for p in json_list(row["xzcf"], "xzcf"))
    by_number = {penalty.decision_number: penalty for penalty in penalties}
    return BusinessRegistration(
        credit_code=row["tyshxydm"],
        name=row["qymc"],
        region=row["xzqh"],
        status=decode(STATUSES, row["djzt"], "qydj.djzt"),
        business_scope=row["jyfw"],
        legal_representative=row["fddbr"],
        registered_on=ymd(row["clrq"], "qydj.clrq"),
        non_profit=decode(PROFIT_TYPES, row["yllx"], "qydj.yllx"),
        complaints=tuple(_complaint(c) for c in json_list(row["tfts"], "tfts")),
        penalties=penalties,
        advertising_violations=tuple(
            AdvertisingViolation(
                found_on=required_ymd(v["larq"], "ggwf.larq"),
                medium=v["fbmj"],
                finding=v["wfss"],
                outcome=v["cljg"],
                penalty=by_number.get(v["cfjdsh"]) if v["cfjdsh"] else None,
            )
            for v in json_list(row["ggwf"], "ggwf")
        ),
        address=row["zs"],
    )


def _registrations(
    records: Iterable[dict[str, Any]], *, ads: bool, leads: bool = True
) -> dict[str, Registered]:
    """Each scanned record's registration by its credit code. A city's registrations are
    a few thousand distinct ones (a district, a status, a scope worded from a short
    list): each made once and shared, not once a record."""
    made: dict[tuple[Any, ...], Registered] = {}
    found: dict[str, Registered] = {}
    for record in records:
        key = (
            record["xzqh"],
            record["djzt"],
            record["jyfw"],
            record["yllx"],
            record["tssl"],
            record["pxbz"] if leads else None,
            record["ggsl"] if ads else None,
        )
        registration = made.get(key)
        if registration is None:
            registration = made[key] = _registered(record, ads=ads, leads=leads)
        found[record["tyshxydm"]] = registration
    return found


def _registered(record: dict[str, Any], *, ads: bool, leads: bool = True) -> Registered:
    """A scan's record (``leads``: whether its ``pxbz`` makes it a lead on an unlicensed
    operator)."""
    return Registered(
        region=record["xzqh"],
        status=decode(STATUSES, record["djzt"], "qydj.djzt"),
        business_scope=record["jyfw"],
        non_profit=decode(PROFIT_TYPES, record["yllx"], "qydj.yllx"),
        recent_complaints=int(record["tssl"]),
        covers_training=leads and decode({"1": True, "0": False}, record["pxbz"], "qydj.pxbz"),
        recent_ad_violations=int(record["ggsl"]) if ads else 0,
    )


def _complaint(row: dict[str, Any]) -> Complaint:
    return Complaint(
        filed_on=required_ymd(row["tsrq"], "tfts.tsrq"),
        kind=REFUND_COMPLAINT,
        amount=fen(row["sqje"], "tfts.sqje"),
        status=decode(COMPLAINT_STATUSES, row["clzt"], "tfts.clzt"),
        summary=row["tsnr"],
    )


def _penalty(row: dict[str, Any]) -> Penalty:
    kind = decode(PENALTY_KINDS, row["cfzl"], "xzcf.cfzl")
    return Penalty(
        decision_number=row["cfjdsh"],
        decided_on=required_ymd(row["cfrq"], "xzcf.cfrq"),
        authority=row["cfjg"],
        kind=kind,
        amount=fen(row["fkje"], "xzcf.fkje") if kind == "FINE" else None,
        reason=row["cfsy"],
        basis=row["cfyj"],
    )
