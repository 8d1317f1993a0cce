"""Property-based fuzzing of the hub over real HTTP: generated GraphQL documents,
variables of every argument's type (and of every wrong one), raw bodies, headers.

Whatever arrives, the hub never answers 5xx, and every error it reports carries
a code from DESIGN §10.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.harness import SandboxWorld, prepare
from xietong.hub.services import Hub
from xietong.kernel.errors import ErrorCode
from xietong.kernel.settings import Settings
from xietong.sandbox.reference import REFERENCE_DATE
from xietong.sandbox.serve import serve_in_thread
from xietong.schema.compat import graphql_schema_of
from xietong.schema.root import build_schema
from xietong.web.app import create_app

CODES = {code.value for code in ErrorCode}
SCHEMA: GraphQLSchema = graphql_schema_of(build_schema())
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@dataclass(frozen=True)
class Served:
    http: httpx.Client
    token: str

    def post(self, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(
            "/graphql",
            content=content,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "X-Purpose": "fuzzing",
                **(headers or {}),
            },
        )

    def graphql(self, query: str, variables: Any = None) -> httpx.Response:
        return self.post(json.dumps({"query": query, "variables": variables}).encode())


@pytest.fixture(scope="module")
def served(
    world: SandboxWorld, migrated_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The hub's app served over HTTP in a thread, as an education officer would reach it."""
    database = tmp_path_factory.mktemp("fuzz") / "hub.db"
    shutil.copyfile(migrated_sqlite_template, database)
    settings_ = Settings.from_env(
        {
            "XIETONG_DATABASE_URL": f"sqlite:///{database}",
            "XIETONG_SOURCES": str(world.sources_file),
            "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
            "XIETONG_RATE_LIMIT": "100000/second",
        },
        data_dir=world.data_dir,
    )
    token = asyncio.run(_register_and_issue(settings_))
    with serve_in_thread(create_app(settings_)) as url, httpx.Client(base_url=url) as http:
        yield Served(http, token)


async def _register_and_issue(settings_: Settings) -> str:
    hub = await Hub.open(settings_)
    try:
        await prepare(hub)
        return (await hub.tokens.issue_access_token("demo-education")).access_token
    finally:
        await hub.close()


def assert_well_behaved(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:500]
    media_type = response.headers.get("content-type", "")
    if response.request.method == "HEAD" or not media_type.startswith("application/"):
        return
    body = response.json()
    for error in body.get("errors") or ():
        assert error["extensions"]["code"] in CODES, error


# -- GraphQL documents, generated from the schema --------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        [
            "91310110666007217T",
            "11010519491231002X",
            "410202",
            "2024-01-31",
            "2024-01-31T08:00:00Z",
            "1234.50",
            "EDUCATION",
            "",
            "\x00",
            "💥",
        ]
    ),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def literal(value: Any) -> str:
    """``value`` as a GraphQL literal (any JSON value has one, typed or not)."""
    if isinstance(value, dict):
        fields = " ".join(
            f"{key}: {literal(item)}" for key, item in value.items() if key.isidentifier()
        )
        return "{" + fields + "}"
    if isinstance(value, list):
        return "[" + " ".join(literal(item) for item in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


@st.composite
def typed_value(draw: st.DrawFn, type_: GraphQLInputType, depth: int = 0) -> Any:
    """A value shaped like ``type_`` most of the time, and anything at all otherwise."""
    if depth > 3 or draw(st.integers(0, 4)) == 0:
        return draw(JSON_VALUES)
    if isinstance(type_, GraphQLNonNull):
        return draw(typed_value(type_.of_type, depth))
    if isinstance(type_, GraphQLList):
        return draw(st.lists(typed_value(type_.of_type, depth + 1), max_size=3))
    if isinstance(type_, GraphQLEnumType):
        return draw(st.sampled_from([*type_.values, "NOT_A_VALUE"]))
    if isinstance(type_, GraphQLInputObjectType):
        names = draw(st.lists(st.sampled_from(sorted(type_.fields)), unique=True, max_size=4))
        return {name: draw(typed_value(type_.fields[name].type, depth + 1)) for name in names}
    return draw(JSON_SCALARS)


@st.composite
def selection(draw: st.DrawFn, type_: GraphQLNamedType, depth: int) -> str:
    if isinstance(type_, GraphQLUnionType):
        member = draw(st.sampled_from(type_.types))
        return f"__typename ... on {member.name} {{ {draw(selection(member, depth))} }}"
    assert isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
    names = draw(
        st.lists(st.sampled_from(sorted(type_.fields)), min_size=1, max_size=4, unique=True)
    )
    return " ".join(draw(field(name, type_.fields[name], depth)) for name in names)


@st.composite
def field(draw: st.DrawFn, name: str, definition: GraphQLField, depth: int) -> str:
    alias = draw(st.sampled_from(["", "", "", "a1: ", "x: "]))
    arguments = ""
    chosen = draw(
        st.lists(st.sampled_from(sorted(definition.args) or [""]), unique=True, max_size=3)
    )
    given_args = [
        f"{arg}: {literal(draw(typed_value(definition.args[arg].type)))}" for arg in chosen if arg
    ]
    if given_args:
        arguments = "(" + ", ".join(given_args) + ")"
    named = get_named_type(definition.type)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return f"{alias}{name}{arguments}"
    if depth >= 4:
        return f"{alias}{name}{arguments} {{ __typename }}"
    return f"{alias}{name}{arguments} {{ {draw(selection(named, depth + 1))} }}"


@st.composite
def documents(draw: st.DrawFn) -> str:
    root = draw(st.sampled_from(["query", "mutation"]))
    type_ = SCHEMA.query_type if root == "query" else SCHEMA.mutation_type
    assert type_ is not None
    document = f"{root} {{ {draw(selection(type_, 0))} }}"
    # Now and then, damage it: a cut, a doubled piece, a stray character.
    cut = draw(st.integers(0, len(document)))
    return draw(
        st.sampled_from(
            [
                document,
                document,
                document[:cut],
                document[:cut] + document[cut // 2 :],
                document[:cut]
                + draw(st.sampled_from(list('{}()[]:$@!."#\\…\x00')))
                + document[cut:],
            ]
        )
    )


@pytest.mark.slow
@settings(FUZZ, max_examples=200)
@given(document=documents())
def test_generated_documents(served: Served, document: str) -> None:
    assert_well_behaved(served.graphql(document))


# -- Variables of every argument's type, and of every wrong one ------------------------


def _root_operations() -> list[tuple[str, GraphQLField, str]]:
    """One operation per root field, taking every argument as a variable."""
    operations = []
    for kind, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        assert root is not None
        for name, definition in sorted(root.fields.items()):
            declared = ", ".join(f"${arg}: {definition.args[arg].type}" for arg in definition.args)
            passed = ", ".join(f"{arg}: ${arg}" for arg in definition.args)
            named = get_named_type(definition.type)
            leaf = isinstance(named, GraphQLScalarType | GraphQLEnumType)
            query = (
                f"{kind}{f'({declared})' if declared else ''} "
                f"{{ {name}{f'({passed})' if passed else ''}{'' if leaf else ' { __typename }'} }}"
            )
            operations.append((name, definition, query))
    return operations


ROOT_OPERATIONS = _root_operations()
OUTPUT_ONLY_SCALARS = {"Date", "Decimal"}
"""Scalars no argument or input field takes: only ever answered."""


@st.composite
def operation_with_variables(draw: st.DrawFn) -> tuple[str, Any]:
    _, definition, query = draw(st.sampled_from(ROOT_OPERATIONS))
    variables = {arg: draw(typed_value(definition.args[arg].type)) for arg in definition.args}
    return query, draw(st.sampled_from([variables, variables, variables, None, []]))


@pytest.mark.slow
@settings(FUZZ, max_examples=200)
@given(case=operation_with_variables())
def test_variables_of_right_and_wrong_types(served: Served, case: tuple[str, Any]) -> None:
    query, variables = case
    assert_well_behaved(served.graphql(query, variables))


def test_every_scalar_is_reachable_by_a_variable() -> None:
    """The variable fuzzing covers every scalar the schema takes as input."""
    reached: set[str] = set()
    pending: list[GraphQLInputType] = [
        arg.type for _, definition, _ in ROOT_OPERATIONS for arg in definition.args.values()
    ]
    while pending:
        named = get_named_type(pending.pop())
        if named.name in reached:
            continue
        reached.add(named.name)
        if isinstance(named, GraphQLInputObjectType):
            pending.extend(field.type for field in named.fields.values())
    input_scalars = {
        type_.name
        for type_ in SCHEMA.type_map.values()
        if isinstance(type_, GraphQLScalarType) and not type_.name.startswith("__")
    } - OUTPUT_ONLY_SCALARS
    assert input_scalars <= reached, input_scalars - reached


# -- Raw bodies and headers ------------------------------------------------------------

NESTED = st.integers(1, 100_000).map(lambda n: b"[" * n + b"]" * n)
HUGE_NUMBERS = st.integers(1, 6000).map(
    lambda n: b'{"query": "{ me { clientId } }", "variables": {"n": ' + b"9" * n + b"}}"
)
BAD_UTF8 = st.binary(min_size=1, max_size=40).map(
    lambda junk: b'{"query": "{ me { ' + junk + b' } }"}'
)
JSON_BODIES = JSON_VALUES.map(lambda value: json.dumps(value).encode())
ENVELOPES = st.fixed_dictionaries(
    {},
    optional={
        "query": JSON_VALUES | st.just("{ me { clientId } }"),
        "variables": JSON_VALUES,
        "operationName": JSON_VALUES,
        "extensions": JSON_VALUES,
    },
).map(lambda value: json.dumps(value).encode())


@pytest.mark.slow
@settings(FUZZ, max_examples=150)
@given(
    body=st.one_of(st.binary(max_size=200), NESTED, HUGE_NUMBERS, BAD_UTF8, JSON_BODIES, ENVELOPES)
)
def test_raw_bodies(served: Served, body: bytes) -> None:
    assert_well_behaved(served.post(body))


HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60).map(
    str.strip
)


@pytest.mark.slow
@FUZZ
@given(
    accept=st.one_of(
        HEADER_TEXT,
        st.sampled_from(
            ["*/*;q=x", "application/json;q=0", "text/html", "application/*;q=0.1, */*"]
        ),
    ),
    content_type=st.one_of(
        HEADER_TEXT,
        st.sampled_from(['application/json; charset="utf-8"', "application/json;;", ";"]),
    ),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
)
def test_headers_and_methods(served: Served, accept: str, content_type: str, method: str) -> None:
    response = served.http.request(
        method,
        "/graphql",
        params={"query": "{ me { clientId } }"} if method == "GET" else None,
        content=b'{"query": "{ me { clientId } }"}' if method != "GET" else None,
        headers={
            "Authorization": f"Bearer {served.token}",
            "Accept": accept,
            "Content-Type": content_type,
        },
    )
    assert_well_behaved(response)


@pytest.mark.slow
@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["query", "variables", "operationName", "extensions", "x"]),
        HEADER_TEXT,
        max_size=4,
    )
)
def test_get_parameters(served: Served, params: dict[str, str]) -> None:
    response = served.http.get(
        "/graphql", params=params, headers={"Authorization": f"Bearer {served.token}"}
    )
    assert_well_behaved(response)
