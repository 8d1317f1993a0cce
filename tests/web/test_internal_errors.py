"""Unexpected failures: the client gets INTERNAL and a correlation id, never a
traceback or SQL; the structured log gets the details under the same id."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.web.logs import JsonFormatter

SECRET_SQL = "SELECT jgmc FROM jgxx WHERE tyshxydm = 'secret'"


def structured(caplog: pytest.LogCaptureFixture, correlation_id: str) -> dict[str, Any]:
    """The JSON log line that carries ``correlation_id``."""
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(record)) for record in caplog.records]
    (line,) = [line for line in lines if line.get("correlation_id") == correlation_id]
    assert isinstance(line, dict)
    return line


def assert_nothing_leaks(text: str) -> None:
    for leak in ("Traceback", 'File "', SECRET_SQL, "jgxx", "RuntimeError"):
        assert leak not in text


async def first_code(harness: HubHarness) -> str:
    body = (
        await harness.graphql(
            "demo-education", "{ institutions(first: 1) { edges { node { creditCode } } } }"
        )
    ).json()
    code: str = body["data"]["institutions"]["edges"][0]["node"]["creditCode"]
    return code


async def test_a_resolver_failure_is_internal_with_its_id_in_the_json_log(
    sqlite_harness: HubHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    code = await first_code(sqlite_harness)

    async def broken(keys: Sequence[str]) -> None:
        raise RuntimeError(f"adapter bug near {SECRET_SQL}")

    monkeypatch.setattr(sqlite_harness.hub.adapters.education, "load", broken)
    with caplog.at_level(logging.ERROR):
        response = await sqlite_harness.graphql(
            "demo-education",
            "query ($c: CreditCode!) { institution(creditCode: $c) { name } }",
            {"c": code},
        )

    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    correlation_id = error["extensions"]["correlationId"]
    assert correlation_id in error["message"]
    assert_nothing_leaks(response.text)
    line = structured(caplog, correlation_id)
    assert line["error_type"] == "RuntimeError"
    assert SECRET_SQL in line["exception"]


async def test_a_failure_outside_graphql_is_a_coded_500_and_still_logged(
    sqlite_harness: HubHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token = await sqlite_harness.token("demo-education")

    async def broken(token: str) -> None:
        raise RuntimeError(f"verifier bug near {SECRET_SQL}")

    monkeypatch.setattr(sqlite_harness.hub.tokens.verifier, "verify", broken)
    with caplog.at_level(logging.ERROR):
        response = await sqlite_harness.http.post(
            "/graphql",
            json={"query": "{ me { clientId } }"},
            headers={"Authorization": f"Bearer {token}"},
        )

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert_nothing_leaks(response.text)
    assert SECRET_SQL in structured(caplog, error["extensions"]["correlationId"])["exception"]
    monkeypatch.undo()
    log = await sqlite_harness.graphql(
        "demo-auditor", "{ auditEvents(first: 5) { edges { node { outcome } } } }"
    )
    outcomes = [edge["node"]["outcome"] for edge in log.json()["data"]["auditEvents"]["edges"]]
    assert "ERROR" in outcomes


async def test_a_failing_route_other_than_graphql_is_a_coded_500(
    sqlite_harness: HubHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> None:
        raise RuntimeError("probe bug")

    monkeypatch.setattr(sqlite_harness.hub.sources, "probe", broken)

    response = await sqlite_harness.http.get("/readyz")

    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert_nothing_leaks(response.text)


@pytest.fixture
async def broken_education(
    migrated_sqlite_template: Path, tmp_path: Path, world: SandboxWorld
) -> Any:
    """The hub with the education bureau's database replaced by an empty one."""
    empty = tmp_path / "education.db"
    sqlite3.connect(empty).close()
    sources = tmp_path / "sources.toml"
    original = world.sources_file.read_text(encoding="utf-8")
    education_url = next(
        line.split("=", 1)[1].strip().strip('"')
        for line in original.splitlines()
        if line.startswith("url") and "education" in line
    )
    sources.write_text(original.replace(education_url, f"sqlite:///{empty}"), encoding="utf-8")
    database = tmp_path / "hub.db"
    shutil.copyfile(migrated_sqlite_template, database)
    broken = SandboxWorld(world.data_dir, sources, world.institutions)
    async with hub_harness(f"sqlite:///{database}", broken) as harness:
        yield harness


async def test_a_source_database_error_reaches_the_client_without_its_sql(
    broken_education: HubHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = await broken_education.graphql(
            "demo-education", "{ institutions(first: 1) { totalCount } }"
        )

    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    assert error["extensions"]["department"] == "EDUCATION"
    assert "no such table" not in response.text
    assert "database error" in error["message"]
    line = structured(caplog, error["extensions"]["correlationId"])
    assert "no such table" in line["reason"]
    assert "exception" not in line, "an expected failure: its reason, not a traceback"


def test_the_json_formatter_keeps_the_id_and_the_traceback() -> None:
    try:
        raise ValueError("the detail")
    except ValueError:
        record = logging.getLogger("xietong.test").makeRecord(
            "xietong.test",
            logging.ERROR,
            __file__,
            1,
            "failed %s",
            ("here",),
            exc_info=sys.exc_info(),
            extra={"correlation_id": "abc123"},
        )

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "failed here"
    assert line["level"] == "ERROR"
    assert line["correlation_id"] == "abc123"
    assert line["error_type"] == "ValueError"
    assert "the detail" in line["exception"]
