"""Trusted documents: a client runs a registered document by its id, a client set to
trusted documents only runs nothing else, and the access log names the document."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import select

from tests.support.harness import HubHarness
from xietong.audit.verify import verify_chain
from xietong.auth.trusted_documents import document_id_of
from xietong.kernel.store import AuditEvent

ME = "query Me { me { clientId region } }"
ME_ID = document_id_of(ME)
GRAPHQL_RESPONSE = "application/graphql-response+json"


async def ask(
    harness: HubHarness, client_id: str, body: dict[str, Any], *, method: str = "POST"
) -> httpx.Response:
    headers = {
        "Authorization": f"Bearer {await harness.token(client_id)}",
        "Accept": GRAPHQL_RESPONSE,
    }
    if method == "GET":
        return await harness.http.get("/graphql", params=body, headers=headers)
    return await harness.http.post("/graphql", json=body, headers=headers)


def code_of(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


async def last_event(harness: HubHarness) -> AuditEvent:
    async with harness.hub.sessions() as session:
        return (
            await session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        ).one()


async def test_a_registered_document_runs_by_its_id_and_the_log_names_it(
    harness: HubHarness,
) -> None:
    _, added = await harness.hub.tokens.documents.add("demo-education", ME, name="me.graphql")

    posted = await ask(harness, "demo-education", {"documentId": ME_ID})
    event = await last_event(harness)
    got = await ask(harness, "demo-education", {"documentId": ME_ID}, method="GET")

    assert added
    assert posted.status_code == 200, posted.text
    assert posted.json()["data"]["me"]["clientId"] == "demo-education"
    assert got.json()["data"]["me"]["clientId"] == "demo-education"
    assert event.document_hash == ME_ID
    assert event.operation_name == "Me"
    assert event.outcome == "OK"
    report = await asyncio.to_thread(verify_chain, harness.hub.sync_engine)
    assert report.intact, report


async def test_an_unknown_document_id_is_refused_and_logged(harness: HubHarness) -> None:
    await harness.hub.tokens.documents.add("demo-education", ME)

    unknown = document_id_of("{ me { clientId } }")
    response = await ask(harness, "demo-education", {"documentId": unknown})
    event = await last_event(harness)
    # Registered for one client is not registered for another.
    other = await ask(harness, "demo-market", {"documentId": ME_ID})

    assert response.status_code == 400
    assert code_of(response) == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" not in response.json()
    assert event.document_hash == unknown
    assert event.error_codes == ["PERSISTED_QUERY_NOT_FOUND"]
    assert code_of(other) == "PERSISTED_QUERY_NOT_FOUND"


async def test_an_unregistered_document_is_refused_for_a_trusted_documents_only_client(
    harness: HubHarness,
) -> None:
    documents = harness.hub.tokens.documents
    await documents.add("demo-education", ME)
    await harness.hub.tokens.clients.require_trusted_documents("demo-education", only=True)
    free_text = "{ institutions(first: 1) { totalCount } }"

    refused = await ask(harness, "demo-education", {"query": free_text})
    refused_event = await last_event(harness)
    by_text = await ask(harness, "demo-education", {"query": ME})
    by_id = await ask(harness, "demo-education", {"documentId": ME_ID})
    elsewhere = await ask(harness, "demo-market", {"query": free_text})

    assert refused.status_code == 400
    assert code_of(refused) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert refused_event.outcome == "DENIED"
    assert refused_event.document_hash == document_id_of(free_text)
    assert refused_event.fields_read == []
    assert by_text.json()["data"]["me"]["clientId"] == "demo-education"
    assert by_id.json()["data"]["me"]["clientId"] == "demo-education"
    assert elsewhere.json()["data"]["institutions"]["totalCount"] > 0


async def test_a_removed_document_stops_working_at_once(harness: HubHarness) -> None:
    documents = harness.hub.tokens.documents
    await documents.add("demo-education", ME)
    before = await ask(harness, "demo-education", {"documentId": ME_ID})

    await documents.remove("demo-education", ME_ID)
    after = await ask(harness, "demo-education", {"documentId": ME_ID})

    assert before.status_code == 200
    assert code_of(after) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_client_allowed_any_document_again_runs_free_text(
    sqlite_harness: HubHarness,
) -> None:
    clients = sqlite_harness.hub.tokens.clients
    await clients.require_trusted_documents("demo-education", only=True)
    refused = await ask(sqlite_harness, "demo-education", {"query": ME})

    await clients.require_trusted_documents("demo-education", only=False)
    allowed = await ask(sqlite_harness, "demo-education", {"query": ME})

    assert code_of(refused) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert allowed.json()["data"]["me"]["clientId"] == "demo-education"


async def test_a_malformed_or_contradicted_document_id_is_a_400(
    sqlite_harness: HubHarness,
) -> None:
    await sqlite_harness.hub.tokens.documents.add("demo-education", ME)

    malformed = await ask(sqlite_harness, "demo-education", {"documentId": "md5:abc"})
    not_text = await ask(sqlite_harness, "demo-education", {"documentId": 12})
    contradicted = await ask(
        sqlite_harness, "demo-education", {"documentId": ME_ID, "query": "{ __typename }"}
    )

    for response in (malformed, not_text, contradicted):
        assert response.status_code == 400
        assert code_of(response) == "BAD_USER_INPUT"
