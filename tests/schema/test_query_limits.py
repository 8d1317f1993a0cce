"""Query limits: refused before execution with QUERY_TOO_COMPLEX, the limit and the
figures; everything a partner legitimately asks for passes."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_introspection_query, get_operation_ast, parse

from tests.schema.queries import EXPLOSIVE, JOINT_PAGE
from tests.support.harness import HubHarness
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings
from xietong.schema.compat import graphql_schema_of
from xietong.schema.limits import QueryLimits
from xietong.schema.limits.cost import CostEstimates, operation_cost
from xietong.schema.root import build_schema

DEFAULTS = QueryLimits()


async def refusal(
    query: str, limits: QueryLimits = DEFAULTS, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The one QUERY_TOO_COMPLEX error the schema answers ``query`` with."""
    result = await build_schema(limits).execute(query, variable_values=variables)
    assert result.data is None
    assert result.errors is not None
    (error,) = result.errors
    assert error.extensions is not None
    assert error.extensions["code"] == "QUERY_TOO_COMPLEX", error
    return {"message": error.message, **error.extensions}


def nested_reviews(levels: int) -> str:
    """``institution { annualReviews { institution { ... } } }``, ``levels`` deep
    (``{ me { clientId } }`` is 1 deep)."""
    query = "creditCode"
    for level in range(levels - 1):
        field = "annualReviews" if level % 2 == 0 else "institution"
        query = f"{field} {{ {query} }}"
    return f'{{ institution(creditCode: "91310110666007217T") {{ {query} }} }}'


def cost_of(query: str, variables: dict[str, Any] | None = None) -> int:
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    return operation_cost(graphql_schema_of(build_schema()), document, operation, variables or {})


def test_a_joint_page_of_100_with_every_section_fits_the_default_budget() -> None:
    assert cost_of(JOINT_PAGE) <= DEFAULTS.cost
    assert cost_of(JOINT_PAGE) > DEFAULTS.cost // 4  # the budget is not wildly loose


def test_first_is_counted_from_the_variables() -> None:
    assert cost_of(JOINT_PAGE, {"first": 500}) == pytest.approx(5 * cost_of(JOINT_PAGE), rel=0.01)
    assert cost_of(JOINT_PAGE, {"first": 10}) < cost_of(JOINT_PAGE) // 9


async def test_nested_lists_that_could_return_millions_are_refused() -> None:
    refused = await refusal(EXPLOSIVE)

    assert refused["limit"] == "cost"
    assert refused["maximum"] == DEFAULTS.cost
    assert refused["actual"] == cost_of(EXPLOSIVE) > 1_000_000
    assert f"by {refused['actual'] - DEFAULTS.cost}" in refused["message"]


async def test_a_page_of_500_with_every_section_is_refused_by_its_variable() -> None:
    refused = await refusal(JOINT_PAGE, variables={"first": 500})

    assert refused["limit"] == "cost"
    assert refused["actual"] == cost_of(JOINT_PAGE, {"first": 500})


async def test_too_deep_is_refused_saying_by_how_much() -> None:
    refused = await refusal(nested_reviews(DEFAULTS.depth + 2))

    assert refused["limit"] == "depth"
    assert (refused["actual"], refused["maximum"]) == (DEFAULTS.depth + 2, DEFAULTS.depth)
    assert "over the limit of 10 by 2" in refused["message"]


async def test_depth_counts_through_fragments() -> None:
    query = (
        '{ institution(creditCode: "91310110666007217T") { ...Reviews } } '
        "fragment Reviews on Institution { annualReviews { institution { ...Reviews2 } } } "
        "fragment Reviews2 on Institution { annualReviews { signatures { signer } } } "
    )

    refused = await refusal(query, QueryLimits(depth=3))

    assert (refused["limit"], refused["actual"]) == ("depth", 5)


async def test_too_many_aliases_are_refused_with_their_count() -> None:
    aliases = " ".join(f"a{i}: me {{ clientId }}" for i in range(DEFAULTS.aliases + 1))

    refused = await refusal(f"{{ {aliases} }}")

    assert refused["limit"] == "aliases"
    assert (refused["actual"], refused["maximum"]) == (DEFAULTS.aliases + 1, DEFAULTS.aliases)


async def test_too_many_tokens_are_refused_while_parsing_with_their_count() -> None:
    query = "{ " + "me { clientId } " * 20 + "}"  # 2 + 20 × 4 tokens

    refused = await refusal(query, QueryLimits(tokens=50))

    assert refused["limit"] == "tokens"
    assert (refused["actual"], refused["maximum"]) == (82, 50)


async def test_a_huge_document_is_counted_only_so_far() -> None:
    query = "{ " + "me { clientId } " * 10_000 + "}"

    refused = await refusal(query, QueryLimits(tokens=100))

    assert refused["limit"] == "tokens"
    assert refused["atLeast"] is True
    assert refused["actual"] == 400


async def test_nesting_beyond_the_parser_is_refused_as_too_complex() -> None:
    refused = await refusal("{" + " me {" * 300 + " clientId" + " }" * 301)

    assert refused["limit"] == "nesting"


@pytest.mark.parametrize(
    ("limits", "query", "limit", "maximum"),
    [
        (QueryLimits(depth=2), nested_reviews(4), "depth", 2),
        (QueryLimits(aliases=1), "{ a: me { clientId } b: me { subject } }", "aliases", 1),
        (QueryLimits(tokens=5), "{ me { clientId subject } }", "tokens", 5),
        (
            QueryLimits(cost=10),
            "{ institutions(first: 10) { edges { node { name } } } }",
            "cost",
            10,
        ),
    ],
)
async def test_each_limit_is_configurable(
    limits: QueryLimits, query: str, limit: str, maximum: int
) -> None:
    refused = await refusal(query, limits)

    assert (refused["limit"], refused["maximum"]) == (limit, maximum)


def test_the_limits_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "XIETONG_MAX_DEPTH": "4",
            "XIETONG_MAX_ALIASES": "5",
            "XIETONG_MAX_TOKENS": "600",
            "XIETONG_MAX_COST": "7000",
        }
    )

    assert settings.query_limits == QueryLimits(depth=4, aliases=5, tokens=600, cost=7000)
    assert Settings.from_env({}).query_limits == QueryLimits(depth=10, aliases=30)


@pytest.mark.parametrize("value", ["ten", "0", "-3"])
def test_a_bad_limit_stops_start_up_naming_it(value: str) -> None:
    with pytest.raises(ConfigError, match="XIETONG_MAX_DEPTH"):
        Settings.from_env({"XIETONG_MAX_DEPTH": value})


async def test_graphiql_introspection_is_not_limited_by_depth_or_cost() -> None:
    result = await build_schema().execute(get_introspection_query(descriptions=True))

    assert result.errors is None


async def test_the_joint_page_is_answered_over_http(sqlite_harness: HubHarness) -> None:
    before = sum(source.calls for source in sqlite_harness.hub.sources)

    response = await sqlite_harness.graphql("demo-education", JOINT_PAGE)

    body = response.json()
    assert response.status_code == 200
    codes = {error["extensions"]["code"] for error in body.get("errors", [])}
    assert "QUERY_TOO_COMPLEX" not in codes
    assert len(body["data"]["institutions"]["edges"]) == 100
    assert sum(source.calls for source in sqlite_harness.hub.sources) > before


async def test_a_refused_query_asks_no_department_and_is_a_400(
    sqlite_harness: HubHarness,
) -> None:
    before = sum(source.calls for source in sqlite_harness.hub.sources)

    response = await sqlite_harness.graphql("demo-education", EXPLOSIVE)

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "data" not in response.json()
    assert sum(source.calls for source in sqlite_harness.hub.sources) == before


def test_estimates_are_remembered_per_page_size() -> None:
    schema = graphql_schema_of(build_schema())
    document = parse(JOINT_PAGE)
    operation = get_operation_ast(document)
    assert operation is not None
    estimates = CostEstimates()

    small = estimates.cost(schema, JOINT_PAGE, document, operation, {"first": 10})
    large = estimates.cost(schema, JOINT_PAGE, document, operation, {"first": 500})
    again = estimates.cost(schema, JOINT_PAGE, document, operation, {"first": 10, "x": "y"})

    assert small < large
    assert again == small == cost_of(JOINT_PAGE, {"first": 10})


async def test_the_access_log_says_a_refused_query_read_nothing(
    sqlite_harness: HubHarness,
) -> None:
    await sqlite_harness.graphql("demo-education", EXPLOSIVE)

    log = await sqlite_harness.graphql(
        "demo-auditor",
        "{ auditEvents(first: 1) { edges { node { outcome fieldsRead recordKeys } } } }",
    )

    (event,) = [edge["node"] for edge in log.json()["data"]["auditEvents"]["edges"]]
    assert event == {"outcome": "ERROR", "fieldsRead": [], "recordKeys": []}


@pytest.mark.parametrize(
    "query",
    ["{ me { } }", "{ institutions { edges { node { } } } }", "query { ... on Query { } }"],
)
async def test_an_empty_selection_is_a_parse_failure_not_an_internal_error(query: str) -> None:
    result = await build_schema().execute(query)

    assert result.data is None
    assert result.errors is not None
    assert {error.extensions["code"] for error in result.errors if error.extensions} == {
        "GRAPHQL_PARSE_FAILED"
    }
