"""The one private attribute of strawberry the hub reads: breaks here, not in the
policy or the cost limit, if a strawberry upgrade moves it."""

from __future__ import annotations

from graphql import GraphQLObjectType, GraphQLSchema

from xietong.schema.compat import graphql_schema_of
from xietong.schema.root import build_schema


def test_the_graphql_core_schema_is_the_one_clients_are_served() -> None:
    schema = build_schema()

    graphql_schema = graphql_schema_of(schema)

    assert isinstance(graphql_schema, GraphQLSchema)
    institution = graphql_schema.type_map["Institution"]
    assert isinstance(institution, GraphQLObjectType)
    assert "creditCode" in institution.fields
    assert graphql_schema.query_type is not None
    assert "institution" in graphql_schema.query_type.fields
