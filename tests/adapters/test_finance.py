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
