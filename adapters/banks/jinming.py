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

from adapters.native import chunked, fen, gather_batches, native_shape
from adapters.records import FundSupervision
from adapters.sources.sql import SqlSource, query

DISPLAY_NAME = "金明银行"
SQL_BATCH = 500
"""Codes per ``IN`` list, far below SQLite's bound-variable limit."""


class JinmingBank:
    def __init__(self, source: SqlSource) -> None:
        self.source = source
        self.display_name = DISPLAY_NAME

    async def accounts(self, codes: list[str]) -> dict[str, FundSupervision]:
        batches = await gather_batches(
            [
                self.source.fetch(
                    *query(
                        "SELECT tyshxydm, zh, ye, fxbzj, dxje, ljhb, ljtk FROM jgzh"
                        " WHERE tyshxydm IN :codes",
                        codes=batch,
                    )
                )
                for batch in chunked(codes, SQL_BATCH)
            ]
        )
        found = {}
        with native_shape(self.source.config.department, self.source.config.name):
            for rows in batches:
                for row in rows:
                    found[row["tyshxydm"]] = FundSupervision(
                        credit_code=row["tyshxydm"],
                        bank=self.display_name,
                        account_number=row["zh"],
                        balance=fen(row["ye"], "jgzh.ye"),
                        risk_deposit=fen(row["fxbzj"], "jgzh.fxbzj"),
                        outstanding_prepaid=fen(row["dxje"], "jgzh.dxje"),
                        released_total=fen(row["ljhb"], "jgzh.ljhb"),
                        refunded_total=fen(row["ljtk"], "jgzh.ljtk"),
                    )
        return found
