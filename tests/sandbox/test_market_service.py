"""The market registry API answers in its own vocabulary over real HTTP."""

from __future__ import annotations

import re
import sqlite3

import httpx
import pytest

from tests.sandbox.conftest import SEEDED_INSTITUTIONS
from tests.sandbox.native import codes
from xietong.sandbox.seed import unlicensed_count

YYYYMMDD = re.compile(r"\d{8}")
UNKNOWN_VALID_CODE = "91310110666007217T"


def test_health(market: httpx.Client) -> None:
    response = market.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"code": "0", "msg": "success", "data": {"status": "UP"}}


def test_batch_returns_native_registrations_in_request_order(
    market: httpx.Client, native: sqlite3.Connection
) -> None:
    complained = sorted(codes(native, "SELECT tyshxydm FROM mkt.tfts"))[:3]
    plain = sorted(codes(native, "SELECT tyshxydm FROM mkt.qydj") - set(complained))[:2]
    asked = [*complained, UNKNOWN_VALID_CODE, *plain]
    response = market.post("/api/v1/qyxx/batch", json={"tyshxydm": asked})
    assert response.status_code == 200
    data = response.json()["data"]
    assert [entry["tyshxydm"] for entry in data["qyxx"]] == [*complained, *plain]
    assert data["wcx"] == [UNKNOWN_VALID_CODE]
    first = data["qyxx"][0]
    assert set(first) >= {"qymc", "djzt", "jyfw", "pxbz", "fddbr", "yllx", "clrq", "xzqh"}
    assert first["djzt"] in {"1", "2", "3"}
    assert YYYYMMDD.fullmatch(first["clrq"])
    complaint = first["tfts"][0]
    assert isinstance(complaint["sqje"], int)  # fen
    assert YYYYMMDD.fullmatch(complaint["tsrq"])
    assert complaint["clzt"] in {"1", "2", "3"}


def test_scan_filters_by_region_status_and_complaints(market: httpx.Client) -> None:
    body = {"xzqh": "4102", "djzt": ["1"], "zxtssl": 5, "tsqsrq": "20260803", "size": 1000}
    data = market.post("/api/v1/qyxx/query", json=body).json()["data"]
    assert data["total"] == len(data["records"]) > 0
    for record in data["records"]:
        assert record["xzqh"].startswith("4102")
        assert record["djzt"] == "1"
        assert record["tssl"] >= 5


def test_scan_counts_and_filters_advertising_violations_since_a_date(
    market: httpx.Client, native: sqlite3.Connection
) -> None:
    since = "20260101"
    expected = codes(native, f"SELECT tyshxydm FROM mkt.ggwf WHERE larq >= '{since}'")
    body = {"ggqsrq": since, "zxggsl": 1, "size": 1000}
    data = market.post("/api/v1/qyxx/query", json=body).json()["data"]

    assert {record["tyshxydm"] for record in data["records"]} == expected
    assert expected, "the seed plants advertising violations"
    assert all(record["ggsl"] >= 1 for record in data["records"])
    everyone = market.post("/api/v1/qyxx/query", json={"size": 5}).json()["data"]
    assert "ggsl" not in everyone["records"][0], "counted only when asked"


def test_scan_pages_through_everything_once(market: httpx.Client) -> None:
    seen: list[str] = []
    page = 1
    while True:
        data = market.post("/api/v1/qyxx/query", json={"page": page, "size": 70}).json()["data"]
        seen += [record["tyshxydm"] for record in data["records"]]
        if page * 70 >= data["total"]:
            break
        page += 1
    assert (
        len(seen) == len(set(seen)) == SEEDED_INSTITUTIONS + unlicensed_count(SEEDED_INSTITUTIONS)
    )


def test_scan_by_cursor_lists_what_numbered_pages_list(market: httpx.Client) -> None:
    body = {"xzqh": "4102", "tsqsrq": "20260803", "ggqsrq": "20260101", "size": 70}
    numbered: list[dict[str, object]] = []
    page = 1
    while True:
        data = market.post("/api/v1/qyxx/query", json={**body, "page": page}).json()["data"]
        numbered += data["records"]
        if page * 70 >= data["total"]:
            break
        page += 1
    by_cursor: list[dict[str, object]] = []
    cursor: str | None = ""
    while cursor is not None:
        data = market.post("/api/v1/qyxx/query", json={**body, "cursor": cursor}).json()["data"]
        assert "total" not in data, "nothing counted"
        by_cursor += data["records"]
        cursor = data["cursor"]
    assert len(numbered) > 70
    assert by_cursor == numbered


def test_training_scope_list_includes_the_unlicensed_operators(
    market: httpx.Client, native: sqlite3.Connection
) -> None:
    response = market.get("/api/v1/qyxx/pxjy", params={"xzqh": "4102", "size": 1000})
    listed = {record["tyshxydm"] for record in response.json()["data"]["records"]}
    licensed = codes(native, "SELECT tyshxydm FROM edu.jg_jbxx")
    assert len(listed - licensed) == unlicensed_count(SEEDED_INSTITUTIONS)
    assert all(record["pxbz"] == "1" for record in response.json()["data"]["records"])


def test_a_scan_answers_only_the_columns_asked_for(
    market: httpx.Client, native: sqlite3.Connection
) -> None:
    """``fields``: the credit code, the columns asked for and the counts, nothing else
    (no legal representative's ID number for a census that has no use for it)."""
    body = {"xzqh": "4102", "tsqsrq": "20260803", "size": 1000, "cursor": ""}
    full = market.post("/api/v1/qyxx/query", json=body).json()["data"]["records"]
    asked = {**body, "fields": ["djzt", "jyfw"]}
    few = market.post("/api/v1/qyxx/query", json=asked).json()["data"]["records"]

    assert "fddbrzjhm" in full[0]
    assert [set(record) for record in few] == [{"tyshxydm", "djzt", "jyfw", "tssl"}] * len(full)
    keep = ("tyshxydm", "djzt", "jyfw", "tssl")
    assert few == [{key: record[key] for key in keep} for record in full]
    assert len(full) == len(codes(native, "SELECT tyshxydm FROM mkt.qydj WHERE xzqh LIKE '4102%'"))


@pytest.mark.parametrize(
    ("path", "content", "code"),
    [
        ("/api/v1/qyxx/batch", b"{not json", "4001"),
        ("/api/v1/qyxx/batch", b"[]", "4001"),
        ("/api/v1/qyxx/batch", b'{"tyshxydm": "91310110666007217T"}', "4002"),
        ("/api/v1/qyxx/batch", b'{"tyshxydm": [42]}', "4002"),
        ("/api/v1/qyxx/batch", b'{"tyshxydm": ["91310110666007217X"]}', "4002"),
        ("/api/v1/qyxx/batch", b'{"codes": ["91310110666007217T"]}', "4001"),
        ("/api/v1/qyxx/query", b'{"xzqh": "41%"}', "4003"),
        ("/api/v1/qyxx/query", b'{"size": 5000}', "4003"),
        ("/api/v1/qyxx/query", b'{"zxtssl": "many"}', "4003"),
        ("/api/v1/qyxx/query", b'{"djzt": ["9"]}', "4003"),
        ("/api/v1/qyxx/query", b'{"tyshxydm": ["91310110666007217X"]}', "4002"),
        ("/api/v1/qyxx/query", b'{"tyshxydm": []}', "4002"),
        ("/api/v1/qyxx/query", b'{"cursor": 5}', "4003"),
        ("/api/v1/qyxx/query", b'{"cursor": "", "page": 2}', "4003"),
        ("/api/v1/qyxx/query", b'{"fields": ["jyfw", "password"]}', "4003"),
        ("/api/v1/qyxx/query", b'{"fields": []}', "4003"),
    ],
)
def test_bad_input_is_a_native_400(
    market: httpx.Client, path: str, content: bytes, code: str
) -> None:
    response = market.post(path, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["msg"]
    assert body["data"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [({"page": "0"}, "4003"), ({"size": "lots"}, "4003"), ({"region": "4102"}, "4001")],
)
def test_bad_query_parameters_are_a_native_400(
    market: httpx.Client, params: dict[str, str], code: str
) -> None:
    response = market.get("/api/v1/qyxx/pxjy", params=params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_too_large_a_batch_is_refused(market: httpx.Client) -> None:
    response = market.post("/api/v1/qyxx/batch", json={"tyshxydm": [UNKNOWN_VALID_CODE] * 501})
    assert response.status_code == 400
    assert "500" in response.json()["msg"]


def test_unknown_paths_and_methods_answer_in_json(market: httpx.Client) -> None:
    assert market.get("/api/v1/nothing").json()["code"] == "404"
    response = market.get("/api/v1/qyxx/batch")
    assert response.status_code == 405
    assert response.json()["code"] == "405"


def test_scan_narrowed_to_codes_counts_as_the_whole_scan(
    market: httpx.Client, native: sqlite3.Connection
) -> None:
    complained = sorted(codes(native, "SELECT tyshxydm FROM mkt.tfts"))[:5]
    asked = [*complained, UNKNOWN_VALID_CODE]
    body = {"tsqsrq": "20260101", "ggqsrq": "20260101", "size": 1000}
    narrowed = market.post("/api/v1/qyxx/query", json={**body, "tyshxydm": asked}).json()["data"]
    everyone = market.post("/api/v1/qyxx/query", json=body).json()["data"]["records"]

    assert narrowed["total"] == len(complained)
    assert narrowed["records"] == [r for r in everyone if r["tyshxydm"] in set(complained)]
