"""No write without its audit event, even when workers die: ``xietong serve
--workers 2`` on PostgreSQL, review mutations (open, sign, revoke, publish) from
several clients at once, a worker SIGKILLed again and again meanwhile; then every
change stored is matched, at the database, against the events."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import POSTGRES_URL
from tests.support.harness import SandboxWorld
from tests.support.processes import Serving, kill, register_and_issue, serving
from xietong.audit.verify import verify_chain
from xietong.kernel.db import create_sync_engine
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.sandbox.reference import REFERENCE_DATE

# Several processes (serve workers, signals): left out of `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

YEARS = range(2021, 2026)
EARLIER_YEARS = range(2020, 1999, -1)
KILLS = 6
RESULT = "... on AnnualReview { id version status } ... on ReviewError { code }"
OPEN = (
    "mutation ($c: CreditCode!, $y: Int!) { openAnnualReview(input: {creditCode: $c, year: $y})"
    f" {{ {RESULT} }} }}"
)
SIGN = (
    "mutation ($id: ID!, $v: Int!) { signAnnualReview(input: {reviewId: $id, conclusion: PASS,"
    f' findings: "in order", expectedVersion: $v}}) {{ {RESULT} }} }}'
)
REVOKE = (
    "mutation ($id: ID!, $v: Int!) { revokeSignature(input: {reviewId: $id, expectedVersion: $v})"
    f" {{ {RESULT} }} }}"
)
PUBLISH = (
    "mutation ($id: ID!, $v: Int!) { publishAnnualReview(input: {reviewId: $id, "
    f"expectedVersion: $v}}) {{ {RESULT} }} }}"
)
FIND = (
    "query ($c: CreditCode!) { institution(creditCode: $c) { annualReviews { id year version } } }"
)


@pytest.fixture
def database_url(postgres_schema_url: str) -> str:
    upgrade(postgres_schema_url)
    return postgres_schema_url


class Clients:
    def __init__(self, hub: Serving, tokens: dict[str, str]) -> None:
        self.hub, self.tokens = hub, tokens

    async def ask(
        self, http: httpx.AsyncClient, client: str, query: str, variables: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The answer's data, or None when the worker died under it (or failed closed)."""
        try:
            answer = await http.post(
                f"{self.hub.url}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.tokens[client]}", "X-Purpose": "review"},
            )
        except httpx.TransportError:
            return None
        data = answer.json().get("data") if answer.status_code == 200 else None
        return data if isinstance(data, dict) else None


async def review_round(clients: Clients, code: str, year: int) -> None:
    """Open, sign twice, revoke, sign again and publish one review, as partner systems
    would: each step read afresh and retried (a few times) if the worker died."""
    async with httpx.AsyncClient(
        timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
    ) as http:

        async def current() -> dict[str, Any] | None:
            data = await clients.ask(http, "demo-education", FIND, {"c": code})
            if data is None or data["institution"] is None:
                return None
            return next(
                (r for r in data["institution"]["annualReviews"] if r["year"] == year), None
            )

        steps = [
            ("demo-education", OPEN),
            ("demo-education", SIGN),
            ("demo-culture", SIGN),
            ("demo-culture", REVOKE),
            ("demo-culture", SIGN),
            ("demo-education", PUBLISH),
        ]
        for client, query in steps:
            for _ in range(5):
                review = await current()
                variables: dict[str, Any] = (
                    {"c": code, "y": year}
                    if review is None
                    else {"id": review["id"], "v": review["version"]}
                )
                if review is None and query is not OPEN:
                    break
                data = await clients.ask(http, client, query, variables)
                if data is not None and next(iter(data.values())).get("code") != "VERSION_CONFLICT":
                    break


def killer(hub: Serving, stop: threading.Event, killed: list[int]) -> None:
    """SIGKILL a worker every 0.4-1 s while the mutations run, waiting each time for
    its replacement."""
    while not stop.is_set() and len(killed) < KILLS:
        time.sleep(random.uniform(0.4, 1.0))
        alive = hub.wait_for_workers(2)
        victim = random.choice(sorted(alive))
        kill(victim)
        killed.append(victim)
        hub.wait_for_workers(2, without={victim})


def test_every_review_change_has_its_event_though_workers_are_killed(
    world: SandboxWorld, database_url: str, tmp_path: Path
) -> None:
    env = {
        "XIETONG_DATABASE_URL": database_url,
        "XIETONG_SOURCES": str(world.sources_file),
        "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
        "XIETONG_RATE_LIMIT": "100000/minute",
    }
    tokens = register_and_issue(Settings.from_env(env, data_dir=tmp_path))
    with serving(env, tmp_path) as hub:
        clients = Clients(hub, tokens)
        found = httpx.post(
            f"{hub.url}/graphql",
            json={
                "query": "{ institutions(filter: {supervisor: CULTURE_TOURISM}, first: 6) "
                "{ edges { node { creditCode } } } }"
            },
            headers={"Authorization": f"Bearer {tokens['demo-culture']}"},
            timeout=30,
        ).json()
        codes = [edge["node"]["creditCode"] for edge in found["data"]["institutions"]["edges"]]
        stop, killed = threading.Event(), list[int]()
        killing = threading.Thread(target=killer, args=(hub, stop, killed))
        killing.start()

        # Every code's recent years, then earlier ones for as long as the killer is still
        # at work: a faster hub must not finish its mutations before the kills.
        rounds = iter([(code, year) for year in YEARS for code in codes])
        later = iter([(code, year) for year in EARLIER_YEARS for code in codes])

        async def all_rounds() -> None:
            async def worker() -> None:
                for code, year in rounds:
                    await review_round(clients, code, year)
                while killing.is_alive():
                    taken = next(later, None)
                    if taken is None:
                        return
                    await review_round(clients, *taken)

            await asyncio.gather(*(worker() for _ in range(8)))

        try:
            asyncio.run(all_rounds())
        finally:
            stop.set()
            killing.join(timeout=120)

    assert len(killed) >= 3, f"workers were killed while the mutations ran: {killed}"
    reviews, signatures, events = stored(database_url)
    assert len(reviews) >= 10, "the mutations got through often enough to mean something"
    changed_by: dict[str, Counter[str]] = {review_id: Counter() for review_id in reviews}
    for department, keys in events:
        for key in keys:
            if key.startswith("changed:id:"):
                changed_by[key.removeprefix("changed:id:")][department] += 1
    unlogged = {
        review_id: (version, sum(changed_by[review_id].values()))
        for review_id, version in reviews.items()
        if sum(changed_by[review_id].values()) != version
    }
    # Each change moves a review's version by one (opening makes version 1).
    assert unlogged == {}, "review id: (changes stored, events of changes)"
    # Each signature was made, and each revocation, by a request of its department.
    signed_or_revoked = Counter[tuple[str, str]]()
    for review_id, department, revoked in signatures:
        signed_or_revoked[review_id, department] += 1 + revoked
    for (review_id, department), changes in signed_or_revoked.items():
        assert changed_by[review_id][department] >= changes, (review_id, department)
    engine = create_sync_engine(database_url)
    try:
        report = verify_chain(engine)
    finally:
        engine.dispose()
    assert report.intact, report


def stored(
    database_url: str,
) -> tuple[dict[str, int], list[tuple[str, str, bool]], list[tuple[str, list[str]]]]:
    """Reviews (id: version), signatures (review, department, revoked) and events
    (department, record keys), as the database holds them."""
    schema = database_url.rsplit("%3D", 1)[1]
    with psycopg.connect(POSTGRES_URL) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        reviews: dict[str, int] = dict(
            connection.execute("SELECT id, version FROM annual_reviews").fetchall()
        )
        signatures = [
            (review_id, department, revoked_at is not None)
            for review_id, department, revoked_at in connection.execute(
                "SELECT review_id, department, revoked_at FROM review_signatures"
            )
        ]
        events = [
            (department or "", keys if isinstance(keys, list) else json.loads(keys))
            for department, keys in connection.execute(
                "SELECT department, record_keys FROM audit_events"
            )
        ]
    return reviews, signatures, events
