"""Public security's background check API (从业人员背景核查接口).

Served over ``police.db`` (glossary: ``sandbox.schemas.police``). It answers
questions about people whose ID numbers the caller already holds, in batches,
and nothing else: no route lists, searches or pages through persons, and a
request without ID numbers is refused.

``GET /health``
    ``{"resultCode": "0", "resultMsg": "UP"}``
``POST /api/check/batch`` — ``{"sfzh": ["<resident ID number>", ...]}``, at most
    ``max_batch`` (1000 by default) valid ID numbers
    ``{"resultCode": "0", "resultMsg": "成功", "results": [...]}``, one result per
    distinct ID number in request order:
    ``sfzh``; ``hczt`` 核查状态 ``1`` 已核查 checked, ``2`` 核查中 pending,
    ``0`` 未申请 never submitted; ``hcrq`` 核查日期 ``YYYYMMDD`` (empty unless
    checked); ``jllb`` 记录类别 the record categories found (``01`` 性侵 sexual
    assault, ``02`` 虐待 abuse, ``03`` 拐卖 trafficking, ``04`` 暴力 violence),
    empty for a clear person.

Errors: ``{"resultCode": "<code>", "resultMsg": "<why>"}`` with a 4xx status —
``E1001`` malformed request, ``E1002`` batch empty or larger than ``max_batch``,
``E1003`` an invalid ID number, ``404``/``405`` unknown path or method.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from xietong.kernel.identifiers import id_number_error
from xietong.sandbox.services.common import (
    InputError,
    SqliteReader,
    json_object,
    native_app,
    string_list,
)

DEFAULT_MAX_BATCH = 1000


def police_app(
    db_path: Path, *, max_batch: int = DEFAULT_MAX_BATCH, delay_ms: float | None = None
) -> Starlette:
    """The check API over ``db_path`` (``police.db``)."""
    reader = SqliteReader(db_path)

    async def health(request: Request) -> JSONResponse:
        await reader.fetch("SELECT 1")
        return JSONResponse({"resultCode": "0", "resultMsg": "UP"})

    async def check_batch(request: Request) -> JSONResponse:
        body = await json_object(request, {"sfzh"}, "E1001")
        ids = body.get("sfzh")
        if not isinstance(ids, list):
            raise InputError("E1001", "sfzh must be an array of ID numbers")
        if not ids or len(ids) > max_batch:
            raise InputError(
                "E1002", f"a batch holds 1 to {max_batch} ID numbers, this one holds {len(ids)}"
            )
        ids = string_list(ids, "sfzh", "E1003", limit=max_batch, check=id_number_error)
        marks = ", ".join("?" * len(ids))
        checks = {
            row["sfzh"]: row
            for row in await reader.fetch(
                f"SELECT sfzh, hczt, hcrq FROM rybjhc WHERE sfzh IN ({marks})", ids
            )
        }
        # By the (sfzh, ajlb) index, each person's categories in order: an ORDER BY ajlb
        # alone made SQLite read the whole table for every batch.
        records: dict[str, list[str]] = {}
        for row in await reader.fetch(
            f"SELECT DISTINCT sfzh, ajlb FROM wfjl WHERE sfzh IN ({marks}) ORDER BY sfzh, ajlb",
            ids,
        ):
            records.setdefault(row["sfzh"], []).append(row["ajlb"])
        results: list[dict[str, Any]] = []
        for sfzh in ids:
            check = checks.get(sfzh)
            results.append(
                {
                    "sfzh": sfzh,
                    "hczt": check["hczt"] if check else "0",
                    "hcrq": check["hcrq"] if check else "",
                    "jllb": records.get(sfzh, []),
                }
            )
        return JSONResponse({"resultCode": "0", "resultMsg": "成功", "results": results})

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/api/check/batch", check_batch, methods=["POST"]),
    ]
    return native_app(routes, reader, _error, delay_ms=delay_ms)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"resultCode": code, "resultMsg": message}
