"""The release tests' world: a small sandbox of its own (releases change the banks),
the hub over it, the native rows to compare with, and a bank that fails on purpose."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

from sqlalchemy import text

from tests.support.harness import HubHarness
from xietong.adapters.finance.adapter import BankFinanceAdapter
from xietong.adapters.finance.banks import CustodyBank, OrderPeaks
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.registry import Source
from xietong.domain.departments import Department
from xietong.domain.records import (
    BankVerdict,
    CustodyStatus,
    CustodyTotals,
    FundSupervision,
    ReleaseRequest,
)
from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.reference import REFERENCE_DATE

APPROVE = """
mutation Approve($input: ApproveLessonReleaseInput!) {
  approveLessonRelease(input: $input) { ...Outcome }
}
fragment Outcome on ReleaseResult {
  __typename
  ... on LessonRelease { creditCode lessons amount status approvedBy
    instructions { id orderNumber firstLesson lastLesson lessons amount status bankReference
                   refusalReason } }
  ... on ReleaseError { code message field
    first { lessons amount status instructions { id status lessons refusalReason } } }
}
"""
APPROVE_ALL = """
mutation ApproveAll($input: ApproveReleasesInput!) {
  approveReleases(input: $input) { ...Outcome }
}
""" + APPROVE[APPROVE.index("fragment") :]


@dataclass(frozen=True, slots=True)
class Order:
    """A prepaid order as its bank and the education platform hold it now."""

    credit_code: str
    number: str
    bank: str
    """``jinming`` or ``songdu``."""
    account: str
    amount: int
    lessons: int
    released: int
    released_amount: int
    status: str
    """The bank's own code."""
    confirmed: int
    """Lessons given and confirmed by the payer (education.xkjl)."""

    @property
    def waiting(self) -> int:
        return min(self.confirmed, self.lessons) - self.released


class Native:
    """The sandbox's own databases, opened read-write: what the banks really hold."""

    def __init__(self, data_dir: Path) -> None:
        files = sandbox_files(data_dir)
        self.connection = sqlite3.connect(":memory:", isolation_level=None, timeout=10)
        for alias, path in (
            ("jm", files.bank_sql),
            ("sd", files.bank_http),
            ("edu", files.education),
        ):
            self.connection.execute(f"ATTACH DATABASE '{path}' AS {alias}")

    def rows(self, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, parameters).fetchall()

    def run(self, sql: str, *parameters: object) -> None:
        self.connection.execute(sql, parameters)

    def orders(self) -> list[Order]:
        confirmed = dict(
            self.rows("SELECT ddh, SUM(xkks) FROM edu.xkjl WHERE sfqr = '1' GROUP BY ddh")
        )
        jinming = self.rows(
            "SELECT a.tyshxydm, d.ddh, a.zh, d.ddje, d.gmks, d.yxks, d.yxje, d.ddzt, a.zhzt"
            " FROM jm.yfdd d JOIN jm.jgzh a ON a.zh = d.zh ORDER BY d.ddid"
        )
        songdu = self.rows(
            "SELECT a.ORG_USCC, o.ORD_NO, a.ACCT_NO, o.ORD_AMT, o.LSN_CNT, o.RLS_LSN_CNT,"
            " o.RLS_AMT, o.ORD_STAT, a.ACCT_STAT FROM sd.PREPAY_ORD o"
            " JOIN sd.CUST_ACCT a ON a.ACCT_NO = o.ACCT_NO ORDER BY o.ORD_ID"
        )
        return [
            Order(code, number, bank, account, amount, lessons, done, paid, status,
                  int(confirmed.get(number, 0)))
            for bank, rows in (("jinming", jinming), ("songdu", songdu))
            for code, number, account, amount, lessons, done, paid, status, _state in rows
        ]  # fmt: skip

    def order(self, number: str) -> Order:
        return next(order for order in self.orders() if order.number == number)

    def region(self, order: Order) -> str:
        return str(
            self.rows("SELECT xzqh FROM edu.jg_jbxx WHERE tyshxydm = ?", order.credit_code)[0][0]
        )

    def account_state(self, order: Order) -> str:
        if order.bank == "jinming":
            return str(self.rows("SELECT zhzt FROM jm.jgzh WHERE zh = ?", order.account)[0][0])
        state = self.rows("SELECT ACCT_STAT FROM sd.CUST_ACCT WHERE ACCT_NO = ?", order.account)
        return {"A": "0", "F": "1", "C": "2"}[state[0][0]]

    def set_account(
        self, order: Order, *, state: str | None = None, balance: int | None = None
    ) -> None:
        """Change the account as the bank would (``state`` in Jinming's codes)."""
        if order.bank == "jinming":
            if state is not None:
                self.run("UPDATE jm.jgzh SET zhzt = ? WHERE zh = ?", state, order.account)
            if balance is not None:
                self.run("UPDATE jm.jgzh SET ye = ? WHERE zh = ?", balance, order.account)
        else:
            if state is not None:
                code = {"0": "A", "1": "F", "2": "C"}[state]
                self.run(
                    "UPDATE sd.CUST_ACCT SET ACCT_STAT = ? WHERE ACCT_NO = ?", code, order.account
                )
            if balance is not None:
                self.run(
                    "UPDATE sd.CUST_ACCT SET AVAIL_BAL = ? WHERE ACCT_NO = ?",
                    balance,
                    order.account,
                )

    def confirm(self, order: Order, lessons: int, *, confirmed: bool = True) -> None:
        """The institution reports ``lessons`` more given on the order (and the payer confirms)."""
        self.run(
            "INSERT INTO edu.xkjl (tyshxydm, ddh, xkks, sfqr, xkrq) VALUES (?, ?, ?, ?, ?)",
            order.credit_code, order.number, lessons, "1" if confirmed else "0",
            REFERENCE_DATE.strftime("%Y%m%d"),
        )  # fmt: skip

    def bank_releases(self, order: Order) -> list[tuple[str, int, int]]:
        """The bank's own rows of releases of the order: (instruction id, lessons, fen)."""
        if order.bank == "jinming":
            found = self.rows("SELECT zlbh, hbks, hbje FROM jm.hbzl WHERE ddh = ?", order.number)
        else:
            found = self.rows(
                "SELECT INSTR_ID, LSN_CNT, RLS_AMT FROM sd.RLS_TXN WHERE ORD_NO = ?", order.number
            )
        return [(str(a), int(b), int(c)) for a, b, c in found]

    def close(self) -> None:
        self.connection.close()


@contextmanager
def native(data_dir: Path) -> Iterator[Native]:
    opened = Native(data_dir)
    try:
        yield opened
    finally:
        opened.close()


def an_order(
    native: Native,
    *,
    bank: str | None = None,
    waiting: int = 1,
    status: str | None = None,
    avoid: Collection[str] = (),
) -> Order:
    """An order of a Kaifeng institution (demo-education's region) at a NORMAL account
    with at least ``waiting`` lessons confirmed and not released (confirming more if
    none has), at ``bank`` if given."""
    running = {"jinming": "1", "songdu": "O"}
    for order in native.orders():
        if (bank is not None and order.bank != bank) or order.account in avoid:
            continue
        if not native.region(order).startswith("4102"):
            continue
        if native.account_state(order) != "0":
            continue
        if status is None and order.status != running[order.bank]:
            continue
        if status is not None and order.status != status:
            continue
        if status is None and order.lessons - order.released < waiting:
            continue
        if order.waiting < waiting and status is None:
            native.confirm(order, waiting - order.waiting)
            order = native.order(order.number)
        return order
    raise AssertionError("no such order in the sandbox")


async def approve(
    harness: HubHarness, client: str, order: Order, lessons: int, key: str
) -> dict[str, Any]:
    body = (
        await harness.graphql(
            client,
            APPROVE,
            {
                "input": {
                    "creditCode": order.credit_code,
                    "orderNumber": order.number,
                    "lessons": lessons,
                    "idempotencyKey": key,
                }
            },
        )
    ).json()
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]["approveLessonRelease"]
    return result


def approval_events(harness: HubHarness) -> list[list[str]]:
    """The record keys of every access-log event of an approval that changed something
    (a refused or duplicate request is logged too, as every request is, with nothing
    ``changed:``)."""
    with harness.hub.sync_engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT record_keys FROM audit_events WHERE operation_name IN"
                " ('Approve', 'ApproveAll') ORDER BY seq"
            )
        ).all()
    keys = [row[0] if isinstance(row[0], list) else json.loads(row[0]) for row in rows]
    return [found for found in keys if any(key.startswith("changed:") for key in found)]


KINDS = ("before", "after", "timeout")
"""How a call fails: before reaching the bank, after it applied (the answer lost), or
after a wait, applied or not."""


class FlakyBank:
    """A real bank behind a bad line: ``rate`` of the calls fail — before reaching the
    bank, or after it applied the instruction with the answer lost, or after a long
    wait — from a seeded generator, so a failing run can be replayed."""

    def __init__(
        self, bank: CustodyBank, rate: float, seed: int, *, kinds: tuple[str, ...] = KINDS
    ) -> None:
        self.bank = bank
        self.rate = rate
        self.random = Random(seed)
        self.kinds = kinds
        self.calls = 0
        self.failures = 0

    @property
    def display_name(self) -> str:
        return self.bank.display_name

    @property
    def source(self) -> Source:
        return self.bank.source

    async def accounts(
        self, codes: list[str], *, ledger: bool = True
    ) -> dict[str, FundSupervision]:
        return await self.bank.accounts(codes, ledger=ledger)

    async def holding(self, codes: list[str]) -> set[str]:
        return await self.bank.holding(codes)

    async def accounts_below(self, basis_points: int, among: Any) -> dict[str, FundSupervision]:
        return await self.bank.accounts_below(basis_points, among)

    async def accounts_in(self, statuses: frozenset[CustodyStatus], among: Any) -> set[str]:
        return await self.bank.accounts_in(statuses, among)

    async def order_peaks(self, among: Any) -> OrderPeaks:
        return await self.bank.order_peaks(among)

    async def district_totals(self, region_prefix: str) -> dict[str, CustodyTotals]:
        return await self.bank.district_totals(region_prefix)

    async def release(self, request: ReleaseRequest) -> BankVerdict:
        self.calls += 1
        name = self.display_name
        if self.random.random() >= self.rate:
            return await self.bank.release(request)
        kind = self.kinds[int(self.random.random() * len(self.kinds))]
        self.failures += 1
        if kind == "before":
            raise SourceUnavailableError(Department.FINANCE, name, "connection refused (test)")
        if kind == "after":
            await self.bank.release(request)
            raise SourceUnavailableError(Department.FINANCE, name, "answer lost (test)")
        await asyncio.sleep(0.05)
        if self.random.random() < 0.5:
            await self.bank.release(request)
        raise SourceUnavailableError(Department.FINANCE, name, "timed out (test)")


def make_flaky(
    harness: HubHarness, rate: float, seed: int, *, kinds: tuple[str, ...] = KINDS
) -> list[FlakyBank]:
    """Put every bank of the hub behind a bad line (the same banks, the same sandbox)."""
    finance = harness.hub.adapters.finance
    assert isinstance(finance, BankFinanceAdapter)
    flaky = [FlakyBank(bank, rate, seed + n, kinds=kinds) for n, bank in enumerate(finance.banks)]
    finance.banks = list(flaky)
    return flaky
