"""Validated scalars: a bad key is BAD_USER_INPUT naming the argument, before any source."""

from __future__ import annotations

from datetime import date

import pytest
from graphql import GraphQLScalarType

from tests.support.harness import HubHarness
from xietong.kernel.settings import QueryLimits
from xietong.schema.compat import graphql_schema_of
from xietong.schema.root import build_schema
from xietong.schema.scalars import InvalidScalarError

GOOD_CODE = "91310110666007217T"


@pytest.mark.parametrize(
    ("query", "variables", "argument", "reason"),
    [
        ('{ institution(creditCode: "91310110666007217A") { name } }', {}, "creditCode", "check"),
        ('{ institution(creditCode: "123") { name } }', {}, "creditCode", "18 characters"),
        (
            "query ($c: CreditCode!) { institution(creditCode: $c) { name } }",
            {"c": "91310110666007217A"},
            "creditCode",
            "check character",
        ),
        (
            "query ($p: IdNumber!) { person(idNumber: $p) { name } }",
            {"p": "110105194912310021"},
            "idNumber",
            "check digit",
        ),
        (
            '{ person(idNumber: "110105194902301234") { name } }',
            {},
            "idNumber",
            "real date",
        ),
        (
            '{ unlicensedOperators(region: "41020") { totalCount } }',
            {},
            "region",
            "6 digits",
        ),
    ],
)
async def test_a_bad_key_is_bad_user_input_naming_the_argument(
    harness: HubHarness, query: str, variables: dict[str, str], argument: str, reason: str
) -> None:
    response = await harness.graphql("demo-education", query, variables)

    body = response.json()
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument
    assert error["message"].startswith(f"argument {argument}:")
    assert reason in error["message"]


@pytest.mark.parametrize(
    ("scalar", "standard"),
    [
        ("CreditCode", "hcno=24691C25985C1073D3A7C85629378AC0"),  # GB 32100-2015
        ("IdNumber", "hcno=080D6FBF2BB468F9007657F26D60013E"),  # GB 11643-1999
        ("RegionCode", "hcno=C9C488FD717AFDCD52157F41C3302C6D"),  # GB/T 2260
        ("Date", "rfc3339"),
        ("DateTime", "rfc3339"),
    ],
)
async def test_scalars_name_their_specification_for_code_generators(
    sqlite_harness: HubHarness, scalar: str, standard: str
) -> None:
    response = await sqlite_harness.graphql(
        "demo-education", f'{{ __type(name: "{scalar}") {{ kind specifiedByURL }} }}'
    )

    described = response.json()["data"]["__type"]
    assert described["kind"] == "SCALAR"
    assert standard in described["specifiedByURL"]


@pytest.mark.parametrize("value", ["20261130", "2026-11-31", "2026-11-30T00:00:00Z", 20261130])
def test_a_date_that_is_not_an_rfc_3339_full_date_is_refused(value: object) -> None:
    date_type = graphql_schema_of(build_schema(QueryLimits())).get_type("Date")
    assert isinstance(date_type, GraphQLScalarType)

    with pytest.raises(InvalidScalarError):
        date_type.parse_value(value)
    assert date_type.parse_value("2026-11-30") == date(2026, 11, 30)
