"""Input the hub never hands out is BAD_USER_INPUT naming the argument, before any
department or the database is asked."""

from __future__ import annotations

import base64

import pytest

from tests.support.harness import HubHarness


def crafted(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


CONNECTIONS = [
    ("demo-auditor", "auditEvents(first: 2, after: $after) { totalCount }"),
    ("demo-education", "institutions(first: 2, after: $after) { totalCount }"),
    ("demo-education", "unlicensedOperators(first: 2, after: $after) { totalCount }"),
    ("demo-education", "annualReviews(first: 2, after: $after) { totalCount }"),
]
CRAFTED = [
    crafted("1 OR 1=1"),
    crafted("-1"),
    crafted(str(2**70)),
    crafted("2026:' OR '1'='1"),
    crafted("99999999999999999999:91310110666007217T"),
    "not base64 at all!",
    crafted("\u0000"),
]


@pytest.mark.parametrize(("client", "field"), CONNECTIONS)
async def test_a_cursor_the_hub_did_not_make_is_bad_user_input(
    harness: HubHarness, client: str, field: str
) -> None:
    for cursor in CRAFTED:
        response = await harness.graphql(
            client, f"query Page($after: String) {{ {field} }}", {"after": cursor}, purpose="audit"
        )

        body = response.json()
        assert response.status_code == 200, body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (cursor, error)
        assert error["extensions"]["argument"] == "after"


async def test_a_cursor_the_hub_made_still_pages(harness: HubHarness) -> None:
    query = """query Page($after: String) { institutions(first: 2, after: $after) {
        edges { node { creditCode } } pageInfo { endCursor } } }"""
    first = (await harness.graphql("demo-education", query, {"after": None})).json()
    cursor = first["data"]["institutions"]["pageInfo"]["endCursor"]
    second = (await harness.graphql("demo-education", query, {"after": cursor})).json()

    codes = [e["node"]["creditCode"] for e in second["data"]["institutions"]["edges"]]
    assert "errors" not in second
    assert codes
    assert codes[0] > cursor_key(cursor)


def cursor_key(cursor: str) -> str:
    return base64.urlsafe_b64decode(cursor.encode()).decode()


async def test_an_out_of_range_complaint_count_is_refused_by_the_hub_itself(
    harness: HubHarness,
) -> None:
    for count in [2147483647, 100_001, -1]:
        response = await harness.graphql(
            "demo-education",
            "query F($n: Int) { institutions(filter: {minComplaints: $n}) { totalCount } }",
            {"n": count},
        )

        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (count, error)
        assert error["extensions"]["argument"] == "filter.minComplaints"


@pytest.mark.parametrize("name", ["nameContains", "legalRepresentative", "address"])
async def test_blank_or_overlong_text_conditions_are_refused(
    sqlite_harness: HubHarness, name: str
) -> None:
    for text in ["", "   ", "启" * 101]:
        response = await sqlite_harness.graphql(
            "demo-education",
            f"query F($t: String) {{ institutions(filter: {{{name}: $t}}) {{ totalCount }} }}",
            {"t": text},
        )

        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (text, error)
        assert error["extensions"]["argument"] == f"filter.{name}"
