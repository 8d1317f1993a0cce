"""Subscribers as real clients speak: ``graphql-transport-ws`` over a WebSocket
(``websockets``) and GraphQL over Server-Sent Events (``httpx`` streaming), each
started and read in the background so a test can act meanwhile. A test that needs
a subscription listening waits for its start in the access log (``started`` in
test_live.py); a refusal or a notice is awaited with ``first``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

CASE_ASSIGNED = """
subscription Inbox {
  caseAssigned { reason at case { id kind status assignedTo referredBy answerDue } }
}
"""
RISK_RAISED = """
subscription Risks($region: RegionCode) {
  riskRaised(region: $region) { creditCode region previous level at }
}
"""


@dataclass
class Received:
    """What a subscriber got: each ``next`` payload, and how the stream ended."""

    payloads: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    ended: str | None = None

    async def first(self) -> dict[str, Any]:
        await asyncio.wait_for(self.arrived.wait(), 15)
        return self.payloads[0]


@asynccontextmanager
async def over_websocket(
    url: str,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    purpose: str | None = None,
) -> AsyncIterator[Received]:
    """Subscribed once ``connection_ack`` came back and the subscription started
    (the hub logs its start before it listens: a short grace covers the rest)."""
    received = Received()
    ws_url = url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        payload: dict[str, Any] = {}
        if token:
            payload["Authorization"] = f"Bearer {token}"
        if purpose:
            payload["purpose"] = purpose
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            frame = await asyncio.wait_for(socket.recv(), 10)
        except websockets.ConnectionClosed as closed:
            received.ended = f"closed {closed.rcvd.code if closed.rcvd else None}"
            yield received
            return
        # graphql-transport-ws speaks in text frames: a browser's client reads a
        # binary one as a Blob and finds no message type in it.
        assert isinstance(frame, str), f"a binary frame: {frame!r}"
        ack = json.loads(frame)
        assert ack["type"] == "connection_ack", ack
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )

        async def read() -> None:
            try:
                async for raw in socket:
                    assert isinstance(raw, str), f"a binary frame: {raw!r}"
                    message = json.loads(raw)
                    if message["type"] == "next":
                        received.payloads.append(message["payload"])
                        received.arrived.set()
                    elif message["type"] in {"error", "complete"}:
                        received.ended = message["type"]
                        if message["type"] == "error":
                            received.payloads.append({"errors": message["payload"]})
                        received.arrived.set()
                        return
            except websockets.ConnectionClosed as closed:
                received.ended = f"closed {closed.rcvd.code if closed.rcvd else None}"

        reader = asyncio.create_task(read())
        try:
            yield received
        finally:
            reader.cancel()


@asynccontextmanager
async def over_sse(
    url: str,
    token: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    purpose: str | None = None,
) -> AsyncIterator[Received]:
    received = Received()
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    if purpose:
        headers["X-Purpose"] = purpose
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None), limits=limits) as http:

        async def read() -> None:
            async with http.stream(
                "POST",
                f"{url}/graphql",
                json={"query": query, "variables": variables or {}},
                headers=headers,
            ) as response:
                received.ended = f"status {response.status_code}"
                event = ""
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                    elif line.startswith("data:") and event == "next":
                        received.payloads.append(json.loads(line.removeprefix("data:")))
                        received.arrived.set()
                    elif line.startswith("data:") and event == "complete":
                        received.ended = "complete"
                        received.arrived.set()
                        return

        reader = asyncio.create_task(read())
        try:
            yield received
        finally:
            reader.cancel()
