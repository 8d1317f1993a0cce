"""A purpose in Chinese works however a client sends it, says something, and has a
limit (DESIGN §8)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.support.harness import HubHarness

PURPOSE = "2026年度联合检查：核查退费投诉"
# A field whose policy asks for a purpose of every reader (DESIGN §7).
NEEDS_PURPOSE = "{ institutions(first: 1) { edges { node { staff { idNumber } } } } }"
EVENTS = """query Events($client: String) { auditEvents(filter: {clientId: $client}, first: 5) {
  edges { node { purpose caseId operationName outcome } } } }"""


async def ask(
    harness: HubHarness,
    *,
    headers: dict[str, Any] | None = None,
    extensions: dict[str, Any] | None = None,
    operation_name: str | None = None,
    query: str = NEEDS_PURPOSE,
) -> Any:
    body: dict[str, Any] = {"query": query}
    if extensions is not None:
        body["extensions"] = extensions
    if operation_name is not None:
        body["operationName"] = operation_name
    token = await harness.token("demo-education")
    return await harness.http.post(
        "/graphql", json=body, headers={"Authorization": f"Bearer {token}", **(headers or {})}
    )


async def last_event(harness: HubHarness) -> dict[str, Any]:
    response = await harness.graphql("demo-auditor", EVENTS, {"client": "demo-education"})
    edges = response.json()["data"]["auditEvents"]["edges"]
    node: dict[str, Any] = edges[0]["node"]
    return node


@pytest.mark.parametrize(
    "how",
    [
        {"extensions": {"purpose": PURPOSE, "caseId": "汴教〔2026〕31号"}},
        {
            "headers": {
                "X-Purpose": "UTF-8''" + quote(PURPOSE),
                "X-Case-Id": quote("汴教〔2026〕31号"),
            }
        },
        {"headers": {"X-Purpose": PURPOSE.encode(), "X-Case-Id": "汴教〔2026〕31号".encode()}},
    ],
    ids=["body extensions", "RFC 8187 and percent-encoded headers", "raw UTF-8 headers"],
)
async def test_a_chinese_purpose_is_taken_and_logged_as_written(
    harness: HubHarness, how: dict[str, Any]
) -> None:
    response = await ask(harness, **how)

    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["institutions"]["edges"][0]["node"]["staff"]
    event = await last_event(harness)
    assert event["purpose"] == PURPOSE
    assert event["caseId"] == "汴教〔2026〕31号"


@pytest.mark.parametrize(
    "purpose", ["   ", "\u200b\u200d\ufeff", "\u3000\t", "...!?", "——。", "\u2060-\u2060"]
)
async def test_whitespace_invisible_characters_or_punctuation_are_no_purpose(
    harness: HubHarness, purpose: str
) -> None:
    response = await ask(harness, extensions={"purpose": purpose})

    codes = {error["extensions"]["code"] for error in response.json()["errors"]}
    assert codes == {"PURPOSE_REQUIRED"}
    assert (await last_event(harness))["purpose"] is None


@pytest.mark.parametrize(
    ("how", "limit", "logged"),
    [
        ({"extensions": {"purpose": "查" * 501}}, "500", ("purpose", "查" * 500)),
        ({"headers": {"X-Purpose": quote("查" * 501)}}, "500", ("purpose", "查" * 500)),
        ({"extensions": {"purpose": "x", "caseId": "9" * 101}}, "100", ("caseId", "9" * 100)),
        (
            {"operation_name": "Q" * 201, "query": "query " + "Q" * 201 + " { me { clientId } }"},
            "200",
            ("operationName", "Q" * 200),
        ),
    ],
    ids=["purpose in the body", "purpose in a header", "case id", "operation name"],
)
async def test_a_value_over_its_limit_is_a_400_that_is_logged_cut_to_the_limit(
    harness: HubHarness, how: dict[str, Any], limit: str, logged: tuple[str, str]
) -> None:
    response = await ask(harness, **how)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert limit in error["message"]
    event = await last_event(harness)
    assert event["outcome"] == "ERROR"
    name, value = logged
    assert event[name] == value


async def test_a_purpose_that_is_not_text_is_a_400(harness: HubHarness) -> None:
    response = await ask(harness, extensions={"purpose": ["audit"]})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
