"""Relay connections: ``pageInfo`` says where a page stands, both ways."""

from __future__ import annotations

from tests.support.harness import HubHarness

PAGE = """query ($after: String) {
  institutions(first: 2, after: $after) {
    edges { cursor }
    pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
  }
}"""


async def test_page_info_has_both_ends_of_each_page(sqlite_harness: HubHarness) -> None:
    first = (await sqlite_harness.graphql("demo-education", PAGE)).json()["data"]["institutions"]
    after = first["pageInfo"]["endCursor"]
    second = (await sqlite_harness.graphql("demo-education", PAGE, {"after": after})).json()
    second = second["data"]["institutions"]

    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["pageInfo"]["startCursor"] == second["edges"][0]["cursor"]
    assert second["pageInfo"]["startCursor"] != first["pageInfo"]["startCursor"]
