"""What the hub needs of strawberry beyond its public API, in one place."""

from __future__ import annotations

from graphql import GraphQLSchema
from strawberry import Schema


def graphql_schema_of(schema: Schema) -> GraphQLSchema:
    """The graphql-core schema strawberry builds, which the policy, the cost limit and
    the document checks walk.

    strawberry offers no public accessor (its own printer and validation cache read
    this attribute too); ``tests/schema/test_compat.py`` fails if an upgrade moves it.
    """
    return schema._schema
