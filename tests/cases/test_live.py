"""The live notice over real connections (uvicorn on a local port, SQLite, one
worker: the in-process bus): a case referred to market supervision reaches market's
subscribers over ``graphql-transport-ws`` and over Server-Sent Events, and no other
department's; who may subscribe is the policy's and the token's business; every
subscription's start and end is in the access log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.cases.live_clients import CASE_ASSIGNED, RISK_RAISED, over_sse, over_websocket
from tests.support.harness import SandboxWorld
from tests.web.serving import ServedHub, served_hub
from xietong.hub.services import Hub
from xietong.kernel.db import create_sync_engine
from xietong.kernel.store import AuditEvent

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
{ institutions(filter: {region: "410200"}, first: 5) { edges { node { creditCode region } } } }
"""


# One worker runs the module, so that one served hub answers every test.
pytestmark = pytest.mark.xdist_group("live")


@pytest.fixture(scope="module")
def hub(world: SandboxWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHub]:
    folder = tmp_path_factory.mktemp("live")
    with served_hub(world, folder, {"XIETONG_CASE_SWEEP_SECONDS": "0"}) as served:
        yield served


async def ask(hub: ServedHub, client: str, query: str, variables: Any = None) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(
            f"{hub.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {hub.tokens[client]}", "X-Purpose": "live test"},
        )
    body: dict[str, Any] = answer.json()
    assert "errors" not in body, body
    return body


def audit_events(hub: ServedHub, after: int) -> list[AuditEvent]:
    engine = create_sync_engine(hub.settings.database_url)
    try:
        with Session(engine) as session:
            query = select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
            return list(session.scalars(query))
    finally:
        engine.dispose()


def subscription_events(hub: ServedHub) -> list[AuditEvent]:
    engine = create_sync_engine(hub.settings.database_url)
    try:
        with Session(engine) as session:
            return list(
                session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.operation_type == "subscription")
                    .order_by(AuditEvent.seq)
                )
            )
    finally:
        engine.dispose()


async def logged(
    read: Callable[[], list[AuditEvent]], enough: Callable[[list[AuditEvent]], bool]
) -> list[AuditEvent]:
    """What ``read`` finds in the access log once it is ``enough`` (or after 10 s,
    for the assertions to say what is missing): an event is written as its request
    or subscription ends, a moment after the client sees the end."""
    deadline = time.monotonic() + 10
    events = read()
    while not enough(events) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        events = read()
    return events


async def started(hub: ServedHub, count: int, since: int) -> None:
    """Wait until ``count`` subscriptions have logged their start since the ``since``
    first subscription events (they listen then)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        events = subscription_events(hub)[since:]
        starts = [e for e in events if e.duration_ms == 0 and e.outcome == "OK"]
        if len(starts) >= count:
            await asyncio.sleep(0.2)
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} subscriptions did not start")


async def referred_to_market(hub: ServedHub) -> str:
    schools = await ask(hub, "demo-education", SCHOOLS)
    code = schools["data"]["institutions"]["edges"][0]["node"]["creditCode"]
    issued = await ask(
        hub,
        "demo-education",
        ISSUE,
        {
            "input": {
                "creditCode": code,
                "basis": "《校外培训行政处罚暂行办法》第十四条",
                "items": ["publish the fee schedule"],
                "deadline": "2099-12-31",
            }
        },
    )
    case = issued["data"]["issueRectificationNotice"]
    referred = await ask(
        hub,
        "demo-education",
        REFER,
        {
            "input": {
                "caseId": case["id"],
                "to": "MARKET_SUPERVISION",
                "note": "fees",
                "expectedVersion": case["version"],
            }
        },
    )
    assert referred["data"]["referCase"]["assignedTo"] == "MARKET_SUPERVISION"
    return str(case["id"])


async def test_a_referral_reaches_the_departments_subscribers_over_websocket_and_sse(
    hub: ServedHub,
) -> None:
    before = len(subscription_events(hub))
    tokens = hub.tokens
    async with (
        over_websocket(hub.url, tokens["demo-market"], CASE_ASSIGNED) as market_ws,
        over_sse(hub.url, tokens["demo-market"], CASE_ASSIGNED) as market_sse,
        over_websocket(hub.url, tokens["demo-fire"], CASE_ASSIGNED) as fire_ws,
    ):
        await started(hub, 3, since=before)
        case_id = await referred_to_market(hub)
        by_ws, by_sse = await market_ws.first(), await market_sse.first()
        await asyncio.sleep(0.5)
        fire_got = list(fire_ws.payloads)

    for payload in (by_ws, by_sse):
        assigned = payload["data"]["caseAssigned"]
        assert assigned["reason"] == "REFERRED"
        assert assigned["case"]["id"] == case_id
        assert assigned["case"]["assignedTo"] == "MARKET_SUPERVISION"
        assert assigned["case"]["referredBy"] == "EDUCATION"
    assert fire_got == [], "fire safety's inbox is not market's"

    # The ends are logged as the connections close.
    events = await logged(
        lambda: subscription_events(hub)[before:],
        lambda events: sum(e.client_id == "demo-market" for e in events) >= 4,
    )
    market = [e for e in events if e.client_id == "demo-market"]
    assert len(market) == 4, "a start and an end for each of market's two subscriptions"
    assert all(e.operation_name == "Inbox" for e in market)
    assert all("Subscription.caseAssigned" in e.fields_read for e in market)
    ends = [e for e in market if e.duration_ms > 0]
    assert len(ends) == 2
    assert all(f"returned:id:{case_id}" in e.record_keys for e in ends)


async def test_a_role_the_policy_refuses_gets_forbidden_and_the_refusal_is_logged(
    hub: ServedHub,
) -> None:
    before = len(subscription_events(hub))
    async with (
        over_sse(hub.url, hub.tokens["demo-admin"], CASE_ASSIGNED) as admin_sse,
        over_websocket(hub.url, hub.tokens["demo-auditor"], CASE_ASSIGNED) as auditor_ws,
    ):
        refused_sse = await admin_sse.first()
        refused_ws = await auditor_ws.first()

    assert refused_sse["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert refused_ws["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    events = await logged(lambda: subscription_events(hub)[before:], lambda e: len(e) >= 2)
    assert sorted((e.client_id, e.outcome) for e in events) == [
        ("demo-admin", "DENIED"),
        ("demo-auditor", "DENIED"),
    ]


async def test_a_websocket_without_a_valid_token_is_closed_and_logged(hub: ServedHub) -> None:
    async with over_websocket(hub.url, None, CASE_ASSIGNED) as anonymous:
        pass
    async with over_websocket(hub.url, "not-a-token", CASE_ASSIGNED) as forged:
        pass

    assert anonymous.ended == "closed 4403"
    assert forged.ended == "closed 4403"
    refused = [e for e in subscription_events(hub) if e.outcome == "UNAUTHENTICATED"]
    assert len(refused) >= 2


async def test_risk_raised_outside_the_subscribers_region_is_out_of_scope(hub: ServedHub) -> None:
    async with over_sse(
        hub.url, hub.tokens["demo-education-district"], RISK_RAISED, {"region": "410100"}
    ) as elsewhere:
        answer = await elsewhere.first()

    assert answer["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"


CALM = """
{ institutions(filter: {region: "410202"}, first: 100) {
  edges { node { creditCode risk { level } } } } }
"""
ALARM = """
mutation($code: CreditCode!) { submitTipOff(input: {subject: {creditCode: $code},
  category: ILLEGAL_FEES, content: "the owner is leaving with a year of fees",
  channel: HOTLINE, concerns: [ABSCONDING]}) { ... on Case { id } } }
"""


async def test_an_alarming_tip_off_raises_the_risk_live_for_the_region(hub: ServedHub) -> None:
    schools = (await ask(hub, "demo-education", CALM))["data"]["institutions"]["edges"]
    calm = next(e["node"]["creditCode"] for e in schools if e["node"]["risk"]["level"] == "LOW")
    tokens = hub.tokens
    before = len(subscription_events(hub))
    async with (
        over_websocket(hub.url, tokens["demo-education-district"], RISK_RAISED) as district,
        over_sse(hub.url, tokens["demo-market"], RISK_RAISED, {"region": "410202"}) as market,
        over_sse(hub.url, tokens["demo-market"], RISK_RAISED, {"region": "410203"}) as next_door,
    ):
        await started(hub, 3, since=before)
        await ask(hub, "demo-education", ALARM, {"code": calm})
        heard = [(await district.first()), (await market.first())]
        await asyncio.sleep(0.5)
        elsewhere = list(next_door.payloads)

    for payload in heard:
        raised = payload["data"]["riskRaised"]
        assert (raised["creditCode"], raised["region"]) == (calm, "410202")
        assert (raised["previous"], raised["level"]) == ("LOW", "MEDIUM")
    assert elsewhere == [], "410203 is another district"


async def test_over_websocket_only_subscriptions_run_and_a_broken_document_closes_it(
    hub: ServedHub,
) -> None:
    token = hub.tokens["demo-market"]
    since = max((e.seq for e in audit_events(hub, 0)), default=0)
    async with over_websocket(hub.url, token, "{ me { clientId } }") as query:
        refused = await query.first()
    async with over_websocket(hub.url, token, "subscription {") as broken:
        unparsed = await broken.first()

    assert refused["errors"][0]["extensions"]["code"] == "BAD_REQUEST", "queries go over POST"
    assert unparsed["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    events = await logged(
        lambda: audit_events(hub, since),
        lambda events: sum(bool(e.error_codes) for e in events) >= 2,
    )
    # Earlier subscriptions may end now: only the errors are this test's.
    errors = [(e.client_id, e.outcome, e.error_codes) for e in events if e.error_codes]
    assert errors == [
        ("demo-market", "ERROR", ["BAD_REQUEST"]),
        ("demo-market", "ERROR", ["GRAPHQL_PARSE_FAILED"]),
    ]


async def test_a_subscription_ends_when_its_token_expires(hub: ServedHub) -> None:
    short = await Hub.open(hub.settings.with_changes(token_ttl_seconds=3))
    try:
        token = (await short.tokens.issue_access_token("demo-market")).access_token
    finally:
        await short.close()
    started_at = time.monotonic()
    async with (
        over_sse(hub.url, token, CASE_ASSIGNED) as by_sse,
        over_websocket(hub.url, token, CASE_ASSIGNED) as by_ws,
    ):
        for subscriber in (by_sse, by_ws):
            async with asyncio.timeout(15):
                await subscriber.arrived.wait()

    assert time.monotonic() - started_at < 10
    assert (by_sse.ended, by_ws.ended) == ("complete", "complete")
    assert (by_sse.payloads, by_ws.payloads) == ([], [])


async def test_a_subscription_asked_as_a_query_is_a_bad_request(hub: ServedHub) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        headers = {"Authorization": f"Bearer {hub.tokens['demo-market']}"}
        posted = await http.post(
            f"{hub.url}/graphql", json={"query": CASE_ASSIGNED}, headers=headers
        )
        got = await http.get(f"{hub.url}/graphql", params={"query": CASE_ASSIGNED}, headers=headers)

    for answer in (posted, got):
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.fixture
def limited(world: SandboxWorld, tmp_path: Path) -> Iterator[ServedHub]:
    """A hub allowing each client two requests a minute."""
    with served_hub(world, tmp_path, {"XIETONG_RATE_LIMIT": "2/minute"}) as served:
        yield served


async def test_each_subscription_spends_from_the_clients_rate_limit(limited: ServedHub) -> None:
    token = limited.tokens["demo-market"]
    async with AsyncExitStack() as stack:
        opened = []
        for number in range(3):  # each after the one before has started
            opened.append(
                await stack.enter_async_context(over_websocket(limited.url, token, CASE_ASSIGNED))
            )
            if number < 2:
                await started(limited, number + 1, since=0)
        first, second, third = opened
        refused = await third.first()
        assert (first.payloads, second.payloads) == ([], [])  # listening, not refused
    await asyncio.sleep(0.5)  # the first two log their end as they close

    error = refused["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] >= 1
    denied = [e for e in subscription_events(limited) if e.outcome == "DENIED"]
    assert [(e.client_id, e.error_codes) for e in denied] == [("demo-market", ["RATE_LIMITED"])]
