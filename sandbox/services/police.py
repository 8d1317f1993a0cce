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
``POST /api/check/exceptions`` — 批量核查（仅返回异常）: the same question, at most
    ``max_exceptions_batch`` (20,000 by default) ID numbers, answered with
    the results (as above) of only the people who are not checked and clear: a
    roster's worth of people in one request, most of whom need no answer. A string
    that is no valid ID number is not refused here but answered as never submitted
    (``hczt`` ``0``): nobody can have been checked under it.

Errors: ``{"resultCode": "<code>", "resultMsg": "<why>"}`` with a 4xx status —
``E1001`` malformed request, ``E1002`` batch empty or larger than its limit,
``E1003`` an invalid ID number, ``404``/``405`` unknown path or method.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from xietong.kernel.identifiers import id_number_error
from xietong.sandbox.services.common import (
    InputError,
    JSONAnswer,
    SqliteReader,
    json_list_text,
    json_object,
    native_app,
    string_list,
)

DEFAULT_MAX_BATCH = 1000
DEFAULT_MAX_EXCEPTIONS_BATCH = 20_000


def police_app(
    db_path: Path,
    *,
    max_batch: int = DEFAULT_MAX_BATCH,
    max_exceptions_batch: int = DEFAULT_MAX_EXCEPTIONS_BATCH,
    delay_ms: float | None = None,
) -> Starlette:
    """The check API over ``db_path`` (``police.db``)."""
    reader = SqliteReader(db_path)

    async def health(request: Request) -> JSONAnswer:
        await reader.fetch("SELECT 1")
        return JSONAnswer({"resultCode": "0", "resultMsg": "UP"})

    async def asked(
        request: Request, limit: int, check: Callable[[str], str | None] = id_number_error
    ) -> list[str]:
        body = await json_object(request, {"sfzh"}, "E1001")
        ids = body.get("sfzh")
        if not isinstance(ids, list):
            raise InputError("E1001", "sfzh must be an array of ID numbers")
        if not ids or len(ids) > limit:
            raise InputError(
                "E1002", f"a batch holds 1 to {limit} ID numbers, this one holds {len(ids)}"
            )
        return string_list(ids, "sfzh", "E1003", limit=limit, check=check)

    async def results(ids: list[str], *, exceptions: bool = False) -> list[dict[str, Any]]:
        """One result per person of ``ids``, in order (``exceptions``: only of those not
        checked and clear, found by the statement itself)."""
        people = json_list_text(ids)
        checks = {
            row["sfzh"]: row
            for row in await reader.fetch(_EXCEPTIONS if exceptions else _CHECKS, (people,))
        }
        asked = [sfzh for sfzh in ids if sfzh in checks] if exceptions else ids
        # By the (sfzh, ajlb) index, each person's categories in order: an ORDER BY ajlb
        # alone made SQLite read the whole table for every batch.
        records: dict[str, list[str]] = {}
        for row in await reader.fetch(
            f"SELECT DISTINCT sfzh, ajlb FROM wfjl WHERE sfzh IN {_PEOPLE} ORDER BY sfzh, ajlb",
            (json_list_text(asked) if exceptions else people,),
        ):
            records.setdefault(row["sfzh"], []).append(row["ajlb"])
        found: list[dict[str, Any]] = []
        for sfzh in asked:
            check = checks.get(sfzh)
            found.append(
                {
                    "sfzh": sfzh,
                    "hczt": (check["hczt"] or "0") if check else "0",
                    "hcrq": (check["hcrq"] or "") if check else "",
                    "jllb": records.get(sfzh, []),
                }
            )
        return found

    async def check_batch(request: Request) -> JSONAnswer:
        found = await results(await asked(request, max_batch))
        return JSONAnswer({"resultCode": "0", "resultMsg": "成功", "results": found})

    async def check_exceptions(request: Request) -> JSONAnswer:
        found = await results(
            await asked(request, max_exceptions_batch, check=_any), exceptions=True
        )
        return JSONAnswer({"resultCode": "0", "resultMsg": "成功", "results": found})

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/api/check/batch", check_batch, methods=["POST"]),
        Route("/api/check/exceptions", check_exceptions, methods=["POST"]),
    ]
    return native_app(routes, reader, _error, delay_ms=delay_ms)


def _any(_value: str) -> None:
    """Every string is asked about (an invalid ID number is never found)."""


_PEOPLE = "(SELECT value FROM json_each(?))"
"""The people of a request, bound as one JSON array (a batch outnumbers SQLite's
bound variables)."""


_CHECKS = f"SELECT sfzh, hczt, hcrq FROM rybjhc WHERE sfzh IN {_PEOPLE}"
_EXCEPTIONS = (
    "SELECT p.value AS sfzh, c.hczt, c.hcrq FROM json_each(?) p"
    " LEFT JOIN rybjhc c ON c.sfzh = p.value"
    " WHERE c.sfzh IS NULL OR c.hczt <> '1' OR EXISTS (SELECT 1 FROM wfjl w WHERE w.sfzh = p.value)"
)
"""The people of a request not checked and clear: never submitted, pending, or with a
record (``hczt`` and ``hcrq`` NULL for the first)."""


def _error(code: str, message: str) -> dict[str, Any]:
    return {"resultCode": code, "resultMsg": message}
