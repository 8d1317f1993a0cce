"""The enterprise credit registry's answers as the hub sees them, checked against
the registry's own tables."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date

import pytest

from tests.adapters.support import UNKNOWN_CREDIT_CODE, day, opened_http, yuan
from xietong.adapters.config import SourceConfig
from xietong.adapters.market import HttpMarketAdapter
from xietong.adapters.sources.http import HttpSource
from xietong.domain.records import RegistrationStatus

STATUSES = {
    "1": RegistrationStatus.ACTIVE,
    "2": RegistrationStatus.REVOKED,
    "3": RegistrationStatus.CANCELLED,
}


@pytest.fixture
async def source(sandbox_sources: dict[str, SourceConfig]) -> AsyncIterator[HttpSource]:
    async with opened_http(replace(sandbox_sources["market"], cache_ttl=0)) as opened:
        yield opened


@pytest.fixture
def market(source: HttpSource) -> HttpMarketAdapter:
    return HttpMarketAdapter(source)


async def test_a_registration_with_complaints_penalties_and_advertising_cases(
    market: HttpMarketAdapter, native: sqlite3.Connection
) -> None:
    (code,) = native.execute(
        "SELECT tyshxydm FROM mkt.xzcf WHERE cfzl = '2'"
        " AND tyshxydm IN (SELECT tyshxydm FROM mkt.tfts)"
        " AND tyshxydm IN (SELECT tyshxydm FROM mkt.ggwf) LIMIT 1"
    ).fetchone()
    record = (await market.load([code]))[code]
    name, region, status, scope, representative, registered, profit = native.execute(
        "SELECT qymc, xzqh, djzt, jyfw, fddbr, clrq, yllx FROM mkt.qydj WHERE tyshxydm = ?",
        (code,),
    ).fetchone()
    assert (record.name, record.region, record.business_scope) == (name, region, scope)
    assert record.legal_representative == representative
    assert record.registered_on == day(registered)
    assert record.status is STATUSES[status]
    assert record.non_profit is (profit == "2")
    complaints = native.execute(
        "SELECT tsrq, sqje, tsnr, clzt FROM mkt.tfts WHERE tyshxydm = ? ORDER BY tsrq", (code,)
    ).fetchall()
    statuses = {"1": "RECEIVED", "2": "IN_MEDIATION", "3": "CLOSED"}
    assert [(c.filed_on, c.amount, c.summary, c.status, c.kind) for c in record.complaints] == [
        (day(filed), yuan(amount), summary, statuses[state], "REFUND")
        for filed, amount, summary, state in complaints
    ]
    penalties = native.execute(
        "SELECT cfjdsh, cfrq, cfjg, cfsy, cfyj, cfzl, fkje FROM mkt.xzcf WHERE tyshxydm = ?"
        " ORDER BY cfrq",
        (code,),
    ).fetchall()
    kinds = {"1": "WARNING", "2": "FINE", "3": "BUSINESS_LICENCE_REVOKED"}
    assert [
        (p.decision_number, p.decided_on, p.authority, p.reason, p.basis, p.kind, p.amount)
        for p in record.penalties
    ] == [
        (number, day(decided), authority, reason, basis, kinds[kind],
         yuan(fine) if kind == "2" else None)
        for number, decided, authority, reason, basis, kind, fine in penalties
    ]  # fmt: skip
    assert all(p.amount is None or p.amount > 0 for p in record.penalties)
    cases = native.execute(
        "SELECT larq, fbmj, wfss, cljg, cfjdsh FROM mkt.ggwf WHERE tyshxydm = ? ORDER BY larq",
        (code,),
    ).fetchall()
    assert [
        (v.found_on, v.medium, v.finding, v.outcome, v.penalty and v.penalty.decision_number)
        for v in record.advertising_violations
    ] == [(day(found), medium, finding, outcome, number or None)
          for found, medium, finding, outcome, number in cases]  # fmt: skip
    assert any(v.penalty is not None and v.penalty.kind == "FINE"
               for v in record.advertising_violations)  # fmt: skip
    (address,) = native.execute("SELECT zs FROM mkt.qydj WHERE tyshxydm = ?", (code,)).fetchone()
    assert record.address == address


async def test_statuses_and_profit_types_match_the_registry(
    market: HttpMarketAdapter, native: sqlite3.Connection
) -> None:
    rows = native.execute("SELECT tyshxydm, djzt, yllx FROM mkt.qydj").fetchall()
    found = await market.load([code for code, _, _ in rows])
    assert {code: (r.status, r.non_profit) for code, r in found.items()} == {
        code: (STATUSES[status], profit == "2") for code, status, profit in rows
    }


async def test_training_registrations_are_every_one_whose_scope_covers_training(
    market: HttpMarketAdapter, source: HttpSource, native: sqlite3.Connection
) -> None:
    found = await market.training_registrations("4102")
    expected = sorted(code for (code,) in native.execute(
        "SELECT tyshxydm FROM mkt.qydj WHERE pxbz = '1' AND xzqh LIKE '4102%'"
    ))  # fmt: skip
    assert [record.credit_code for record in found] == expected
    assert source.calls == 2, "one page of the scan, one batch for the full records"
    complaints = native.execute(
        "SELECT COUNT(*) FROM mkt.tfts t JOIN mkt.qydj q USING (tyshxydm)"
        " WHERE q.pxbz = '1' AND q.xzqh LIKE '4102%'"
    ).fetchone()[0]
    assert sum(len(record.complaints) for record in found) == complaints
    nation = await market.training_registrations("")
    assert (
        len(nation)
        == native.execute("SELECT COUNT(*) FROM mkt.qydj WHERE pxbz = '1'").fetchone()[0]
    )


async def test_a_census_read_in_many_pages_is_the_census(
    market: HttpMarketAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The registry's scan follows its cursor to the last page: small pages, same census."""
    since, ads_since = date(2026, 8, 1), date(2026, 1, 1)
    whole = await market.census("4102", since, (), ads_since=ads_since)
    monkeypatch.setattr("xietong.adapters.market.SCAN_PAGE", 7)
    paged = await market.census("4102", since, (), ads_since=ads_since)
    assert paged == whole
    assert len(whole.registrations) > 7 * 3


@pytest.mark.parametrize("ads", [False, True], ids=["complaints", "and advertising"])
async def test_registrations_by_code_are_counted_at_the_registry_as_in_the_records(
    market: HttpMarketAdapter,
    native: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
    ads: bool,
) -> None:
    """``registered`` (the risk rules' lookups) asks the registry's scan narrowed to the
    codes, a page of them a request: the same counts as the whole records would give,
    for the codes it holds, whatever is asked besides."""
    monkeypatch.setattr("xietong.adapters.market.SCAN_PAGE", 7)
    since, ads_since = date(2026, 8, 1), (date(2026, 1, 1) if ads else None)
    complained = [
        code
        for (code,) in native.execute(
            "SELECT * FROM (SELECT DISTINCT tyshxydm FROM mkt.tfts LIMIT 12)"
            " UNION SELECT * FROM (SELECT DISTINCT tyshxydm FROM mkt.ggwf LIMIT 12)"
        )
    ]
    others = [c for (c,) in native.execute("SELECT tyshxydm FROM mkt.qydj LIMIT 12")]
    asked = [*complained, UNKNOWN_CREDIT_CODE, "not a credit code", *others]

    found = await market.registered(asked, since, ads_since)

    records = await market.load(asked)
    assert set(found) == set(records) == set(complained) | set(others)
    assert any(found[code].recent_complaints for code in complained)
    assert not ads or any(found[code].recent_ad_violations for code in complained)
    for code, record in records.items():
        registration = found[code]
        assert registration.recent_complaints == sum(c.filed_on >= since for c in record.complaints)
        assert registration.recent_ad_violations == (
            sum(v.found_on >= ads_since for v in record.advertising_violations) if ads_since else 0
        )
        assert (registration.status, registration.business_scope, registration.non_profit) == (
            record.status,
            record.business_scope,
            record.non_profit,
        )
        assert registration.region == record.region
        assert not registration.covers_training, "institutions the education bureau lists"
