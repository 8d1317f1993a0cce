"""``annualReviewResults`` and its CSV: what the departments announce once a review is
published, and a file Excel opens with its Chinese intact."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.support.harness import HubHarness

RESULTS = """
query Results($year: Int!, $region: RegionCode) {
  annualReviewResults(year: $year, region: $region) {
    region year
    results { reviewId creditCode name region year conclusion conclusionLabel publishedAt
              signers { department departmentLabel signer signedAt } }
  }
}
"""
CLIENT_OF = {"EDUCATION": "demo-education", "CULTURE_TOURISM": "demo-culture"}


async def _ask(harness: HubHarness, client: str, query: str) -> dict[str, Any]:
    body: dict[str, Any] = (await harness.graphql(client, query)).json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


async def _institutions(harness: HubHarness) -> list[dict[str, Any]]:
    """Institutions a PASS does not contradict (not blacklisted, licence in force, no
    campus failed fire acceptance), so each conclusion below can be signed."""
    data = await _ask(
        harness,
        "demo-education",
        "{ institutions(first: 100) { edges { node { creditCode name region supervisors "
        "risk { signals { code } } premises { acceptance } } } } }",
    )
    return [
        edge["node"]
        for edge in data["institutions"]["edges"]
        if not {"BLACKLISTED", "LICENSE_INACTIVE"}
        & {signal["code"] for signal in edge["node"]["risk"]["signals"]}
        and all(campus["acceptance"] != "FAILED" for campus in edge["node"]["premises"] or [])
    ]


async def _review(
    harness: HubHarness, institution: dict[str, Any], year: int, conclusion: str, *, publish: bool
) -> str:
    """Open, sign by every required signer and, if asked, publish; the review's id."""
    result = "{ __typename ... on AnnualReview { id version } ... on ReviewError { code message } }"
    opened = await _ask(
        harness,
        "demo-education",
        f'mutation {{ openAnnualReview(input: {{creditCode: "{institution["creditCode"]}", '
        f"year: {year}}}) {result} }}",
    )
    review = opened["openAnnualReview"]
    assert review["__typename"] == "AnnualReview", review
    for department in institution["supervisors"]:
        signed = await _ask(
            harness,
            CLIENT_OF[department],
            f'mutation {{ signAnnualReview(input: {{reviewId: "{review["id"]}", conclusion: '
            f'{conclusion}, findings: "ok", expectedVersion: {review["version"]}}}) {result} }}',
        )
        review = signed["signAnnualReview"]
        assert review["__typename"] == "AnnualReview", review
    if publish:
        published = await _ask(
            harness,
            "demo-education",
            f'mutation {{ publishAnnualReview(input: {{reviewId: "{review["id"]}", '
            f"expectedVersion: {review['version']}}}) {result} }}",
        )
        assert published["publishAnnualReview"]["__typename"] == "AnnualReview"
    return str(review["id"])


async def _published_world(harness: HubHarness) -> dict[str, dict[str, Any]]:
    """Two reviews of 2025 published (an academic school, an arts school with two
    signers), one of 2025 signed but not published, one of 2024 published."""
    institutions = await _institutions(harness)
    academic = [i for i in institutions if i["supervisors"] == ["EDUCATION"]]
    arts = [i for i in institutions if i["supervisors"] == ["EDUCATION", "CULTURE_TOURISM"]]
    await _review(harness, academic[0], 2025, "PASS", publish=True)
    await _review(harness, arts[0], 2025, "EXCELLENT", publish=True)
    await _review(harness, academic[1], 2025, "PASS", publish=False)
    await _review(harness, academic[2], 2024, "FAIL", publish=True)
    return {"academic": academic[0], "arts": arts[0]}


async def test_the_published_results_name_the_institution_its_conclusion_and_its_signers(
    harness: HubHarness,
) -> None:
    published = await _published_world(harness)

    response = await harness.graphql("demo-market", RESULTS, {"year": 2025})
    data = response.json()["data"]

    found = data["annualReviewResults"]
    assert (found["region"], found["year"]) == ("410200", 2025)
    by_code = {result["creditCode"]: result for result in found["results"]}
    assert set(by_code) == {published["academic"]["creditCode"], published["arts"]["creditCode"]}
    arts = by_code[published["arts"]["creditCode"]]
    assert arts["name"] == published["arts"]["name"]
    assert (arts["conclusion"], arts["conclusionLabel"]) == ("EXCELLENT", "优秀")
    assert [(s["department"], s["departmentLabel"]) for s in arts["signers"]] == [
        ("EDUCATION", "教育局"),
        ("CULTURE_TOURISM", "文化广电和旅游局"),
    ]
    academic = by_code[published["academic"]["creditCode"]]
    assert (academic["conclusionLabel"], len(academic["signers"])) == ("合格", 1)


async def test_the_csv_has_a_bom_and_the_chinese_excel_shows(harness: HubHarness) -> None:
    published = await _published_world(harness)
    token = await harness.token("demo-education")

    response = await harness.http.get(
        "/reviews/results.csv",
        params={"year": "2025"},
        headers={"Authorization": f"Bearer {token}", "X-Purpose": "publication"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [
        "统一社会信用代码",
        "机构名称",
        "行政区划",
        "年度",
        "年检结论",
        "会签部门",
        "公示日期",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {published["academic"]["creditCode"], published["arts"]["creditCode"]}
    arts = by_code[published["arts"]["creditCode"]]
    assert arts[1] == published["arts"]["name"]
    assert any("\u4e00" <= character <= "\u9fff" for character in arts[1])
    assert arts[3:6] == ["2025", "优秀", "教育局、文化广电和旅游局"]
    # Excel without the BOM would read the bytes as GBK: the BOM is what it keys on.
    assert raw[3:].decode("utf-8").startswith("统一社会信用代码")


async def test_the_csv_download_is_logged_like_any_read(harness: HubHarness) -> None:
    await _published_world(harness)
    token = await harness.token("demo-culture")
    await harness.http.get(
        "/reviews/results.csv",
        params={"year": "2025"},
        headers={"Authorization": f"Bearer {token}"},
    )

    data = await _ask(
        harness,
        "demo-auditor",
        '{ auditEvents(filter: {clientId: "demo-culture"}, first: 5) { edges { node {'
        " operationName outcome fieldsRead recordKeys } } } }",
    )

    latest = data["auditEvents"]["edges"][0]["node"]
    assert latest["operationName"] == "AnnualReviewResultsCsv"
    assert latest["outcome"] == "OK"
    assert "AnnualReviewResults.csv" in latest["fieldsRead"]
    assert any(key.startswith("returned:") for key in latest["recordKeys"])


async def test_the_csv_refuses_what_graphql_refuses(sqlite_harness: HubHarness) -> None:
    harness = sqlite_harness

    async def get(client: str | None, **params: str) -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {await harness.token(client)}"} if client else {}
        response = await harness.http.get("/reviews/results.csv", params=params, headers=headers)
        code = response.json()["errors"][0]["extensions"]["code"]
        return response.status_code, code

    assert await get(None, year="2025") == (401, "UNAUTHENTICATED")
    assert await get("demo-admin", year="2025") == (403, "FORBIDDEN")
    assert await get("demo-education", year="twenty") == (400, "BAD_USER_INPUT")
    assert await get("demo-education", year="1066") == (400, "BAD_USER_INPUT")
    assert await get("demo-education-district", year="2025", region="410203") == (
        403,
        "OUT_OF_SCOPE",
    )
