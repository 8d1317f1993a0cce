"""Every time the hub hands out is RFC 3339 with its offset, on SQLite as on
PostgreSQL (SQLite hands the hub naive times)."""

from __future__ import annotations

import re
from datetime import datetime

from tests.support.harness import HubHarness

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


async def test_access_log_times_carry_their_offset(harness: HubHarness) -> None:
    await harness.graphql("demo-education", "{ me { clientId } }")

    response = await harness.graphql(
        "demo-auditor", "{ auditEvents(first: 5) { edges { node { at } } } }", purpose="audit"
    )

    times = [e["node"]["at"] for e in response.json()["data"]["auditEvents"]["edges"]]
    assert times
    for value in times:
        assert RFC3339.match(value), value
        assert datetime.fromisoformat(value).utcoffset() is not None


async def test_a_time_filter_without_an_offset_is_taken_as_utc(harness: HubHarness) -> None:
    await harness.graphql("demo-education", "{ me { clientId } }")

    response = await harness.graphql(
        "demo-auditor",
        '{ auditEvents(filter: {from: "2000-01-01T00:00:00"}) { totalCount } }',
        purpose="audit",
    )

    assert response.json()["data"]["auditEvents"]["totalCount"] >= 1
