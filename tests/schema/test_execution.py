"""The hub's executor answers exactly as strawberry's own, plain fields included:
the same data and the same errors for ordinary values and for unusual ones (null
where the schema says non-null, a value the scalar or enum refuses, an attribute
that is not there, a field the policy refuses or masks)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from xietong.auth.masking import MaskKind
from xietong.auth.schema_policy import Decisions, Refusal, _guard
from xietong.kernel.errors import ErrorCode
from xietong.schema.compat import graphql_schema_of
from xietong.schema.execution import (
    HubExecutionContext,
    lean_resolvers,
    object_list_fields,
    plain_fields,
)


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.type
class Part:
    label: str
    size: int


@strawberry.type
class Item:
    name: str
    note: str | None
    count: int
    colour: Colour
    tags: list[str]
    maybe_tags: list[str | None] | None
    secret: str | None
    hidden: str | None
    parts: list[Part]
    maybe_parts: list[Part] | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        return f"{info.field_name} of {self.name}"

    @strawberry.field
    async def later(self) -> int:
        return len(self.tags)


@dataclass
class Odd:
    """Stands for a record: the attributes a resolver reads, some of them wrong."""

    name: Any = "ada"
    note: Any = None
    count: Any = 3
    colour: Any = Colour.RED
    tags: Any = field(default_factory=lambda: ["a", "b"])
    maybe_tags: Any = field(default_factory=lambda: ["x", None])
    secret: Any = "310101199001011234"
    hidden: Any = "no"
    parts: Any = field(default_factory=lambda: [OddPart(), OddPart("b", 2)])
    maybe_parts: Any = None


@dataclass
class OddPart:
    label: Any = "a"
    size: Any = 1


SOURCES: dict[str, Callable[[], Any]] = {
    "ordinary": Odd,
    "null name": lambda: Odd(name=None),
    "null in tags": lambda: Odd(tags=["a", None]),
    "count not a number": lambda: Odd(count="many"),
    "count too big": lambda: Odd(count=2**40),
    "colour unknown": lambda: Odd(colour="GREEN"),
    "tags not a list": lambda: Odd(tags="ab"),
    "tags a tuple": lambda: Odd(tags=("a", "b")),
    "tags a generator": lambda: Odd(tags=(tag for tag in ["a"])),
    "an exception for a value": lambda: Odd(note=ValueError("broken")),
    "no such attribute": object,
    "a part's label null": lambda: Odd(parts=[OddPart(), OddPart(label=None)]),
    "a part's size not a number": lambda: Odd(parts=[OddPart(size="big")]),
    "a part null": lambda: Odd(parts=[OddPart(), None]),
    "parts null": lambda: Odd(parts=None),
    "parts not a list": lambda: Odd(parts=OddPart()),
    "parts a tuple, maybe parts given": lambda: Odd(parts=(OddPart(),), maybe_parts=[OddPart()]),
}


class Context:
    def __init__(self) -> None:
        self.decisions = Decisions(
            refused={"Item.hidden": Refusal(ErrorCode.FORBIDDEN, "not for you")},
            masked={"Item.secret": MaskKind.ID_NUMBER},
        )


def _schema(context_class: type[StrawberryGraphQLCoreExecutionContext]) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def items(self, which: str) -> list[Item | None]:
            return [SOURCES[which](), SOURCES[which]()]

        @strawberry.field
        def required(self, which: str) -> list[Item]:
            return [Odd(), SOURCES[which]()]

        @strawberry.field
        def with_null(self) -> list[Item | None]:
            return [Odd(), None]  # type: ignore[list-item]

    schema = strawberry.Schema(query=Query, execution_context_class=context_class)
    if context_class is HubExecutionContext:  # as schema.root builds the hub's
        lean_resolvers(graphql_schema_of(schema), schema.config.info_class)
    item = graphql_schema_of(schema).type_map["Item"]
    assert isinstance(item, GraphQLObjectType)
    for name in ("secret", "hidden"):
        graphql_field = item.fields[name]
        graphql_field.resolve = _guard(
            f"Item.{name}", graphql_field.resolve, lambda info: info.context.decisions
        )
    return schema


QUERY = """query ($which: String!) {
  items(which: $which) {
    name alias: name note count colour tags maybeTags secret hidden shout where later
    again: count @include(if: true)
    parts { label size }
  }
  nested: items(which: $which) { name parts { label size again: size } maybeParts { label } }
  partsOnly: required(which: $which) { parts { size } }
  plain: items(which: $which) { name note count colour tags maybeTags secret }
  refused: items(which: $which) { name hidden }
  required(which: $which) { ...Plain }
  typename: required(which: $which) { __typename name }
  withNull { name count }
}
fragment Plain on Item { name count colour tags }"""


@pytest.mark.parametrize("which", sorted(SOURCES))
async def test_the_same_answer_as_strawberrys_executor(which: str) -> None:
    answers = []
    for context_class in (HubExecutionContext, StrawberryGraphQLCoreExecutionContext):
        result = await _schema(context_class).execute(
            QUERY, variable_values={"which": which}, context_value=Context()
        )
        errors = [(e.message, e.path, e.locations) for e in result.errors or []]
        answers.append((result.data, sorted(errors, key=repr)))
    assert answers[0] == answers[1]


def test_plain_fields_are_read_inline_and_resolvers_are_not() -> None:
    schema = _schema(HubExecutionContext)
    item = graphql_schema_of(schema).type_map["Item"]
    assert isinstance(item, GraphQLObjectType)
    plans = plain_fields(item)
    assert set(plans) == {
        "name",
        "note",
        "count",
        "colour",
        "tags",
        "maybeTags",
        "secret",
        "hidden",
    }
    assert plans["secret"].guarded == "Item.secret"
    assert plans["name"].guarded is None


def test_lists_of_plain_objects_are_read_inline() -> None:
    schema = _schema(HubExecutionContext)
    item = graphql_schema_of(schema).type_map["Item"]
    assert isinstance(item, GraphQLObjectType)
    assert set(object_list_fields(item)) == {"parts", "maybeParts"}
    assert object_list_fields(item)["maybeParts"].nullable


def test_simple_resolvers_are_called_without_strawberrys_wrapper() -> None:
    schema = _schema(HubExecutionContext)
    item = graphql_schema_of(schema).type_map["Item"]
    query = graphql_schema_of(schema).type_map["Query"]
    assert isinstance(item, GraphQLObjectType)
    assert isinstance(query, GraphQLObjectType)
    assert {name for name, f in item.fields.items() if _lean(f)} == {"shout", "where", "later"}
    # Those taking an argument keep strawberry's wrapper, which converts it.
    assert {name for name, f in query.fields.items() if _lean(f)} == {"withNull"}


def _lean(graphql_field: GraphQLField) -> bool:
    return getattr(graphql_field.resolve, "__name__", "") == "lean"
