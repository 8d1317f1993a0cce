"""Custody accounts across both supervising banks: each bank's shape mapped to the same
record, every load asking both, and one bank down costing only what it alone holds."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest

from tests.adapters.support import UNKNOWN_CREDIT_CODE, opened_http, opened_sql, refused_port, yuan
from xietong.adapters.config import SourceConfig
from xietong.adapters.finance.adapter import BankFinanceAdapter
from xietong.adapters.finance.jinming import JinmingBank
from xietong.adapters.finance.songdu import SongduBank
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.http import HttpSource
from xietong.adapters.sources.sql import SqlSource
from xietong.domain.departments import Department
from xietong.domain.records import CustodyStatus


@dataclass(frozen=True, slots=True)
class Banks:
    finance: BankFinanceAdapter
    jinming: SqlSource
    songdu: HttpSource


@pytest.fixture
async def banks(sandbox_sources: dict[str, SourceConfig]) -> AsyncIterator[Banks]:
    async with (
        opened_sql(replace(sandbox_sources["bank-jinming"], cache_ttl=0)) as jinming,
        opened_http(replace(sandbox_sources["bank-songdu"], cache_ttl=0)) as songdu,
    ):
        adapter = BankFinanceAdapter([JinmingBank(jinming), SongduBank(songdu)])
        yield Banks(adapter, jinming, songdu)


def institutions(native: sqlite3.Connection) -> list[str]:
    return [code for (code,) in native.execute("SELECT tyshxydm FROM edu.jg_jbxx ORDER BY 1")]


async def test_both_banks_are_asked_once_and_their_accounts_merged(
    banks: Banks, native: sqlite3.Connection
) -> None:
    codes = institutions(native)[:100]
    found = await banks.finance.load([*codes, UNKNOWN_CREDIT_CODE])
    at_jinming = {c for (c,) in native.execute("SELECT tyshxydm FROM jm.jgzh")} & set(codes)
    at_songdu = {c for (c,) in native.execute("SELECT ORG_USCC FROM sd.CUST_ACCT")} & set(codes)
    assert at_jinming
    assert at_songdu
    assert not at_jinming & at_songdu
    assert set(found) == at_jinming | at_songdu
    assert {c for c, account in found.items() if account.bank == "金明银行"} == at_jinming
    assert {c for c, account in found.items() if account.bank == "宋都银行"} == at_songdu
    assert (banks.jinming.calls, banks.songdu.calls) == (1, 1)
    assert banks.finance.source_names == ["bank-jinming", "bank-songdu"]
    assert all(probe.ok for probe in await banks.finance.health())


async def test_jinming_totals_from_fen(banks: Banks, native: sqlite3.Connection) -> None:
    rows = native.execute(
        "SELECT tyshxydm, zh, ye, fxbzj, dxje, ljhb, ljtk FROM jm.jgzh"
    ).fetchall()
    found = await banks.finance.load([row[0] for row in rows])
    for code, number, balance, deposit, outstanding, released, refunded in rows:
        account = found[code]
        assert account.account_number == number
        assert (account.balance, account.risk_deposit, account.outstanding_prepaid) == (
            yuan(balance),
            yuan(deposit),
            yuan(outstanding),
        )
        assert (account.released_total, account.refunded_total) == (yuan(released), yuan(refunded))


async def test_songdu_totals_from_its_yuan_strings(
    banks: Banks, native: sqlite3.Connection
) -> None:
    rows = native.execute(
        "SELECT ORG_USCC, ACCT_NO, AVAIL_BAL, RISK_DEP_BAL, UNRLS_AMT, TOT_RLS_AMT, TOT_RFD_AMT"
        " FROM sd.CUST_ACCT"
    ).fetchall()
    found = await banks.finance.load([row[0] for row in rows])
    for code, number, balance, deposit, outstanding, released, refunded in rows:
        account = found[code]
        assert account.account_number == number
        assert (account.balance, account.risk_deposit, account.outstanding_prepaid) == (
            yuan(balance),
            yuan(deposit),
            yuan(outstanding),
        )
        assert (account.released_total, account.refunded_total) == (yuan(released), yuan(refunded))
    shortfall = [a for a in found.values() if a.balance < a.outstanding_prepaid]
    assert shortfall
    assert all(a.coverage_ratio is not None and a.coverage_ratio < 1 for a in shortfall)


async def test_a_bank_down_costs_only_the_accounts_it_might_hold(
    sandbox_sources: dict[str, SourceConfig], native: sqlite3.Connection
) -> None:
    dead = replace(
        sandbox_sources["bank-songdu"], url=f"http://127.0.0.1:{refused_port()}", cache_ttl=0
    )
    async with (
        opened_sql(replace(sandbox_sources["bank-jinming"], cache_ttl=0)) as jinming,
        opened_http(dead) as songdu,
    ):
        finance = BankFinanceAdapter([JinmingBank(jinming), SongduBank(songdu)])
        at_jinming = [c for (c,) in native.execute("SELECT tyshxydm FROM jm.jgzh LIMIT 5")]
        found = await finance.load(at_jinming)
        assert sorted(found) == sorted(at_jinming), "Jinming answered for every key"
        with pytest.raises(SourceUnavailableError) as raised:
            await finance.load([*at_jinming, UNKNOWN_CREDIT_CODE])
    assert (raised.value.department, raised.value.source) == (Department.FINANCE, "bank-songdu")


async def test_both_banks_ledgers_status_orders_and_refunds(
    banks: Banks, native: sqlite3.Connection
) -> None:
    """The same facts from two native shapes: codes, fen or yuan strings, two date forms."""
    jinming = native.execute(
        "SELECT a.tyshxydm, a.zhzt, a.ztrq, a.ljsk, COUNT(d.ddid), SUM(d.gmks), SUM(d.yxje)"
        " FROM jm.jgzh a JOIN jm.yfdd d ON d.zh = a.zh GROUP BY a.tyshxydm"
    ).fetchall()
    songdu = native.execute(
        "SELECT a.ORG_USCC, a.ACCT_STAT, REPLACE(a.STAT_DT, '-', ''), a.TOT_COLL_AMT,"
        " COUNT(o.ORD_ID), SUM(o.LSN_CNT), SUM(o.RLS_AMT)"
        " FROM sd.CUST_ACCT a JOIN sd.PREPAY_ORD o ON o.ACCT_NO = a.ACCT_NO GROUP BY a.ORG_USCC"
    ).fetchall()
    status = {"0": "NORMAL", "1": "FROZEN", "2": "CLOSED", "A": "NORMAL", "F": "FROZEN"}
    found = await banks.finance.load([row[0] for row in [*jinming, *songdu]])
    frozen = 0
    for code, state, since, received, orders, lessons, released in [*jinming, *songdu]:
        account = found[code]
        assert account.status.value == status[state]
        assert account.status_since is not None
        assert account.status_since.strftime("%Y%m%d") == since
        assert account.received_total == yuan(received)
        assert len(account.orders) == orders
        assert sum(order.lessons_bought for order in account.orders) == lessons
        assert sum(order.amount_released for order in account.orders) == yuan(released)
        assert sum(order.amount for order in account.orders) == account.received_total
        frozen += account.status.value == "FROZEN"
    assert frozen  # the seed freezes a few accounts at each bank
    refunds = [refund for account in found.values() for refund in account.refunds]
    assert sum(refund.amount for refund in refunds) == sum(
        account.refunded_total for account in found.values()
    )


async def test_accounts_without_the_ledger_are_the_same_accounts_without_orders(
    banks: Banks, native: sqlite3.Connection
) -> None:
    codes = institutions(native)[:200]
    whole = await banks.finance.load(codes)
    accounts = await banks.finance.accounts(codes)
    assert any(account.orders for account in whole.values())
    assert any(account.refunds for account in whole.values())
    assert {account.bank for account in accounts.values()} == {"金明银行", "宋都银行"}
    assert accounts == {
        code: replace(account, orders=(), refunds=()) for code, account in whole.items()
    }


async def test_cached_banks_answer_accounts_from_their_one_cache(
    sandbox_sources: dict[str, SourceConfig], native: sqlite3.Connection
) -> None:
    """With a cache, an account reads the same whether a request wants its ledger or
    not: both come from the one cache, so neither can be older than the other."""
    async with (
        opened_sql(replace(sandbox_sources["bank-jinming"], cache_ttl=60)) as jinming,
        opened_http(replace(sandbox_sources["bank-songdu"], cache_ttl=60)) as songdu,
    ):
        finance = BankFinanceAdapter([JinmingBank(jinming), SongduBank(songdu)])
        codes = institutions(native)[:100]
        whole = await finance.load(codes)
        calls = (jinming.calls, songdu.calls)
        accounts = await finance.accounts(codes)
        assert (jinming.calls, songdu.calls) == calls
        assert accounts == whole
        assert any(account.orders for account in accounts.values())


async def test_custody_states_and_order_peaks_are_the_banks_own_answers(
    banks: Banks, native: sqlite3.Connection
) -> None:
    frozen = {c for (c,) in native.execute("SELECT tyshxydm FROM jm.jgzh WHERE zhzt = '1'")}
    frozen |= {
        c for (c,) in native.execute("SELECT ORG_USCC FROM sd.CUST_ACCT WHERE ACCT_STAT = 'F'")
    }
    assert await banks.finance.match_custody(frozenset({CustodyStatus.FROZEN})) == frozen
    some = sorted(frozen)[:3] + institutions(native)[:5]
    assert await banks.finance.match_custody(
        frozenset({CustodyStatus.FROZEN}), among=some
    ) == frozen & set(some)
    over = {
        c
        for (c,) in native.execute(
            "SELECT a.tyshxydm FROM jm.jgzh a JOIN jm.yfdd d ON d.zh = a.zh"
            " WHERE d.gmks > 60 AND d.ddzt <> '3'"
            " UNION SELECT a.ORG_USCC FROM sd.CUST_ACCT a JOIN sd.PREPAY_ORD o"
            " ON o.ACCT_NO = a.ACCT_NO WHERE o.LSN_CNT > 60 AND o.ORD_STAT <> 'R'"
        )
    }
    peaks = await banks.finance.order_peaks()
    assert over
    assert {code for code, courses in peaks.items() if max(courses.values()) > 60} == over
    uncovered = await banks.finance.without_custody(institutions(native))
    assert uncovered
    assert not uncovered & set(peaks)


@pytest.mark.parametrize("scan_from", [0, 1_000_000], ids=["scanned", "by code"])
async def test_order_peaks_of_some_institutions_are_the_same_scanned_or_asked_by_code(
    banks: Banks, native: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch, scan_from: int
) -> None:
    """The HTTP bank answers a few codes by lookups and many by a scan of its accounts:
    either way, the largest orders of exactly the institutions asked about."""
    monkeypatch.setattr("xietong.adapters.finance.songdu.SCAN_FROM", scan_from)
    everyone = await banks.finance.order_peaks()
    some = institutions(native)[::3]
    at_songdu = {c for (c,) in native.execute("SELECT ORG_USCC FROM sd.CUST_ACCT")} & set(some)
    peaks = await banks.finance.order_peaks(among=some)
    assert at_songdu & set(peaks)
    assert peaks == {code: most for code, most in everyone.items() if code in set(some)}


@pytest.mark.parametrize("scan_from", [0, 1_000_000], ids=["scanned", "by code"])
async def test_who_holds_an_account_is_the_same_scanned_or_asked_by_code(
    banks: Banks, native: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch, scan_from: int
) -> None:
    """Who holds a custody account at either bank, whichever way the HTTP bank is asked:
    exactly the institutions asked about that the banks' own tables hold (closed and
    frozen accounts included)."""
    monkeypatch.setattr("xietong.adapters.finance.songdu.SCAN_FROM", scan_from)
    some = institutions(native)[::2]
    held = {
        code
        for (code,) in native.execute(
            "SELECT tyshxydm FROM jm.jgzh UNION SELECT ORG_USCC FROM sd.CUST_ACCT"
        )
    } & set(some)
    closed = {
        c for (c,) in native.execute("SELECT ORG_USCC FROM sd.CUST_ACCT WHERE ACCT_STAT <> 'A'")
    }
    assert held
    assert closed & held
    assert await banks.finance.with_account([*some, UNKNOWN_CREDIT_CODE]) == held
