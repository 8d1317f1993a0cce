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
    assert paths == {
        ("/health", ("GET", "HEAD")),
        ("/api/check/batch", ("POST",)),
        ("/api/check/exceptions", ("POST",)),
    }
    assert police.get("/api/check/batch").status_code == 405
    assert police.get("/api/check/exceptions").status_code == 405
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
        # Exceptions answer a wildcard as the string it is: nobody under that number.
        answer = police.post("/api/check/exceptions", json=body).json()
        listed = [result["sfzh"] for result in answer.get("results", [])]
        assert listed in ([], body.get("sfzh")), body


def test_exceptions_are_the_batch_answers_of_everyone_not_clear(
    police: httpx.Client, native: sqlite3.Connection
) -> None:
    """The exceptions of a roster are exactly the batch answers that are not checked and
    clear, the same results in the same order."""
    flagged = [row[0] for row in native.execute("SELECT DISTINCT sfzh FROM pol.wfjl LIMIT 5")]
    people = [row[0] for row in native.execute("SELECT sfzh FROM edu.jzg ORDER BY sfzh LIMIT 22")]
    asked = [*flagged, *people, NEVER_SUBMITTED, people[0]]  # 29, 28 of them distinct
    full = [
        result
        for batch in (asked[:20], asked[20:28])
        for result in police.post("/api/check/batch", json={"sfzh": batch}).json()["results"]
    ]
    response = police.post("/api/check/exceptions", json={"sfzh": asked})
    assert response.status_code == 200
    exceptions = response.json()["results"]
    expected = [result for result in full if result["hczt"] != "1" or result["jllb"]]
    assert exceptions == expected
    assert {"0", "1"} <= {result["hczt"] for result in exceptions}, "never submitted, flagged"
    assert len(exceptions) < len(full)


def test_an_invalid_id_number_is_an_exception_not_a_refusal(police: httpx.Client) -> None:
    invalid = ["110105194912310021", "110105194902300020", "not an ID number"]
    response = police.post("/api/check/exceptions", json={"sfzh": invalid})
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"sfzh": person, "hczt": "0", "hcrq": "", "jllb": []} for person in invalid
    ]
    assert police.post("/api/check/exceptions", json={"sfzh": [4101]}).status_code == 400


@pytest.mark.parametrize(
    ("path", "limit"), [("/api/check/batch", 20), ("/api/check/exceptions", 30)]
)
def test_an_oversize_batch_is_refused_at_its_own_limit(
    police: httpx.Client, path: str, limit: int
) -> None:
    response = police.post(path, json={"sfzh": [NEVER_SUBMITTED] * (limit + 1)})
    assert response.status_code == 400
    body = response.json()
    assert body["resultCode"] == "E1002"
    assert str(limit) in body["resultMsg"]


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
