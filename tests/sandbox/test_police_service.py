"""The police check API: batches of ID numbers only, never a list of persons."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route

from xietong.sandbox.services import police_app

NEVER_SUBMITTED = "11010519491231002X"


def first(native: sqlite3.Connection, sql: str) -> str:
    row = native.execute(sql).fetchone()
    assert row is not None, sql
    return str(row[0])


def test_health(police: httpx.Client) -> None:
    assert police.get("/health").json() == {"resultCode": "0", "resultMsg": "UP"}


def test_results_per_id_number_in_native_codes(
    police: httpx.Client, native: sqlite3.Connection
) -> None:
    clear = first(
        native,
        "SELECT sfzh FROM pol.rybjhc WHERE hczt = '1' AND sfzh NOT IN (SELECT sfzh FROM pol.wfjl)",
    )
    pending = first(native, "SELECT sfzh FROM pol.rybjhc WHERE hczt = '2'")
    flagged = first(native, "SELECT sfzh FROM pol.wfjl")
    asked = [clear, pending, flagged, NEVER_SUBMITTED, clear]
    response = police.post("/api/check/batch", json={"sfzh": asked})
    assert response.status_code == 200
    body = response.json()
    assert body["resultCode"] == "0"
    results = {result["sfzh"]: result for result in body["results"]}
    assert [result["sfzh"] for result in body["results"]] == asked[:4]  # duplicates once
    assert results[clear]["hczt"] == "1"
    assert re.fullmatch(r"\d{8}", results[clear]["hcrq"])
    assert results[clear]["jllb"] == []
    assert results[pending] == {"sfzh": pending, "hczt": "2", "hcrq": "", "jllb": []}
    assert results[flagged]["hczt"] == "1"
    assert results[flagged]["jllb"]
    assert set(results[flagged]["jllb"]) <= {"01", "02", "03", "04"}
    assert results[NEVER_SUBMITTED] == {
        "sfzh": NEVER_SUBMITTED,
        "hczt": "0",
        "hcrq": "",
        "jllb": [],
    }


def test_persons_cannot_be_listed(police: httpx.Client) -> None:
    # The only routes: health, and a POST that needs the ID numbers.
    app = police_app(Path("unused.db"))
    routes = [route for route in app.routes if isinstance(route, Route)]
    paths = {(route.path, tuple(sorted(route.methods or ()))) for route in routes}
    assert paths == {("/health", ("GET", "HEAD")), ("/api/check/batch", ("POST",))}
    assert police.get("/api/check/batch").status_code == 405
    for path in ("/api/check", "/api/persons", "/api/check/list", "/api/check/batch/all"):
        assert police.get(path).status_code == 404
        assert police.post(path, json={}).status_code in {404, 405}
    attempts: list[dict[str, object]] = [
        {},
        {"sfzh": []},
        {"sfzh": ["%"]},
        {"sfzh": ["*"]},
        {"sfzh": "410"},
    ]
    for body in attempts:
        response = police.post("/api/check/batch", json=body)
        assert response.status_code == 400, body
        assert "results" not in response.json()


def test_an_oversize_batch_is_refused(police: httpx.Client) -> None:
    response = police.post("/api/check/batch", json={"sfzh": [NEVER_SUBMITTED] * 21})
    assert response.status_code == 400
    body = response.json()
    assert body["resultCode"] == "E1002"
    assert "20" in body["resultMsg"]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"not json", "E1001"),
        (b'"11010519491231002X"', "E1001"),
        (b'{"sfzh": ["11010519491231002X"], "all": true}', "E1001"),
        (b'{"sfzh": [11010519491231002]}', "E1003"),
        (b'{"sfzh": ["110105194912310021"]}', "E1003"),
        (b'{"sfzh": ["110105194902300020"]}', "E1003"),
    ],
)
def test_bad_input_is_a_native_400(police: httpx.Client, content: bytes, code: str) -> None:
    response = police.post("/api/check/batch", content=content)
    assert response.status_code == 400
    assert response.json()["resultCode"] == code
