"""What the hub needs of strawberry beyond its public API, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from enum import Enum

from graphql import GraphQLSchema
from strawberry import Schema


def graphql_schema_of(schema: Schema) -> GraphQLSchema:
    """The graphql-core schema strawberry builds, which the policy, the cost limit and
    the document checks walk.

    strawberry offers no public accessor (its own printer and validation cache read
    this attribute too); ``tests/schema/test_compat.py`` fails if an upgrade moves it.
    """
    return schema._schema


def describe_enum_values(enum: type[Enum], descriptions: Mapping[str, str]) -> None:
    """Give the values of an enum already registered with ``strawberry.enum`` their
    descriptions, by member name.

    The hub's enums live in the domain, which knows nothing of strawberry, so they
    cannot declare ``strawberry.enum_value(description=...)`` themselves; strawberry
    offers no public way to describe the values afterwards. ``tests/schema/
    test_descriptions.py`` fails if an upgrade moves the definition.
    """
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    definition.values = [
        replace(value, description=descriptions.get(value.name, value.description))
        for value in definition.values
    ]
