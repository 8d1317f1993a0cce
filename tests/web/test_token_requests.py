"""Every token request is one access-log event; refusals tell nothing of which
clients exist; guessing tokens or secrets spends the guesser's budget."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.kernel.store import AuditEvent

SECRET = "edu-secret-5f2c9a1b7e"


@pytest.fixture
async def hub(hub_database_url: str, world: SandboxWorld) -> AsyncIterator[HubHarness]:
    env = {"XIETONG_TOKEN_RATE_LIMIT": "1000/second", "XIETONG_RATE_LIMIT": "5/minute"}
    async with hub_harness(hub_database_url, world, env=env) as harness:
        clients = harness.hub.tokens.clients
        for client_id in ("edu-secret", "edu-gone"):
            await clients.add(
                client_id,
                name="Kaifeng education bureau",
                department="EDUCATION",
                roles=["education.supervisor"],
                region="410200",
                secret=SECRET,
            )
        await clients.disable("edu-gone")
        yield harness


async def token_request(harness: HubHarness, client_id: str, secret: str) -> httpx.Response:
    return await harness.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


async def events(harness: HubHarness) -> list[dict[str, Any]]:
    async with harness.hub.sessions() as session:
        rows = (await session.scalars(select(AuditEvent).order_by(AuditEvent.seq))).all()
    return [
        {
            "client_id": row.client_id,
            "operation_type": row.operation_type,
            "operation_name": row.operation_name,
            "outcome": row.outcome,
            "text": json.dumps(
                {c.name: str(getattr(row, c.name)) for c in AuditEvent.__table__.columns}
            ),
        }
        for row in rows
    ]


async def test_every_token_request_is_one_event_without_the_secret(hub: HubHarness) -> None:
    granted = await token_request(hub, "edu-secret", SECRET)
    wrong = await token_request(hub, "edu-secret", "guess-1")
    unknown = await token_request(hub, "nobody", "guess-2")

    assert granted.status_code == 200
    assert [wrong.status_code, unknown.status_code] == [401, 401]
    logged = [e for e in await events(hub) if e["operation_type"] == "token"]
    assert [(e["client_id"], e["operation_name"], e["outcome"]) for e in logged] == [
        ("edu-secret", "client_secret_basic", "OK"),
        ("edu-secret", "client_secret_basic", "UNAUTHENTICATED"),
        ("nobody", "client_secret_basic", "UNAUTHENTICATED"),
    ]
    for event in logged:
        for secret in (SECRET, "guess-1", "guess-2"):
            assert secret not in event["text"]


async def test_unknown_disabled_and_wrong_secret_get_one_answer(hub: HubHarness) -> None:
    answers = [
        await token_request(hub, "nobody", SECRET),
        await token_request(hub, "edu-gone", SECRET),
        await token_request(hub, "edu-secret", "wrong"),
    ]

    assert {a.status_code for a in answers} == {401}
    bodies = {json.dumps(a.json(), sort_keys=True) for a in answers}
    assert len(bodies) == 1, bodies
    assert answers[0].json()["error"] == "invalid_client"


async def test_bad_bearer_tokens_spend_the_addresss_budget(hub: HubHarness) -> None:
    statuses = [
        (
            await hub.http.post(
                "/graphql",
                json={"query": "{ me { clientId } }"},
                headers={"Authorization": f"Bearer not-a-token-{n}"},
            )
        ).status_code
        for n in range(8)
    ]

    assert statuses == [401] * 5 + [429] * 3
    denied = [e for e in await events(hub) if e["outcome"] == "DENIED"]
    assert len(denied) == 3
