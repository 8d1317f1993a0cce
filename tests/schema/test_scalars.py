"""Validated scalars: a bad key is BAD_USER_INPUT naming the argument, before any source."""

from __future__ import annotations

import pytest

from tests.support.harness import HubHarness

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
