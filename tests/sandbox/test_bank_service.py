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
