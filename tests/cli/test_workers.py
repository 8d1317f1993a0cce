"""``xietong serve --workers 2`` against PostgreSQL and Redis, under concurrent load:
one linear audit chain, one shared rate-limit budget, each signature once, and
structured logs from every process."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from tests.support.harness import SandboxWorld
from tests.support.processes import register_and_issue, serving
from xietong.audit.verify import verify_chain
from xietong.kernel.db import create_sync_engine
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.sandbox.reference import REFERENCE_DATE

POSTGRES_URL = os.environ.get(
    "XIETONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("XIETONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RATE = 60
"""Requests per client per minute in these tests."""
PURPOSE = {"X-Purpose": "worker test"}

# One xdist worker takes the whole module, so that two serving processes start once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve-workers")]


@dataclass(frozen=True)
class Workers:
    url: str
    database_url: str
    log: Path
    tokens: dict[str, str]

    async def ask(
        self, http: httpx.AsyncClient, client_id: str, query: str, variables: Any = None
    ) -> httpx.Response:
        return await http.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.tokens[client_id]}", **PURPOSE},
        )

    def log_lines(self) -> list[dict[str, Any]]:
        text = self.log.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _reachable_or_skip() -> None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            pass
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (psycopg.OperationalError, redis.exceptions.ConnectionError) as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL or Redis is unreachable in CI: {error}")
        pytest.skip(f"PostgreSQL or Redis is unreachable: {error}")


@pytest.fixture(scope="module")
def workers(world: SandboxWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """Two uvicorn workers over a migrated PostgreSQL schema of their own."""
    _reachable_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    database_url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    folder = tmp_path_factory.mktemp("workers")
    env = {
        "XIETONG_DATABASE_URL": database_url,
        "XIETONG_SOURCES": str(world.sources_file),
        "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
        "XIETONG_REDIS_URL": REDIS_URL,
        "XIETONG_RATE_LIMIT": f"{RATE}/minute",
        "XIETONG_RATE_LIMIT_PREFIX": f"test-{schema}",
    }
    try:
        upgrade(database_url)
        tokens = register_and_issue(Settings.from_env(env, data_dir=folder))
        with serving(env, folder) as served:
            yield Workers(served.url, database_url, served.log, tokens)
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


Job = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def concurrently(jobs: Sequence[Job], clients: int = 16) -> list[httpx.Response]:
    """Run ``jobs`` from ``clients`` concurrent clients, each on fresh connections
    (so the kernel spreads them over both workers)."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        gate = asyncio.Semaphore(clients)

        async def run(job: Job) -> httpx.Response:
            async with gate:
                return await job(http)

        return await asyncio.gather(*(run(job) for job in jobs))


def stored_events(workers: Workers) -> list[dict[str, Any]]:
    with psycopg.connect(POSTGRES_URL) as connection:
        schema = workers.database_url.rsplit("%3D", 1)[1]
        connection.execute(f'SET search_path TO "{schema}"')
        rows = connection.execute("SELECT seq, client_id, outcome FROM audit_events ORDER BY seq")
        return [
            {"seq": seq, "client_id": client, "outcome": outcome} for seq, client, outcome in rows
        ]


def assert_chain_intact(workers: Workers) -> None:
    engine = create_sync_engine(workers.database_url)
    try:
        report = verify_chain(engine)
    finally:
        engine.dispose()
    assert report.intact, report
    events = stored_events(workers)
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    assert report.events == len(events), "the check covered every stored event"


JOINT = (
    "{ me { clientId } institutions(first: 5) { edges { node { creditCode name "
    "registration { status } fireSafety { acceptance } } } } }"
)
LOAD_CLIENTS = ["demo-police", "demo-fire", "demo-finance", "demo-sports", "demo-tech"]
"""Not the signers of the review test, whose budgets that test needs."""


async def test_two_workers_under_load_keep_one_linear_audit_chain(workers: Workers) -> None:
    before = len(stored_events(workers))
    jobs = [
        partial(workers.ask, client_id=client, query=JOINT)
        for _ in range(RATE // 2)
        for client in LOAD_CLIENTS
    ]

    answers = await concurrently(jobs)

    assert Counter(answer.status_code for answer in answers) == {200: len(jobs)}
    assert all("errors" not in answer.json() for answer in answers)
    assert len(stored_events(workers)) == before + len(jobs)
    assert_chain_intact(workers)
    access = [line for line in workers.log_lines() if line["logger"] == "uvicorn.access"]
    assert len({line["process"] for line in access}) == 2, "both workers answered"


async def test_the_workers_share_one_rate_limit_budget(workers: Workers) -> None:
    jobs = [
        partial(workers.ask, client_id="demo-market", query="{ me { clientId } }")
        for _ in range(RATE + 20)
    ]

    answers = await concurrently(jobs)

    assert Counter(answer.status_code for answer in answers) == {200: RATE, 429: 20}
    refused = [answer for answer in answers if answer.status_code == 429]
    assert all(answer.headers["retry-after"].isdigit() for answer in refused)
    market = [event for event in stored_events(workers) if event["client_id"] == "demo-market"]
    assert Counter(event["outcome"] for event in market) == {"OK": RATE, "DENIED": 20}
    assert_chain_intact(workers)


SIGN = """
mutation ($id: ID!, $version: Int!) {
  signAnnualReview(input: {reviewId: $id, conclusion: PASS, findings: "in order",
                           expectedVersion: $version}) {
    ... on AnnualReview { version status }
    ... on ReviewError { code }
  }
}
"""
REVIEW = "query ($id: ID!) { annualReview(id: $id) { version status signatures { department } } }"


async def test_concurrent_signers_on_both_workers_sign_exactly_once(workers: Workers) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        found = await workers.ask(
            http,
            "demo-culture",
            "{ institutions(filter: {supervisor: CULTURE_TOURISM}, first: 1) "
            "{ edges { node { creditCode } } } }",
        )
        code = found.json()["data"]["institutions"]["edges"][0]["node"]["creditCode"]
        opened = await workers.ask(
            http,
            "demo-education",
            "mutation ($c: CreditCode!) { openAnnualReview(input: {creditCode: $c, year: 2025}) "
            "{ ... on AnnualReview { id version } ... on ReviewError { code } } }",
            {"c": code},
        )
        review = opened.json()["data"]["openAnnualReview"]

    async def sign_until_done(http: httpx.AsyncClient, client: str) -> httpx.Response:
        """A signer that retries on a version conflict, as a partner system would."""
        for _ in range(20):
            current = await workers.ask(http, client, REVIEW, {"id": review["id"]})
            version = current.json()["data"]["annualReview"]["version"]
            answer = await workers.ask(http, client, SIGN, {"id": review["id"], "version": version})
            if answer.json()["data"]["signAnnualReview"].get("code") != "VERSION_CONFLICT":
                return answer
        raise AssertionError(f"{client} never got past version conflicts")

    jobs = [
        partial(sign_until_done, client=client)
        for _ in range(4)
        for client in ("demo-education", "demo-culture")
    ]
    answers = await concurrently(jobs, clients=8)

    results = [answer.json()["data"]["signAnnualReview"] for answer in answers]
    assert sum("status" in result for result in results) == 2
    assert (
        sorted(result["code"] for result in results if "code" in result) == ["ALREADY_SIGNED"] * 6
    )
    async with httpx.AsyncClient(timeout=30) as http:
        final = (await workers.ask(http, "demo-education", REVIEW, {"id": review["id"]})).json()
    signatures = final["data"]["annualReview"]["signatures"]
    assert sorted(signature["department"] for signature in signatures) == [
        "CULTURE_TOURISM",
        "EDUCATION",
    ]
    assert final["data"]["annualReview"]["status"] == "COSIGNED"


def test_every_process_logs_json(workers: Workers) -> None:
    lines = workers.log_lines()  # raises on a line that is not JSON

    assert len({line["process"] for line in lines}) >= 3  # the supervisor and two workers
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
