"""金明银行 (Jinming Bank)'s custody system, read over SQL (source format ``bank-jinming``).

Glossary (native → canonical; the bank's own is ``sandbox.schemas.bank_sql``),
from ``jgzh`` 监管账户, whose running totals make one row per account enough:
``tyshxydm`` credit_code, ``zh`` account_number, ``ye`` balance, ``fxbzj`` risk_deposit,
``dxje`` 待消金额 outstanding_prepaid, ``ljhb`` 累计划拨 released_total, ``ljtk``
累计退款 refunded_total — all fen → yuan. Not carried: ``zhzt`` account status,
``ljsk`` received total, opening date, and the orders (``yfdd``) and refunds
(``tkjl``) behind the totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xietong.adapters.native import chunked, fen, gather_batches, native_shape
from xietong.adapters.sources.sql import Query, SqlSource, query
from xietong.domain.records import FundSupervision

DISPLAY_NAME = "金明银行"
SQL_BATCH = 500
"""Codes per ``IN`` list, far below SQLite's bound-variable limit."""
LISTS_PER_CALL = 20
"""``IN`` lists per call of the source: each call stays well inside its timeout."""
_ACCOUNT = "SELECT tyshxydm, zh, ye, fxbzj, dxje, ljhb, ljtk FROM jgzh"
# Whole fen times basis points: no rounding in the database; 64-bit, as fen times
# 10,000 outgrows a 32-bit INTEGER column (PostgreSQL's).
_BELOW = "dxje > 0 AND CAST(ye AS BIGINT) * 10000 < CAST(dxje AS BIGINT) * :basis_points"


class JinmingBank:
    def __init__(self, source: SqlSource) -> None:
        self.source = source
        self.display_name = DISPLAY_NAME

    async def accounts(self, codes: list[str]) -> dict[str, FundSupervision]:
        return await self._accounts(
            [
                query(f"{_ACCOUNT} WHERE tyshxydm IN :codes", codes=batch)
                for batch in chunked(codes, SQL_BATCH)
            ]
        )

    async def holding(self, codes: list[str]) -> set[str]:
        lists = [
            query("SELECT tyshxydm FROM jgzh WHERE tyshxydm IN :codes", codes=batch)
            for batch in chunked(codes, SQL_BATCH)
        ]
        calls = [
            self.source.fetch_tuples(lists[start : start + LISTS_PER_CALL])
            for start in range(0, len(lists), LISTS_PER_CALL)
        ]
        return {
            code for answer in await gather_batches(calls) for rows in answer for (code,) in rows
        }

    async def accounts_below(
        self, basis_points: int, among: Sequence[str] | None
    ) -> dict[str, FundSupervision]:
        if among is None:
            return await self._accounts(
                [query(f"{_ACCOUNT} WHERE {_BELOW}", basis_points=basis_points)]
            )
        return await self._accounts(
            [
                query(
                    f"{_ACCOUNT} WHERE {_BELOW} AND tyshxydm IN :codes",
                    basis_points=basis_points,
                    codes=batch,
                )
                for batch in chunked(among, SQL_BATCH)
            ]
        )

    async def _accounts(self, statements: list[Query]) -> dict[str, FundSupervision]:
        batches = await gather_batches([self.source.fetch(*statement) for statement in statements])
        found = {}
        with native_shape(self.source.config.department, self.source.config.name):
            for rows in batches:
                for row in rows:
                    found[row["tyshxydm"]] = self._account(row)
        return found

    def _account(self, row: dict[str, Any]) -> FundSupervision:
        return FundSupervision(
            credit_code=row["tyshxydm"],
            bank=self.display_name,
            account_number=row["zh"],
            balance=fen(row["ye"], "jgzh.ye"),
            risk_deposit=fen(row["fxbzj"], "jgzh.fxbzj"),
            outstanding_prepaid=fen(row["dxje"], "jgzh.dxje"),
            released_total=fen(row["ljhb"], "jgzh.ljhb"),
            refunded_total=fen(row["ljtk"], "jgzh.ljtk"),
        )
