"""Songdu Bank's custody API: yuan strings, ISO dates, camelCase; a scan by coverage."""

from __future__ import annotations

import re
import sqlite3
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.sandbox.native import codes
from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.seed import seed_sandbox
from xietong.sandbox.serve import serve_in_thread
from xietong.sandbox.services import bank_app

YUAN = re.compile(r"\d+\.\d{2}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")
UNKNOWN_VALID_CODE = "91310110666007217T"


def test_health(bank: httpx.Client) -> None:
    assert bank.get("/openapi/health").json()["body"] == {"status": "UP"}


def test_query_returns_accounts_with_orders_in_the_banks_format(
    bank: httpx.Client, native: sqlite3.Connection
) -> None:
    refunded = sorted(
        codes(
            native,
            "SELECT ORG_USCC FROM sd.CUST_ACCT WHERE ACCT_NO IN (SELECT ACCT_NO FROM sd.RFD_TXN)",
        )
    )[:2]
    jinming = sorted(codes(native, "SELECT tyshxydm FROM jm.jgzh"))[:1]
    response = bank.post(
        "/openapi/v2/custody/accounts/query", json={"orgCodes": [*refunded, *jinming]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["retCode"] == "000000"
    assert body["body"]["notFound"] == jinming  # that one banks at Jinming
    account = body["body"]["accounts"][0]
    assert account["orgCode"] == refunded[0]
    assert ISO_DATE.fullmatch(account["openDate"])
    for field in ("balance", "riskDeposit", "collected", "released", "refunded"):
        assert YUAN.fullmatch(account[field]), field
    assert Decimal(account["outstandingPrepay"]) == Decimal(account["collected"]) - Decimal(
        account["released"]
    ) - Decimal(account["refunded"])
    order = account["orders"][0]
    assert YUAN.fullmatch(order["amount"])
    assert ISO_TIME.fullmatch(order["orderTime"])
    assert isinstance(order["lessons"], int)
    assert order["status"] in {"O", "D", "R"}
    assert ISO_TIME.fullmatch(account["refunds"][0]["refundTime"])
    without = bank.post(
        "/openapi/v2/custody/accounts/query",
        json={"orgCodes": refunded[:1], "withOrders": False},
    ).json()["body"]["accounts"][0]
    assert "orders" not in without


def test_scan_finds_the_shortfalls_page_by_page(
    bank: httpx.Client, native: sqlite3.Connection
) -> None:
    expected = codes(native, "SELECT ORG_USCC FROM sd.CUST_ACCT WHERE AVAIL_BAL < UNRLS_AMT")
    assert expected
    found: list[str] = []
    cursor = ""
    while True:
        response = bank.post(
            "/openapi/v2/custody/accounts/scan",
            json={"coverageBelow": "1.00", "cursor": cursor, "limit": 3},
        )
        page = response.json()["body"]
        found += [account["orgCode"] for account in page["accounts"]]
        for account in page["accounts"]:
            assert Decimal(account["balance"]) < Decimal(account["outstandingPrepay"])
        if page["nextCursor"] is None:
            break
        cursor = page["nextCursor"]
    assert found == sorted(expected)


def test_a_scan_answers_only_the_fields_asked_for(
    bank: httpx.Client, native: sqlite3.Connection
) -> None:
    """``fields``: the code and the fields asked for, for every account in the states
    asked (who holds an account, without the balances)."""
    held = dict(native.execute("SELECT ORG_USCC, ACCT_STAT FROM sd.CUST_ACCT"))
    body = {"acctStatus": ["A", "F", "C"], "fields": ["acctStatus"], "limit": 1000}
    accounts = bank.post("/openapi/v2/custody/accounts/scan", json=body).json()["body"]["accounts"]
    assert {account["orgCode"]: account["acctStatus"] for account in accounts} == held
    assert all(set(account) == {"orgCode", "acctStatus"} for account in accounts)
    assert len(set(held.values())) > 1


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/openapi/v2/custody/accounts/query", {"orgCodes": []}, "400002"),
        ("/openapi/v2/custody/accounts/query", {"orgCodes": ["nope"]}, "400002"),
        ("/openapi/v2/custody/accounts/query", {"orgCodes": [UNKNOWN_VALID_CODE] * 201}, "400002"),
        (
            "/openapi/v2/custody/accounts/query",
            {"orgCodes": [UNKNOWN_VALID_CODE], "withOrders": "yes"},
            "400001",
        ),
        ("/openapi/v2/custody/accounts/scan", {}, "400003"),
        ("/openapi/v2/custody/accounts/scan", {"coverageBelow": "abc"}, "400003"),
        ("/openapi/v2/custody/accounts/scan", {"coverageBelow": -1}, "400003"),
        ("/openapi/v2/custody/accounts/scan", {"coverageBelow": "NaN"}, "400003"),
        ("/openapi/v2/custody/accounts/scan", {"coverageBelow": 1, "limit": 0}, "400003"),
        ("/openapi/v2/custody/accounts/scan", {"coverageBelow": 1, "cursor": 5}, "400003"),
        ("/openapi/v2/custody/accounts/scan", {"coverageBelow": 1, "fields": ["pin"]}, "400003"),
    ],
)
def test_bad_input_is_a_native_400(
    bank: httpx.Client, path: str, body: dict[str, object], code: str
) -> None:
    response = bank.post(path, json=body)
    assert response.status_code == 400
    assert response.json()["retCode"] == code
    assert response.json()["body"] is None


def test_malformed_json_is_a_native_400(bank: httpx.Client) -> None:
    response = bank.post("/openapi/v2/custody/accounts/query", content=b"\xff\xfe")
    assert response.status_code == 400
    assert response.json()["retCode"] == "400001"


def test_an_artificial_delay_holds_every_request(seeded: Path) -> None:
    app = bank_app(sandbox_files(seeded).bank_http, delay_ms=60)
    with serve_in_thread(app) as url, httpx.Client(base_url=url) as client:
        client.get("/openapi/health")  # warm the connection
        started = time.perf_counter()
        assert client.get("/openapi/health").status_code == 200
        assert time.perf_counter() - started >= 0.06


def test_a_release_is_applied_once_per_instruction_id(tmp_path: Path) -> None:
    """Songdu's own release API: applied atomically (order, totals, balance), a second
    send of the same instruction answered with the first application, a refusal in
    the envelope, bad input a native 400."""
    seed_sandbox(tmp_path, 20)
    path = sandbox_files(tmp_path).bank_http
    with sqlite3.connect(path) as db:
        number, account, amount, lessons, done, paid = db.execute(
            "SELECT o.ORD_NO, o.ACCT_NO, o.ORD_AMT, o.LSN_CNT, o.RLS_LSN_CNT, o.RLS_AMT"
            " FROM PREPAY_ORD o JOIN CUST_ACCT a ON a.ACCT_NO = o.ACCT_NO"
            " WHERE o.ORD_STAT = 'O' AND a.ACCT_STAT = 'A' AND o.LSN_CNT - o.RLS_LSN_CNT >= 3"
            " AND a.AVAIL_BAL > o.ORD_AMT LIMIT 1"
        ).fetchone()
        (balance,) = db.execute(
            "SELECT AVAIL_BAL FROM CUST_ACCT WHERE ACCT_NO = ?", (account,)
        ).fetchone()
    price = amount // lessons
    release = {
        "instructionId": "i-1",
        "orderNo": number,
        "lessons": 2,
        "amount": f"{2 * price / 100:.2f}",
        "approvedBy": "officer",
        "approvedAt": "2026-10-31T10:00:00+08:00",
    }
    with serve_in_thread(bank_app(path)) as url, httpx.Client(base_url=url) as client:
        first = client.post("/openapi/v2/custody/releases", json=release).json()
        again = client.post("/openapi/v2/custody/releases", json=release).json()
        wrong = client.post(
            "/openapi/v2/custody/releases", json={**release, "instructionId": "i-2", "lessons": 1}
        ).json()
        bad = client.post("/openapi/v2/custody/releases", json={**release, "lessons": 0})
    assert first["retCode"] == "000000"
    assert again["retCode"] == "RLS409"
    assert again["body"]["txnRef"] == first["body"]["txnRef"]
    assert wrong["retCode"] == "RLS412"  # one lesson is not worth two lessons' amount
    assert bad.status_code == 400
    assert bad.json()["retCode"] == "400001"
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM RLS_TXN").fetchone() == (1,)
        assert db.execute(
            "SELECT RLS_LSN_CNT, RLS_AMT FROM PREPAY_ORD WHERE ORD_NO = ?", (number,)
        ).fetchone() == (done + 2, paid + 2 * price)
        assert db.execute(
            "SELECT AVAIL_BAL FROM CUST_ACCT WHERE ACCT_NO = ?", (account,)
        ).fetchone() == (balance - 2 * price,)
