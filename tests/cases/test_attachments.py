"""An inspection's attachments over HTTP, on SQLite and PostgreSQL, in the hub store
and in a configured directory: declared with the inspection, uploaded by a
department it involves, checked against the declared SHA-256 and size and the
limits, read back with a token by whoever may read the case; one access-log event
per request."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.kernel.case_tables import AttachmentBlob
from xietong.kernel.store import AuditEvent

PHOTO = b"\xff\xd8\xff\xe0" + b"entrance without a licence on the wall" * 10
RECORD = "现场检查笔录：未悬挂办学许可证".encode()
LIMIT = 1000
RECORD_INSPECTION = """
mutation($input: RecordInspectionInput!) { recordInspection(input: $input) {
  ... on Case { id inspection { attachments { name mediaType sha256 size uploadedAt url } } }
  ... on CaseError { code field }
} }
"""
CASE = """
query($id: ID!) { case(id: $id) { inspection { attachments { sha256 uploadedAt } } } }
"""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def declared(name: str, media_type: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "mediaType": media_type, "sha256": sha(data), "size": len(data)}


@pytest.fixture(params=["store", "directory"])
async def hub(
    request: pytest.FixtureRequest, hub_database_url: str, world: SandboxWorld, tmp_path: Path
) -> AsyncIterator[HubHarness]:
    env = {"XIETONG_CASE_ATTACHMENT_BYTES": str(LIMIT)}
    if request.param == "directory":
        env["XIETONG_CASE_ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    async with hub_harness(hub_database_url, world, env=env) as opened:
        yield opened


async def inspect(hub: HubHarness, attachments: list[dict[str, Any]]) -> dict[str, Any]:
    records, _ = await hub.hub.adapters.education.page("4102", None, 1)
    fields = {
        "creditCode": records[0].credit_code,
        "inspectedOn": hub.hub.today().isoformat(),
        "kind": "ROUTINE",
        "departments": ["MARKET_SUPERVISION"],
        "findings": [{"department": "MARKET_SUPERVISION", "item": "licence", "result": "absent"}],
        "attachments": attachments,
    }
    body = (
        await hub.graphql("demo-market", RECORD_INSPECTION, {"input": fields}, purpose=None)
    ).json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["recordInspection"]
    return result


async def send(
    hub: HubHarness,
    client: str,
    method: str,
    url: str,
    data: bytes = b"",
    purpose: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {await hub.token(client)}"}
    if purpose:
        headers["X-Purpose"] = purpose
    return await hub.http.request(method, url, content=data, headers=headers)


def code_of(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


async def test_an_attachment_is_uploaded_checked_and_read_back_by_those_the_case_involves(
    hub: HubHarness,
) -> None:
    case = await inspect(
        hub,
        [declared("photo.jpg", "image/jpeg", PHOTO), declared("笔录.txt", "text/plain", RECORD)],
    )
    photo, record = case["inspection"]["attachments"]
    before = await hub.graphql("demo-market", CASE, {"id": case["id"]}, purpose=None)

    wrong = await send(hub, "demo-market", "PUT", photo["url"], RECORD)
    too_big = await send(hub, "demo-market", "PUT", photo["url"], PHOTO * 10)
    unknown = await send(hub, "demo-market", "PUT", photo["url"][:-64] + sha(b"x"), b"x")
    by_fire = await send(hub, "demo-fire", "PUT", photo["url"], PHOTO)
    unread = await send(hub, "demo-market", "GET", photo["url"])
    stored = await send(hub, "demo-market", "PUT", photo["url"], PHOTO)
    again = await send(hub, "demo-market", "PUT", photo["url"], PHOTO)
    read = await send(hub, "demo-market", "GET", photo["url"])
    fire_reads = await send(hub, "demo-fire", "GET", photo["url"])
    auditor_without = await send(hub, "demo-auditor", "GET", photo["url"])
    auditor_with = await send(hub, "demo-auditor", "GET", photo["url"], purpose="audit 2026")
    after = await hub.graphql("demo-market", CASE, {"id": case["id"]}, purpose=None)

    assert (wrong.status_code, code_of(wrong)) == (422, "HASH_MISMATCH")
    assert (too_big.status_code, code_of(too_big)) == (413, "TOO_LARGE")
    assert (unknown.status_code, code_of(unknown)) == (404, "NOT_FOUND")
    assert (by_fire.status_code, code_of(by_fire)) == (404, "NOT_FOUND"), "not fire's case"
    assert (unread.status_code, code_of(unread)) == (404, "NOT_FOUND"), "not uploaded yet"
    assert (stored.status_code, stored.json()["sha256"]) == (201, photo["sha256"])
    assert again.json()["uploadedAt"] == stored.json()["uploadedAt"], "kept once"
    assert read.status_code == 200
    assert read.content == PHOTO
    assert read.headers["content-type"] == "image/jpeg"
    assert (fire_reads.status_code, code_of(fire_reads)) == (404, "NOT_FOUND")
    assert (auditor_without.status_code, code_of(auditor_without)) == (403, "PURPOSE_REQUIRED")
    assert auditor_with.content == PHOTO
    uploaded = {
        a["sha256"]: a["uploadedAt"]
        for a in after.json()["data"]["case"]["inspection"]["attachments"]
    }
    assert before.json()["data"]["case"]["inspection"]["attachments"][0]["uploadedAt"] is None
    assert uploaded[photo["sha256"]] is not None
    assert uploaded[record["sha256"]] is None

    directory = hub.hub.settings.cases.attachments_dir
    with hub.hub.sync_engine.connect() as connection:
        kept = connection.execute(select(AttachmentBlob.data)).scalars().all()
        events = connection.execute(
            select(AuditEvent.operation_name, AuditEvent.outcome, AuditEvent.client_id).where(
                AuditEvent.operation_type == "attachment"
            )
        ).all()
    assert kept == [None if directory else PHOTO], "one copy, where it is configured to be"
    if directory is not None:
        assert (directory / photo["sha256"]).read_bytes() == PHOTO
    assert len(events) == 11, "one event a request"
    assert ("UploadAttachment", "OK", "demo-market") in events
    assert ("DownloadAttachment", "DENIED", "demo-auditor") in events


async def test_declared_attachments_over_the_limits_or_malformed_are_typed_errors(
    hub: HubHarness,
) -> None:
    big = {**declared("scan.pdf", "application/pdf", PHOTO), "size": LIMIT + 1}
    bad_hash = {**declared("scan.pdf", "application/pdf", PHOTO), "sha256": "abc"}
    twice = declared("photo.jpg", "image/jpeg", PHOTO)

    assert await inspect(hub, [big]) == {"code": "TOO_LARGE", "field": "attachments"}
    assert await inspect(hub, [bad_hash]) == {"code": "INVALID", "field": "attachments"}
    assert await inspect(hub, [twice, twice]) == {"code": "INVALID", "field": "attachments"}
