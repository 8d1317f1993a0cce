"""The live notice across workers: ``xietong serve --workers 2`` on PostgreSQL (the
bus is its LISTEN/NOTIFY), subscribers spread over both workers by the kernel, a
case referred through one worker reaching market's subscribers on both, over
``graphql-transport-ws`` and over Server-Sent Events; the sweep (one worker a turn)
announcing an overdue referral once."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.cases.live_clients import CASE_ASSIGNED, Received, over_sse, over_websocket
from tests.cli.test_workers import POSTGRES_URL, REDIS_URL, _reachable_or_skip
from tests.support.harness import SandboxWorld
from tests.support.processes import register_and_issue, serving
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.sandbox.reference import REFERENCE_DATE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-workers")]

ISSUE = """
mutation($input: IssueRectificationNoticeInput!) {
  issueRectificationNotice(input: $input) { ... on Case { id version } ... on CaseError { code } }
}
"""
REFER = """
mutation($input: ReferCaseInput!) {
  referCase(input: $input) { ... on Case { id version assignedTo } ... on CaseError { code } }
}
"""
SCHOOLS = """
{ institutions(filter: {region: "410200"}, first: 1) { edges { node { creditCode } } } }
"""


@dataclass(frozen=True)
class Served:
    url: str
    log: Path
    tokens: dict[str, str]
    schema: str

    def started(self) -> dict[tuple[int, str], int]:
        """(worker process, transport) → subscriptions started there."""
        counts: dict[tuple[int, str], int] = {}
        for line in self.log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line) if line.startswith("{") else {}
            if entry.get("logger") == "xietong.live" and "started by" in entry.get("message", ""):
                key = (entry["process"], entry["transport"])
                counts[key] = counts.get(key, 0) + 1
        return counts


@pytest.fixture(scope="module")
def served(world: SandboxWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    _reachable_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    database_url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    folder = tmp_path_factory.mktemp("live-workers")
    env = {
        "XIETONG_DATABASE_URL": database_url,
        "XIETONG_SOURCES": str(world.sources_file),
        "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
        "XIETONG_REDIS_URL": REDIS_URL,
        "XIETONG_RATE_LIMIT": "6000/minute",
        "XIETONG_RATE_LIMIT_PREFIX": f"test-{schema}",
        "XIETONG_LOG_LEVEL": "INFO",
        "XIETONG_CASE_SWEEP_SECONDS": "0",
    }
    try:
        upgrade(database_url)
        tokens = register_and_issue(Settings.from_env(env, data_dir=folder))
        with serving(env, folder) as process:
            yield Served(process.url, process.log, tokens, schema)
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def ask(served: Served, client: str, query: str, variables: Any = None) -> dict[str, Any]:
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        answer = await http.post(
            f"{served.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {served.tokens[client]}"},
        )
    body: dict[str, Any] = answer.json()
    assert "errors" not in body, body
    return body


async def subscribers_on_both_workers(
    served: Served, stack: AsyncExitStack, most: int = 48
) -> list[Received]:
    """Market's subscribers, by WebSocket and SSE in turn, on fresh connections
    until both workers hold some of each kind (the kernel spreads them, unevenly on
    a busy machine: once, eight WebSockets in a row went to the same worker)."""
    token = served.tokens["demo-market"]
    opened: list[Received] = []
    for number in range(most):
        kind = over_websocket if number % 2 == 0 else over_sse
        opened.append(await stack.enter_async_context(kind(served.url, token, CASE_ASSIGNED)))
        deadline = time.monotonic() + 10
        while sum(served.started().values()) < len(opened):
            assert time.monotonic() < deadline, "a subscription did not start"
            await asyncio.sleep(0.1)
        if len(served.started()) == 4:  # both workers, both transports
            return opened
    raise AssertionError(f"subscriptions did not spread: {served.started()}")


async def referred_to_market(served: Served) -> str:
    schools = await ask(served, "demo-education", SCHOOLS)
    code = schools["data"]["institutions"]["edges"][0]["node"]["creditCode"]
    notice = {
        "creditCode": code,
        "basis": "《校外培训行政处罚暂行办法》第十四条",
        "items": ["publish the fee schedule"],
        "deadline": "2099-12-31",
    }
    issued = await ask(served, "demo-education", ISSUE, {"input": notice})
    case = issued["data"]["issueRectificationNotice"]
    refer = {"caseId": case["id"], "to": "MARKET_SUPERVISION", "note": "fees"}
    await ask(
        served, "demo-education", REFER, {"input": {**refer, "expectedVersion": case["version"]}}
    )
    return str(case["id"])


async def test_a_referral_through_one_worker_reaches_subscribers_on_both(served: Served) -> None:
    async with AsyncExitStack() as stack:
        subscribers = await subscribers_on_both_workers(served, stack)
        case_id = await referred_to_market(served)
        payloads = await asyncio.gather(*(subscriber.first() for subscriber in subscribers))

    started = served.started()
    assert len({worker for worker, _ in started}) == 2, started
    for payload in payloads:
        assert payload["data"]["caseAssigned"]["reason"] == "REFERRED"
        assert payload["data"]["caseAssigned"]["case"]["id"] == case_id


async def test_sixteen_concurrent_notices_over_both_workers_get_sixteen_gapless_numbers(
    served: Served,
) -> None:
    schools = await ask(served, "demo-education", SCHOOLS)
    code = schools["data"]["institutions"]["edges"][0]["node"]["creditCode"]
    notice = {
        "creditCode": code,
        "basis": "《广告法》第二十四条",
        "items": ["withdraw the leaflets"],
        "deadline": "2099-12-31",
    }
    numbered = ISSUE.replace("{ id version }", "{ id version number }")
    answers = await asyncio.gather(
        *(ask(served, "demo-market", numbered, {"input": notice}) for _ in range(16))
    )

    numbers = {answer["data"]["issueRectificationNotice"]["number"] for answer in answers}
    year = REFERENCE_DATE.year
    assert numbers == {f"汴市监整改〔{year}〕{n}号" for n in range(1, 17)}
    served_by = {
        entry["process"]
        for line in served.log.read_text(encoding="utf-8").splitlines()
        if line.startswith("{") and (entry := json.loads(line)).get("logger") == "uvicorn.access"
    }
    assert len(served_by) == 2, "both workers answered"
