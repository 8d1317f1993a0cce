"""One request's event never fails the others written in the same batch."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlalchemy import Engine, select, text

from tests.support.harness import HubHarness
from xietong.audit.verify import verify_chain
from xietong.kernel.db import create_sync_engine
from xietong.kernel.store import AuditEvent

ME = "query Me { me { clientId } }"
"""Variables it does not declare are ignored by GraphQL but logged as sent."""
LONG_CASE_ID = "C" * 300
POISON = "refused-by-the-store"


def events_by_case(engine: Engine) -> dict[str | None, list[dict[str, Any]]]:
    with engine.connect() as connection:
        table = AuditEvent.__table__
        rows = connection.execute(select(table).order_by(table.c.seq))
        found: dict[str | None, list[dict[str, Any]]] = {}
        for row in rows:
            found.setdefault(row.case_id, []).append(dict(row._mapping))
        return found


def refuse_events_of_case(engine: Engine, case_id: str) -> None:
    """A rule of the store's own that no bound in the hub foresees: any event it
    refuses stands for a value the hub did not expect."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_poison BEFORE INSERT ON audit_events "
                    f"WHEN NEW.case_id = '{case_id}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "ALTER TABLE audit_events ADD CONSTRAINT refuse_poison "
                    f"CHECK (case_id IS DISTINCT FROM '{case_id}')"
                )
            )


async def post(
    harness: HubHarness, *, case_id: str | None, token: bool = True, note: str = "fine"
) -> httpx.Response:
    headers = {"X-Purpose": "test", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {await harness.token('demo-education')}"
    if case_id is not None:
        headers["X-Case-Id"] = case_id
    return await harness.http.post(
        "/graphql",
        # ASCII-escaped, as a client sends a lone surrogate: "\\ud800" in valid JSON text.
        content=json.dumps({"query": ME, "variables": {"note": note}, "operationName": "Me"}),
        headers=headers,
    )


async def test_bad_requests_do_not_fail_the_well_formed_ones_beside_them(
    harness: HubHarness,
) -> None:
    engine = create_sync_engine(harness.hub.settings.database_url)
    try:
        refuse_events_of_case(engine, POISON)
        await harness.token("demo-education")
        good = [post(harness, case_id=f"good-{n}") for n in range(24)]
        bad = [
            post(harness, case_id="no-token", token=False),
            post(harness, case_id=LONG_CASE_ID),
            post(harness, case_id="lone-surrogate", note="\ud800 and \udfff"),
            post(harness, case_id=POISON),
        ]
        # Interleaved, so that the bad events share batches with the good ones.
        requests = good[:6] + bad[:2] + good[6:12] + bad[2:] + good[12:]
        responses = await asyncio.gather(*requests)

        by_case = {response.request.headers.get("x-case-id"): response for response in responses}
        for n in range(24):
            assert by_case[f"good-{n}"].status_code == 200
            assert by_case[f"good-{n}"].json()["data"]["me"]["clientId"] == "demo-education"
        assert by_case["no-token"].status_code == 401
        assert by_case["lone-surrogate"].status_code == 200
        # Over its limit (100): refused with a 400, and logged cut to the limit.
        assert by_case[LONG_CASE_ID].status_code == 400
        assert by_case[POISON].status_code == 500  # its event was refused: it fails closed

        events = events_by_case(engine)
        for n in range(24):
            [event] = events[f"good-{n}"]
            assert event["outcome"] == "OK"
            assert event["variables"] == {"note": "fine"}
        assert events["no-token"][0]["outcome"] == "UNAUTHENTICATED"
        [surrogate] = events["lone-surrogate"]
        assert surrogate["variables"] == {"note": "\ufffd and \ufffd"}
        [long_case] = [
            e for case, found in events.items() if case and case[:3] == "CCC" for e in found
        ]
        assert long_case["case_id"] == "C" * 100
        assert long_case["client_id"] == "demo-education"
        assert long_case["error_codes"] == ["BAD_REQUEST"]
        # The refused request is still on record: who asked, and that it failed.
        refused = [e for e in events.get(None, []) if e["client_id"] == "demo-education"]
        assert [(e["outcome"], e["error_codes"]) for e in refused] == [("ERROR", ["INTERNAL"])]
        assert POISON not in events

        report = verify_chain(engine)
        assert report.intact
        assert report.events == 28
    finally:
        engine.dispose()
