"""Market supervision's enterprise credit registry API (企业信用信息接口).

Served over ``market.db`` (glossary: ``sandbox.schemas.market``); JSON fields use
the store's native names. Every answer is an envelope
``{"code": "0", "msg": "success", "data": ...}``; an error is
``{"code": "<code>", "msg": "<why>", "data": null}`` with a 4xx status
(``4001`` malformed request, ``4002`` bad credit code, ``4003`` bad filter,
``404``/``405`` unknown path or method).

``GET /api/v1/health``
    ``data``: ``{"status": "UP"}``.
``POST /api/v1/qyxx/batch`` — ``{"tyshxydm": ["<credit code>", ...]}`` (at most 500)
    ``data.qyxx``: one registration per known code, in request order: every
    ``qydj`` column except ``qyid``, plus the lists ``ggwf`` (advertising
    violations), ``tfts`` (refund complaints) and ``xzcf`` (penalties).
    ``data.wcx`` (未查询到): the codes the registry does not know.
``POST /api/v1/qyxx/query`` — filtered scan for cross-department queries, body
    with all fields optional: ``xzqh`` region prefix (2-6 digits: ``"4102"`` is
    all of Kaifeng), ``djzt`` list of status codes, ``jyfw`` keyword the scope
    must contain, ``fddbr`` the legal representative's name (exactly),
    ``tyshxydm`` a list of credit codes (at most 1000; a bad one is ``4002``),
    ``pxbz`` ``"1"``/``"0"``, ``zxtssl`` minimum number of refund
    complaints, ``tsqsrq`` count complaints from this ``YYYYMMDD`` on (default:
    all), ``ggqsrq`` count advertising violations filed (``larq``) from this
    ``YYYYMMDD`` on, ``page`` (from 1) and ``size`` (at most 1000), ``fields`` the
    ``qydj`` columns wanted (default: all of them; ``tyshxydm`` always).
    ``data``: ``{"total", "page", "size", "records"}``; a record is the ``qydj``
    columns plus ``tssl`` (complaints counted) and, with ``ggqsrq``, ``ggsl``
    (advertising violations counted), ordered by ``tyshxydm``.
    Instead of ``page``, ``cursor``: ``""`` for the first page, then the ``cursor``
    the previous page answered (keyset paging: every page costs the same however far
    it is, and nothing is counted); ``data``: ``{"size", "records", "cursor"}``, the
    ``cursor`` null after the last page.
``GET /api/v1/qyxx/pxjy?xzqh=&djzt=&page=&size=``
    registrations whose scope covers training (``pxbz`` ``"1"``), same shape as
    the scan: the list inspectors compare with the education bureau's licences
    to find unlicensed operators.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from xietong.kernel.identifiers import credit_code_error
from xietong.sandbox.services.common import (
    InputError,
    JSONAnswer,
    SqliteReader,
    chosen_fields,
    json_list_text,
    json_object,
    native_app,
    string_list,
    whole_number,
)

MAX_BATCH = 500
MAX_PAGE_SIZE = 1000
_COLUMN_NAMES = (
    *("tyshxydm", "qymc", "qylx", "yllx", "djzt", "jyfw", "pxbz", "fddbr", "fddbrzjhm"),
    *("clrq", "dxrq", "djjg", "zs", "xzqh"),
)
_COLUMNS = ", ".join(_COLUMN_NAMES)
_REGION_PREFIX = re.compile(r"\d{2,6}")
_DATE = re.compile(r"\d{8}")
_STATUS_CODES = {"1", "2", "3"}


def market_app(db_path: Path, *, delay_ms: float | None = None) -> Starlette:
    """The registry API over ``db_path`` (``market.db``)."""
    reader = SqliteReader(db_path)

    async def health(request: Request) -> JSONAnswer:
        await reader.fetch("SELECT 1")
        return _ok({"status": "UP"})

    async def batch(request: Request) -> JSONAnswer:
        body = await json_object(request, {"tyshxydm"}, "4001")
        codes = string_list(
            body.get("tyshxydm"), "tyshxydm", "4002", limit=MAX_BATCH, check=credit_code_error
        )
        marks = ", ".join("?" * len(codes))
        found = {
            row["tyshxydm"]: {**dict(row), "ggwf": [], "tfts": [], "xzcf": []}
            for row in await reader.fetch(
                f"SELECT {_COLUMNS} FROM qydj WHERE tyshxydm IN ({marks})", codes
            )
        }
        for table, columns, order in (
            ("ggwf", "tyshxydm, larq, wfss, fbmj, cljg, cfjdsh", "larq"),
            ("tfts", "tyshxydm, gdh, tsrq, sqje, tsnr, clzt", "tsrq"),
            ("xzcf", "tyshxydm, cfjdsh, cfrq, cfsy, cfzl, fkje, cfjg, cfyj", "cfrq"),
        ):
            rows = await reader.fetch(
                f"SELECT {columns} FROM {table} WHERE tyshxydm IN ({marks}) ORDER BY {order}",
                codes,
            )
            for row in rows:
                entry = dict(row)
                found[entry.pop("tyshxydm")][table].append(entry)
        return _ok(
            {
                "qyxx": [found[code] for code in codes if code in found],
                "wcx": [code for code in codes if code not in found],
            }
        )

    async def query(request: Request) -> JSONAnswer:
        allowed = {
            *("xzqh", "djzt", "jyfw", "fddbr", "pxbz", "zxtssl", "tsqsrq", "ggqsrq", "zxggsl"),
            "tyshxydm",
            *("page", "size", "cursor", "fields"),
        }
        body = await json_object(request, allowed, "4001")
        return _ok(await _scan(reader, body))

    async def training(request: Request) -> JSONAnswer:
        params = request.query_params
        unknown = sorted(set(params) - {"xzqh", "djzt", "page", "size"})
        if unknown:
            raise InputError("4001", f"unknown query parameters {unknown}")
        filters: dict[str, Any] = {
            key: params[key] for key in ("xzqh", "page", "size") if key in params
        }
        if "djzt" in params:
            filters["djzt"] = params.getlist("djzt")
        filters["pxbz"] = "1"
        return _ok(await _scan(reader, filters))

    routes = [
        Route("/api/v1/health", health, methods=["GET"]),
        Route("/api/v1/qyxx/batch", batch, methods=["POST"]),
        Route("/api/v1/qyxx/query", query, methods=["POST"]),
        Route("/api/v1/qyxx/pxjy", training, methods=["GET"]),
    ]
    return native_app(routes, reader, _error, delay_ms=delay_ms)


async def _scan(reader: SqliteReader, filters: dict[str, Any]) -> dict[str, Any]:
    where: list[str] = []
    parameters: list[object] = []
    region = filters.get("xzqh")
    if region is not None:
        if not isinstance(region, str) or not _REGION_PREFIX.fullmatch(region):
            raise InputError("4003", "xzqh must be a region code prefix of 2 to 6 digits")
        # A range instead of LIKE, so the xzqh index serves it.
        where.append("q.xzqh >= ? AND q.xzqh < ?")
        parameters += [region, region[:-1] + chr(ord(region[-1]) + 1)]
    statuses = filters.get("djzt")
    if statuses is not None:
        codes = string_list(
            statuses, "djzt", "4003", limit=3,
            check=lambda c: None if c in _STATUS_CODES else "djzt codes are 1, 2 or 3",
        )  # fmt: skip
        where.append(f"q.djzt IN ({', '.join('?' * len(codes))})")
        parameters += codes
    keyword = filters.get("jyfw")
    if keyword is not None:
        if not isinstance(keyword, str) or not keyword.strip():
            raise InputError("4003", "jyfw must be a non-empty keyword")
        where.append("instr(q.jyfw, ?) > 0")
        parameters.append(keyword.strip())
    representative = filters.get("fddbr")
    if representative is not None:
        if not isinstance(representative, str) or not representative.strip():
            raise InputError("4003", "fddbr must be a non-empty name")
        where.append("q.fddbr = ?")
        parameters.append(representative.strip())
    if "tyshxydm" in filters:
        listed = string_list(
            filters["tyshxydm"], "tyshxydm", "4002", limit=MAX_PAGE_SIZE, check=credit_code_error
        )
        where.append("q.tyshxydm IN (SELECT value FROM json_each(?))")
        parameters.append(json_list_text(listed))
    flag = filters.get("pxbz")
    if flag is not None:
        if flag not in ("0", "1"):
            raise InputError("4003", 'pxbz must be "0" or "1"')
        where.append("q.pxbz = ?")
        parameters.append(flag)
    since = filters.get("tsqsrq", "00000000")
    if not isinstance(since, str) or not _DATE.fullmatch(since):
        raise InputError("4003", "tsqsrq must be a date YYYYMMDD")
    minimum = filters.get("zxtssl")
    if minimum is not None:
        minimum = whole_number(minimum, "zxtssl", "4003", low=0, high=100_000)
        if minimum > 0:
            where.append(
                "q.tyshxydm IN (SELECT tyshxydm FROM tfts WHERE tsrq >= ?"
                " GROUP BY tyshxydm HAVING COUNT(*) >= ?)"
            )
            parameters += [since, minimum]
    ads_since = filters.get("ggqsrq")
    if ads_since is not None and (not isinstance(ads_since, str) or not _DATE.fullmatch(ads_since)):
        raise InputError("4003", "ggqsrq must be a date YYYYMMDD")
    least_ads = filters.get("zxggsl")
    if least_ads is not None:
        least_ads = whole_number(least_ads, "zxggsl", "4003", low=0, high=100_000)
        if least_ads > 0:
            where.append(
                "q.tyshxydm IN (SELECT tyshxydm FROM ggwf WHERE larq >= ?"
                " GROUP BY tyshxydm HAVING COUNT(*) >= ?)"
            )
            parameters += [ads_since or "00000000", least_ads]
    size = whole_number(filters.get("size", 100), "size", "4003", low=1, high=MAX_PAGE_SIZE)
    columns = _COLUMNS
    if "fields" in filters:
        chosen = chosen_fields(filters["fields"], "4003", known=_COLUMN_NAMES, key="tyshxydm")
        columns = ", ".join(chosen)
    complaints = "SELECT COUNT(*) FROM tfts t WHERE t.tyshxydm = q.tyshxydm AND t.tsrq >= ?"
    counted, counted_since = f"({complaints}) AS tssl", [since]
    if ads_since is not None:
        ads = "SELECT COUNT(*) FROM ggwf g WHERE g.tyshxydm = q.tyshxydm AND g.larq >= ?"
        counted, counted_since = f"{counted}, ({ads}) AS ggsl", [since, ads_since]
    by_cursor = "cursor" in filters
    if by_cursor:
        if "page" in filters:
            raise InputError("4003", "give page or cursor, not both")
        after = filters["cursor"]
        if not isinstance(after, str):
            raise InputError("4003", 'cursor must be the cursor a page answered, or ""')
        if after:
            where.append("q.tyshxydm > ?")
            parameters.append(after)
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    if by_cursor:
        rows = await reader.fetch(
            f"SELECT {columns}, {counted} FROM qydj q {condition} ORDER BY q.tyshxydm LIMIT ?",
            [*counted_since, *parameters, size],
        )
        records = [dict(r) for r in rows]
        following = records[-1]["tyshxydm"] if len(records) == size else None
        return {"size": size, "records": records, "cursor": following}
    page = whole_number(filters.get("page", 1), "page", "4003", low=1, high=10**7)
    total = (await reader.fetch(f"SELECT COUNT(*) FROM qydj q {condition}", parameters))[0][0]
    # Pick the page's rows by key first, then count complaints for those rows only.
    rows = await reader.fetch(
        f"WITH page AS (SELECT q.qyid FROM qydj q {condition}"
        "               ORDER BY q.tyshxydm LIMIT ? OFFSET ?)"
        f" SELECT {columns}, {counted} FROM page JOIN qydj q USING (qyid)"
        " ORDER BY q.tyshxydm",
        [*parameters, size, (page - 1) * size, *counted_since],
    )
    return {"total": total, "page": page, "size": size, "records": [dict(r) for r in rows]}


def _ok(data: object) -> JSONAnswer:
    return JSONAnswer({"code": "0", "msg": "success", "data": data})


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "msg": message, "data": None}
