"""金明银行 (Jinming Bank)'s custody system, read over SQL (source format ``bank-jinming``).

Glossary (native → canonical; the bank's own is ``sandbox.schemas.bank_sql``),
from ``jgzh`` 监管账户: ``tyshxydm`` credit_code, ``zh`` account_number, ``zhzt``
status (``0`` NORMAL, ``1`` FROZEN, ``2`` CLOSED) since ``ztrq``, ``khrq`` opened_on,
``ye`` balance, ``fxbzj`` risk_deposit, ``dxje`` 待消金额 outstanding_prepaid, ``ljsk``
累计收款 received_total, ``ljhb`` 累计划拨 released_total, ``ljtk`` 累计退款
refunded_total — all fen → yuan; from ``yfdd`` 预付订单 the orders (``ddh`` number,
``kcmc`` course, ``xyxm`` student_name, ``ddje`` amount, ``gmks`` lessons_bought,
``yxks`` lessons_released, ``yxje`` amount_released, ``xdrq`` ordered_on, ``ddzt``
``1`` RUNNING ``2`` COMPLETED ``3`` REFUNDED); from ``tkjl`` 退款记录 the refunds.
An account, its orders and its refunds are three statements in one round.

Releases: the hub inserts its instruction into ``hbzl`` (``zlbh`` the instruction id,
``ddh``, ``hbks`` lessons, ``hbje`` fen, ``sqr`` approver, ``jsrq`` received); the
bank's triggers apply it in the insert or abort with a coded message (``E201``
frozen, ``E202`` closed, ``E301``-``E303`` more than the order holds, ``E401``
balance, ``E404`` no order); the unique ``zlbh`` makes a second insert fail, and the
first application's ``lsh`` is the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta, timezone
from functools import partial
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from xietong.adapters.finance.banks import OrderPeaks
from xietong.adapters.native import (
    chunked,
    decode,
    fen,
    gather_batches,
    native_codes,
    native_shape,
    required_ymd,
)
from xietong.adapters.sources.sql import THREADS, Query, SqlSource, query
from xietong.domain.records import (
    BankRefusal,
    BankVerdict,
    CustodyStatus,
    CustodyTotals,
    FundSupervision,
    OrderStatus,
    PrepaidOrder,
    Refund,
    ReleaseRequest,
)

DISPLAY_NAME = "金明银行"
SQL_BATCH = 500
"""Codes per ``IN`` list, far below SQLite's bound-variable limit."""
LISTS_PER_CALL = 20
"""``IN`` lists per call of the source: each call stays well inside its timeout."""
_ACCOUNT = "SELECT tyshxydm, zh, zhzt, ztrq, khrq, ye, fxbzj, dxje, ljsk, ljhb, ljtk FROM jgzh"
_ORDERS = (
    "SELECT a.tyshxydm, d.ddh, d.kcmc, d.xyxm, d.ddje, d.gmks, d.yxks, d.yxje, d.xdrq, d.ddzt"
    " FROM yfdd d JOIN jgzh a ON a.zh = d.zh WHERE a.tyshxydm IN :codes ORDER BY d.ddid"
)
_REFUNDS = (
    "SELECT a.tyshxydm, r.tkid, r.ddh, r.tkje, r.tkrq"
    " FROM tkjl r JOIN jgzh a ON a.zh = r.zh WHERE a.tyshxydm IN :codes ORDER BY r.tkid"
)
STATUSES = {"0": CustodyStatus.NORMAL, "1": CustodyStatus.FROZEN, "2": CustodyStatus.CLOSED}
ORDER_STATUSES = {"1": OrderStatus.RUNNING, "2": OrderStatus.COMPLETED, "3": OrderStatus.REFUNDED}
# Whole fen times basis points: no rounding in the database; 64-bit, as fen times
# 10,000 outgrows a 32-bit INTEGER column (PostgreSQL's).
_BELOW = "dxje > 0 AND CAST(ye AS BIGINT) * 10000 < CAST(dxje AS BIGINT) * :basis_points"


REFUSALS = {
    "E404": BankRefusal.NO_ORDER,
    "E201": BankRefusal.ACCOUNT_FROZEN,
    "E202": BankRefusal.ACCOUNT_CLOSED,
    "E301": BankRefusal.EXCEEDS_ORDER,
    "E302": BankRefusal.EXCEEDS_ORDER,
    "E303": BankRefusal.EXCEEDS_ORDER,
    "E401": BankRefusal.INSUFFICIENT_BALANCE,
}
_BEIJING = timezone(timedelta(hours=8))


class JinmingBank:
    def __init__(self, source: SqlSource) -> None:
        self.source = source
        self.display_name = DISPLAY_NAME

    async def accounts(
        self, codes: list[str], *, ledger: bool = True
    ) -> dict[str, FundSupervision]:
        """Accounts with their orders and refunds (``ledger``): three statements, one
        round per batch; without, one."""
        if not ledger:
            return await self._accounts(
                [
                    query(f"{_ACCOUNT} WHERE tyshxydm IN :codes", codes=batch)
                    for batch in chunked(codes, SQL_BATCH)
                ]
            )
        batches = await gather_batches(
            [
                self.source.fetch_many(
                    [
                        query(f"{_ACCOUNT} WHERE tyshxydm IN :codes", codes=batch),
                        query(_ORDERS, codes=batch),
                        query(_REFUNDS, codes=batch),
                    ]
                )
                for batch in chunked(codes, SQL_BATCH)
            ]
        )
        found = {}
        with native_shape(self.source.config.department, self.source.config.name):
            for accounts, orders, refunds in batches:
                orders_of: dict[str, list[PrepaidOrder]] = {}
                for row in orders:
                    orders_of.setdefault(row["tyshxydm"], []).append(_order(row))
                refunds_of: dict[str, list[Refund]] = {}
                for row in refunds:
                    refunds_of.setdefault(row["tyshxydm"], []).append(_refund(row))
                for row in accounts:
                    code = row["tyshxydm"]
                    found[code] = self._account(
                        row, tuple(orders_of.get(code, ())), tuple(refunds_of.get(code, ()))
                    )
        return found

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

    async def accounts_in(
        self, statuses: frozenset[CustodyStatus], among: Sequence[str] | None
    ) -> set[str]:
        wanted = native_codes(STATUSES, statuses)
        if not wanted:
            return set()
        sql = "SELECT tyshxydm FROM jgzh WHERE zhzt IN :statuses"
        statements = (
            [query(sql, statuses=wanted)]
            if among is None
            else [
                query(f"{sql} AND tyshxydm IN :codes", statuses=wanted, codes=batch)
                for batch in chunked(among, SQL_BATCH)
            ]
        )
        batches = await gather_batches([self.source.fetch(*statement) for statement in statements])
        return {row["tyshxydm"] for rows in batches for row in rows}

    async def order_peaks(self, among: Sequence[str] | None) -> OrderPeaks:
        sql = (
            "SELECT a.tyshxydm, d.kcmc, MAX(d.gmks) AS most FROM yfdd d JOIN jgzh a"
            " ON a.zh = d.zh WHERE d.ddzt <> '3'{within} GROUP BY a.tyshxydm, d.kcmc"
        )
        statements = (
            [query(sql.format(within=""))]
            if among is None
            else [
                query(sql.format(within=" AND a.tyshxydm IN :codes"), codes=batch)
                for batch in chunked(among, SQL_BATCH)
            ]
        )
        # A few lists a call, as many calls at once as the source has threads.
        calls = [
            statements[start : start + LISTS_PER_CALL]
            for start in range(0, len(statements), LISTS_PER_CALL)
        ]
        peaks: OrderPeaks = {}
        for wave in range(0, len(calls), THREADS):
            for answer in await gather_batches(
                [self.source.fetch_tuples(call) for call in calls[wave : wave + THREADS]]
            ):
                for rows in answer:
                    for code, course, most in rows:
                        peaks.setdefault(code, {})[course] = int(most)
        return peaks

    async def district_totals(self, region_prefix: str) -> dict[str, CustodyTotals]:
        rows = await self.source.fetch(
            *query(
                "SELECT substr(tyshxydm, 3, 6) AS district, COUNT(*) AS accounts,"
                " SUM(CASE WHEN zhzt = '1' THEN 1 ELSE 0 END) AS frozen, SUM(ljsk) AS received,"
                " SUM(ljhb) AS released, SUM(ljtk) AS refunded, SUM(dxje) AS outstanding"
                " FROM jgzh WHERE substr(tyshxydm, 3, :width) = :prefix"
                " GROUP BY substr(tyshxydm, 3, 6)",
                width=len(region_prefix),
                prefix=region_prefix,
            )
        )
        with native_shape(self.source.config.department, self.source.config.name):
            return {
                row["district"]: CustodyTotals(
                    accounts=int(row["accounts"]),
                    frozen=int(row["frozen"]),
                    received=fen(int(row["received"]), "SUM(jgzh.ljsk)"),
                    released=fen(int(row["released"]), "SUM(jgzh.ljhb)"),
                    refunded=fen(int(row["refunded"]), "SUM(jgzh.ljtk)"),
                    outstanding=fen(int(row["outstanding"]), "SUM(jgzh.dxje)"),
                )
                for row in rows
            }

    async def release(self, request: ReleaseRequest) -> BankVerdict:
        return await self.source.write(partial(_submit, request))

    async def _accounts(self, statements: list[Query]) -> dict[str, FundSupervision]:
        batches = await gather_batches([self.source.fetch(*statement) for statement in statements])
        found = {}
        with native_shape(self.source.config.department, self.source.config.name):
            for rows in batches:
                for row in rows:
                    found[row["tyshxydm"]] = self._account(row)
        return found

    def _account(
        self,
        row: dict[str, Any],
        orders: tuple[PrepaidOrder, ...] = (),
        refunds: tuple[Refund, ...] = (),
    ) -> FundSupervision:
        return FundSupervision(
            credit_code=row["tyshxydm"],
            bank=self.display_name,
            account_number=row["zh"],
            balance=fen(row["ye"], "jgzh.ye"),
            risk_deposit=fen(row["fxbzj"], "jgzh.fxbzj"),
            outstanding_prepaid=fen(row["dxje"], "jgzh.dxje"),
            released_total=fen(row["ljhb"], "jgzh.ljhb"),
            refunded_total=fen(row["ljtk"], "jgzh.ljtk"),
            status=decode(STATUSES, row["zhzt"], "jgzh.zhzt"),
            status_since=required_ymd(row["ztrq"], "jgzh.ztrq"),
            opened_on=required_ymd(row["khrq"], "jgzh.khrq"),
            received_total=fen(row["ljsk"], "jgzh.ljsk"),
            orders=orders,
            refunds=refunds,
        )


def _order(row: dict[str, Any]) -> PrepaidOrder:
    return PrepaidOrder(
        number=row["ddh"],
        course=row["kcmc"],
        student_name=row["xyxm"],
        amount=fen(row["ddje"], "yfdd.ddje"),
        lessons_bought=row["gmks"],
        lessons_released=row["yxks"],
        amount_released=fen(row["yxje"], "yfdd.yxje"),
        ordered_on=required_ymd(row["xdrq"], "yfdd.xdrq"),
        status=decode(ORDER_STATUSES, row["ddzt"], "yfdd.ddzt"),
    )


def _refund(row: dict[str, Any]) -> Refund:
    return Refund(
        number=f"TK{row['tkid']:012d}",
        order_number=row["ddh"],
        amount=fen(row["tkje"], "tkjl.tkje"),
        refunded_on=required_ymd(row["tkrq"], "tkjl.tkrq"),
    )


def _submit(request: ReleaseRequest, connection: Connection) -> BankVerdict:
    """In the source's thread: insert the instruction, let the bank's triggers judge."""
    received = request.approved_at.astimezone(_BEIJING).strftime("%Y%m%d%H%M%S")
    try:
        with connection.begin():
            connection.execute(
                text(
                    "INSERT INTO hbzl (zlbh, ddh, hbks, hbje, sqr, jsrq)"
                    " VALUES (:zlbh, :ddh, :hbks, :hbje, :sqr, :jsrq)"
                ),
                {
                    "zlbh": request.instruction_id,
                    "ddh": request.order_number,
                    "hbks": request.lessons,
                    "hbje": request.amount_fen,
                    "sqr": request.approved_by,
                    "jsrq": received,
                },
            )
    except IntegrityError as error:
        message = str(error.orig)
        refusal = REFUSALS.get(message.split(" ", 1)[0])
        if refusal is not None:
            return BankVerdict(False, refusal=refusal, reason=message)
        # Otherwise the unique zlbh: applied before. Its row says so (or, if there is
        # none, the error was something else, and is raised).
    row = connection.execute(
        text("SELECT lsh FROM hbzl WHERE zlbh = :zlbh"), {"zlbh": request.instruction_id}
    ).one_or_none()
    if row is None:
        raise RuntimeError(f"instruction {request.instruction_id} neither applied nor refused")
    return BankVerdict(True, reference=row[0])
