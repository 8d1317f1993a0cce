"""What an operator sees of a request: one log line per failing source, a request id
and trace id on every line, a span per department source, metrics per source."""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from prometheus_client.parser import text_string_to_metric_families

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from tests.support.tracing import recorded_spans
from xietong.sandbox.layout import sandbox_files
from xietong.web.logs import JsonFormatter

STAFF_PAGE = """query StaffPage { institutions(first: 5) { edges { node {
  name staff { name backgroundCheck { status } } } } } }"""

JOINT_RECORD = """query JointRecord($code: CreditCode!) { institution(creditCode: $code) {
  name license { status } courses { name } inspections { result }
  staff { idNumber backgroundCheck { status } }
  registration { status } complaints { filedOn }
  fireSafety { acceptance } funds { coverageRatio bank } } }"""

REGISTRATIONS = "{ institutions(first: 5) { edges { node { registration { status } } } } }"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def with_police_down(world: SandboxWorld, tmp_path: Path) -> SandboxWorld:
    text = world.sources_file.read_text(encoding="utf-8")
    text = re.sub(
        r'(name = "police-check"(?:.|\n)*?url = )"[^"]+"', r'\1"http://127.0.0.1:9"', text
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(text, encoding="utf-8")
    return replace(world, sources_file=sources)


@pytest.fixture
async def police_down(
    prepared_sqlite_template: Path, tmp_path: Path, world: SandboxWorld
) -> AsyncIterator[HubHarness]:
    database = tmp_path / "hub.db"
    shutil.copyfile(prepared_sqlite_template, database)
    async with hub_harness(
        f"sqlite:///{database}", with_police_down(world, tmp_path), register_clients=False
    ) as opened:
        yield opened


def json_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records]


async def test_a_failing_source_is_one_log_line_per_request_without_a_traceback(
    police_down: HubHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        first = await police_down.graphql("demo-education", STAFF_PAGE)
        second = await police_down.graphql("demo-education", STAFF_PAGE)

    unanswered = [e for e in first.json()["errors"] if e["extensions"]["source"] == "police-check"]
    assert len(unanswered) > 5, "every staff member's check is unanswered"
    lines = json_lines(caplog)
    warnings = [line for line in lines if line["level"] in {"WARNING", "ERROR", "CRITICAL"}]
    assert [(line["logger"], line["source"]) for line in warnings] == [
        ("xietong.sources", "police-check"),
        ("xietong.sources", "police-check"),
    ], "one line per failing source per request"
    assert warnings[0]["fields_unanswered"] == len(unanswered)
    assert warnings[0]["department"] == "PUBLIC_SECURITY"
    assert not any("exception" in line for line in lines)
    assert [line["request_id"] for line in warnings] == [
        first.headers["x-request-id"],
        second.headers["x-request-id"],
    ]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_request_id_the_client_sent_is_kept_and_a_bad_one_replaced(
    sqlite_harness: HubHarness,
) -> None:
    kept = await sqlite_harness.http.get("/healthz", headers={"X-Request-Id": "proxy-41.7"})
    replaced = await sqlite_harness.http.get(
        "/healthz", headers={"X-Request-Id": 'x"\n{"level": "forged"}'}
    )

    assert kept.headers["x-request-id"] == "proxy-41.7"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])


async def test_a_failing_sources_line_carries_the_callers_trace_id(
    police_down: HubHarness, caplog: pytest.LogCaptureFixture
) -> None:
    token = await police_down.token("demo-education")
    with caplog.at_level(logging.WARNING):
        await police_down.http.post(
            "/graphql",
            json={"query": STAFF_PAGE},
            headers={
                "Authorization": f"Bearer {token}",
                "X-Purpose": "test",
                "traceparent": TRACEPARENT,
            },
        )

    (line,) = [line for line in json_lines(caplog) if line["logger"] == "xietong.sources"]
    assert line["trace_id"] == TRACEPARENT.split("-")[1]


def test_uvicorn_access_lines_are_json_with_their_parts_as_fields() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/graphql", "1.1", 200),
        None,
    )

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == '127.0.0.1:5000 - "POST /graphql HTTP/1.1" 200'
    assert (line["method"], line["path"], line["status"]) == ("POST", "/graphql", 200)
    assert line["client"] == "127.0.0.1:5000"


async def test_a_joint_record_is_one_trace_with_a_span_per_department_source(
    sqlite_harness: HubHarness, world: SandboxWorld
) -> None:
    code = next(iter(_institutions(world)))
    token = await sqlite_harness.token("demo-education")
    with recorded_spans() as spans:
        response = await sqlite_harness.http.post(
            "/graphql",
            json={"query": JOINT_RECORD, "variables": {"code": code}},
            headers={
                "Authorization": f"Bearer {token}",
                "X-Purpose": "test",
                "traceparent": TRACEPARENT,
            },
        )

    assert "errors" not in response.json()
    trace_id = int(TRACEPARENT.split("-")[1], 16)
    assert {span.context.trace_id for span in spans} == {trace_id}, "the caller's trace goes on"
    by_name = {span.name: span for span in spans}
    operation = by_name["query JointRecord"]
    assert parent_of(by_name["POST /graphql"]) == int(TRACEPARENT.split("-")[2], 16)
    assert parent_of(operation) == span_of(by_name["POST /graphql"])
    sources = [span for span in spans if span.name.startswith("source ")]
    assert sorted(str((span.attributes or {})["xietong.source"]) for span in sources) == sorted(
        source.config.name for source in sqlite_harness.hub.sources
    ), "one span per department source"
    assert {parent_of(span) for span in sources} == {span_of(operation)}
    auditor = await sqlite_harness.graphql(
        "demo-auditor",
        '{ auditEvents(filter: {clientId: "demo-education"}) '
        "{ edges { node { operationName traceId } } } }",
    )
    events = [edge["node"] for edge in auditor.json()["data"]["auditEvents"]["edges"]]
    assert {"operationName": "JointRecord", "traceId": TRACEPARENT.split("-")[1]} in events


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent else None


def span_of(span: ReadableSpan) -> int | None:
    return span.context.span_id if span.context else None


def _institutions(world: SandboxWorld) -> list[str]:
    with sqlite3.connect(sandbox_files(world.data_dir).education) as connection:
        return [
            row[0]
            for row in connection.execute(
                "SELECT tyshxydm FROM jg_jbxx WHERE xzqh LIKE '4102%' LIMIT 5"
            )
        ]


async def test_metrics_show_each_source_its_failures_breaker_cache_and_the_requests(
    police_down: HubHarness,
) -> None:
    for _ in range(6):  # the breaker opens after five failed calls in a row
        await police_down.graphql("demo-education", STAFF_PAGE)
    for _ in range(2):  # the second time from the cache
        await police_down.graphql("demo-education", REGISTRATIONS)

    text = (await police_down.http.get("/metrics")).text
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples.get((name, frozenset(labels.items())), 0.0)

    police = {"source": "police-check", "department": "PUBLIC_SECURITY"}
    assert value("xietong_source_errors_total", **police, reason="failed") >= 5
    assert value("xietong_source_errors_total", **police, reason="circuit_open") >= 1
    assert value("xietong_source_circuit_state", **police) == 1
    education = {"source": "education-platform", "department": "EDUCATION"}
    assert value("xietong_source_call_duration_seconds_count", **education, outcome="ok") >= 1
    assert value("xietong_source_up", source="police-check") == 0
    assert value("xietong_source_up", source="education-platform") == 1
    assert value("xietong_source_cache_lookups_total", source="market-registry", result="hit") >= 5
    asked = {"client": "demo-education", "operation": "StaffPage"}
    assert value("xietong_requests_total", path="/graphql", **asked, outcome="PARTIAL") >= 6
    assert value("xietong_request_errors_total", **asked, code="SOURCE_UNAVAILABLE") >= 6
    assert value("xietong_access_log_append_seconds_count") >= 6
