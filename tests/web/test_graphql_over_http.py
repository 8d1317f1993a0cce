"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/), the
SHOULDs included: media types, status codes, malformed requests."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.harness import HubHarness
from xietong.auth.policy import load_policy
from xietong.kernel.settings import SHIPPED_POLICY
from xietong.schema.root import build_schema
from xietong.web.graphql import HubGraphQL
from xietong.web.graphql_http import MAX_BODY_BYTES

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ME = "{ me { clientId } }"


async def post(
    harness: HubHarness,
    body: Any = None,
    *,
    accept: str | None = GRAPHQL_RESPONSE,
    content: bytes | None = None,
    content_type: str | None = JSON,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {await harness.token('demo-education')}"}
    if accept is not None:
        headers["Accept"] = accept
    if content_type is not None:
        headers["Content-Type"] = content_type
    if content is None and body is not None:
        content = json.dumps(body).encode()
    return await harness.http.post("/graphql", content=content, headers=headers)


async def get(
    harness: HubHarness, params: dict[str, str], *, accept: str = GRAPHQL_RESPONSE
) -> httpx.Response:
    token = await harness.token("demo-education")
    headers = {"Authorization": f"Bearer {token}", "Accept": accept}
    return await harness.http.get("/graphql", params=params, headers=headers)


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_answers_in_the_media_type_asked_for(sqlite_harness: HubHarness, accept: str) -> None:
    response = await post(sqlite_harness, {"query": ME}, accept=accept)

    assert response.status_code == 200
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    assert response.json() == {"data": {"me": {"clientId": "demo-education"}}}


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (f"*/*, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.9, */*", JSON),
        (f"{GRAPHQL_RESPONSE};q=0.5, {JSON}", JSON),
        (f"{JSON}, {GRAPHQL_RESPONSE};q=0", JSON),
        (f"text/html, {JSON};q=0.9", JSON),
        ("application/graphql-response+json; charset=utf-8", GRAPHQL_RESPONSE),
    ],
)
async def test_the_best_acceptable_media_type_wins(
    sqlite_harness: HubHarness, accept: str | None, media_type: str
) -> None:
    response = await post(sqlite_harness, {"query": ME}, accept=accept)

    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


@pytest.mark.parametrize("accept", ["text/html", "application/xml", f"{JSON};q=0", "image/*"])
async def test_an_unacceptable_accept_header_is_406(
    sqlite_harness: HubHarness, accept: str
) -> None:
    response = await post(sqlite_harness, {"query": ME}, accept=accept)

    assert response.status_code == 406
    assert codes(response) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("query", "code"),
    [("{ me { clientId }", "GRAPHQL_PARSE_FAILED"), ("{ nonsense }", "GRAPHQL_VALIDATION_FAILED")],
)
async def test_request_errors_are_400_without_data_under_graphql_response_json(
    sqlite_harness: HubHarness, query: str, code: str
) -> None:
    response = await post(sqlite_harness, {"query": query})

    assert response.status_code == 400
    assert "data" not in response.json()
    assert codes(response) == [code]


@pytest.mark.parametrize(
    ("query", "code"),
    [("{ me { clientId }", "GRAPHQL_PARSE_FAILED"), ("{ nonsense }", "GRAPHQL_VALIDATION_FAILED")],
)
async def test_request_errors_are_200_under_application_json(
    sqlite_harness: HubHarness, query: str, code: str
) -> None:
    response = await post(sqlite_harness, {"query": query}, accept=JSON)

    assert response.status_code == 200
    assert codes(response) == [code]


async def test_a_variable_that_cannot_be_coerced_is_a_400_request_error(
    sqlite_harness: HubHarness,
) -> None:
    query = "query ($c: CreditCode!) { institution(creditCode: $c) { name } }"

    response = await post(sqlite_harness, {"query": query, "variables": {"c": 12}})

    assert response.status_code == 400
    assert codes(response) == ["BAD_USER_INPUT"]


async def test_field_errors_keep_200_and_their_data(sqlite_harness: HubHarness) -> None:
    token = await sqlite_harness.token("demo-market")
    response = await sqlite_harness.http.post(
        "/graphql",
        json={"query": "{ me { clientId } auditChain { intact } }"},
        headers={"Authorization": f"Bearer {token}", "Accept": GRAPHQL_RESPONSE},
    )

    assert response.status_code == 200
    assert response.json()["data"]["me"] == {"clientId": "demo-market"}
    assert codes(response) == ["FORBIDDEN"]


async def test_queries_work_over_get_with_json_variables(sqlite_harness: HubHarness) -> None:
    response = await get(
        sqlite_harness,
        {
            "query": "query ($n: Int) { institutions(first: $n) { totalCount } }",
            "variables": '{"n": 1}',
        },
    )

    assert response.status_code == 200
    assert response.json()["data"]["institutions"]["totalCount"] > 0


async def test_mutations_over_get_are_405_and_name_post(sqlite_harness: HubHarness) -> None:
    mutation = (
        'mutation { publishAnnualReview(input: {reviewId: "1", expectedVersion: 1}) '
        "{ __typename } }"
    )

    response = await get(sqlite_harness, {"query": mutation})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert codes(response) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_with_a_code(sqlite_harness: HubHarness, method: str) -> None:
    token = await sqlite_harness.token("demo-education")
    response = await sqlite_harness.http.request(
        method, "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 405
    assert codes(response) == ["BAD_USER_INPUT"]


INVALID_PARAMETERS: list[Any] = [
    {},
    {"qeury": ME},
    {"query": None},
    {"query": ""},
    {"query": 1},
    {"query": ["{ me { clientId } }"]},
    {"query": {"obj": "ect"}},
    {"query": ME, "variables": "string"},
    {"query": ME, "variables": [7]},
    {"query": ME, "variables": 0},
    {"query": ME, "operationName": 0},
    {"query": ME, "operationName": ["Q"]},
    {"query": ME, "extensions": "string"},
    [{"query": ME}],
    "just a string",
    None,
]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_invalid_parameters_are_400_with_a_code(
    sqlite_harness: HubHarness, accept: str
) -> None:
    for body in INVALID_PARAMETERS:
        response = await post(sqlite_harness, content=json.dumps(body).encode(), accept=accept)

        assert response.status_code == 400, (body, response.text)
        assert "data" not in response.json(), body
        assert codes(response) == ["BAD_USER_INPUT"], body


NOT_JSON_IN_UTF8 = {
    "empty": b"",
    "truncated": b'{"query":',
    "nonsense": b"NONSENSE",
    "bad-utf8": b'{"query": "\xff\xfe{ me { clientId } }"}',
    "utf16": '{"query": "{ me { clientId } }"}'.encode("utf-16"),
    "nan": b'{"query": "{ me { clientId } }", "variables": {"n": NaN}}',
    "long-int": b'{"query": "{ me { clientId } }", "variables": {"n": ' + b"9" * 5000 + b"}}",
    "deep": b"[" * 100_000 + b"]" * 100_000,
}


async def test_a_body_that_is_not_json_in_utf8_is_400(sqlite_harness: HubHarness) -> None:
    for case, content in NOT_JSON_IN_UTF8.items():
        response = await post(sqlite_harness, content=content)

        assert response.status_code == 400, case
        assert codes(response) == ["BAD_USER_INPUT"], case


async def test_a_post_that_is_not_json_in_utf8_is_415(sqlite_harness: HubHarness) -> None:
    for content_type in [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        f"{JSON}; charset=latin-1",
    ]:
        response = await post(
            sqlite_harness, content=json.dumps({"query": ME}).encode(), content_type=content_type
        )

        assert response.status_code == 415, content_type
        assert codes(response) == ["BAD_USER_INPUT"], content_type


async def test_utf8_stated_or_not_is_accepted(sqlite_harness: HubHarness) -> None:
    body = {"query": "# 机构的联合档案\n{ me { clientId } }"}

    stated = await post(sqlite_harness, body, content_type=f"{JSON}; charset=utf-8")
    assumed = await post(sqlite_harness, body, content_type=JSON)

    assert stated.status_code == assumed.status_code == 200


async def test_an_oversized_body_is_413_unread(sqlite_harness: HubHarness) -> None:
    just_under = await post(sqlite_harness, {"query": ME + " " * (MAX_BODY_BYTES - 100)})
    over = await post(sqlite_harness, {"query": ME + " " * MAX_BODY_BYTES})

    assert just_under.status_code == 200
    assert over.status_code == 413
    assert codes(over) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), (JSON, 200)])
async def test_an_operation_that_cannot_be_determined_is_a_request_error(
    sqlite_harness: HubHarness, accept: str, status: int
) -> None:
    body = {"query": "query A { me { clientId } } query B { me { subject } }"}

    response = await post(sqlite_harness, body, accept=accept)

    assert response.status_code == status
    assert codes(response) == ["BAD_USER_INPUT"]


async def test_the_operation_named_is_the_one_that_runs(sqlite_harness: HubHarness) -> None:
    body = {
        "query": "query A { me { clientId } } query B { me { subject } }",
        "operationName": "B",
    }

    response = await post(sqlite_harness, body)

    assert response.json() == {"data": {"me": {"subject": "demo-education"}}}


async def test_null_optional_parameters_are_accepted(sqlite_harness: HubHarness) -> None:
    body = {"query": ME, "variables": None, "operationName": None, "extensions": None}

    response = await post(sqlite_harness, body)

    assert response.status_code == 200
    assert "errors" not in response.json()


async def test_a_refused_request_is_in_the_access_log(sqlite_harness: HubHarness) -> None:
    await post(sqlite_harness, content=b"NONSENSE")

    events = (
        await post(
            sqlite_harness,
            {"query": "{ me { clientId } }"},
        )
    ).json()
    assert events == {"data": {"me": {"clientId": "demo-education"}}}
    log = await sqlite_harness.graphql(
        "demo-auditor",
        "{ auditEvents(first: 5) { edges { node { outcome clientId } } } }",
    )
    outcomes = [edge["node"] for edge in log.json()["data"]["auditEvents"]["edges"]]
    assert {"outcome": "ERROR", "clientId": "demo-education"} in outcomes


async def test_graphiql_still_needs_no_token(sqlite_harness: HubHarness) -> None:
    response = await sqlite_harness.http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_without_a_token_it_is_401_whatever_the_accept(sqlite_harness: HubHarness) -> None:
    response = await sqlite_harness.http.post(
        "/graphql", json={"query": ME}, headers={"Accept": "image/png"}
    )

    assert response.status_code == 401
    assert codes(response) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "answer",
    [
        {"data": {"name": "开封市龙亭区启航培训学校", "count": 3, "ratio": 0.25, "none": None}},
        # UTF-8 cannot carry a lone surrogate, nor orjson an integer past 64 bits:
        # the standard library's encoding, as before, instead of a failure.
        {"errors": [{"message": "bad value '\ud800'"}]},
        {"data": {"big": 2**70}},
    ],
)
def test_answers_are_encoded_as_the_same_json(answer: dict[str, Any]) -> None:
    endpoint = HubGraphQL(build_schema(), policy=load_policy(SHIPPED_POLICY))

    encoded = endpoint.encode_json(answer)

    assert json.loads(encoded) == answer
