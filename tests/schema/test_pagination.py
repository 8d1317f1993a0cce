"""Relay connections: ``pageInfo`` says where a page stands, both ways."""

from __future__ import annotations

import strawberry

from tests.support.harness import HubHarness
from xietong.schema.pagination import Connection, connection, node_fields

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


@strawberry.type
class _Item:
    name: str
    size: int
    colour: str


@strawberry.type
class _Query:
    @strawberry.field
    def items(self, info: strawberry.Info) -> Connection[_Item]:
        seen.append(node_fields(info))
        return connection([], first=1, after=None, total=0, key=str, node=lambda item: item)


seen: list[frozenset[str]] = []


async def test_the_fields_asked_of_a_connections_nodes_through_fragments() -> None:
    """What a page loads for its rows before answering them (``institutions``)."""
    schema = strawberry.Schema(query=_Query)
    seen.clear()
    result = await schema.execute(
        """{ items { totalCount edges { cursor node { name ...More } }
             pageInfo { hasNextPage } } }
           fragment More on Item { ... on Item { size @include(if: false) } }"""
    )
    assert result.errors is None
    assert seen == [frozenset({"name", "size"})]
