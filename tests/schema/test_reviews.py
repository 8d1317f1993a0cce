"""Annual reviews through GraphQL, as the bureaus use them, over the sandbox's
institutions, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.harness import HubHarness
from xietong.domain.departments import Department
from xietong.domain.records import FireAcceptanceStatus, Institution, LicenseStatus
from xietong.reviews.document import review_from_document
from xietong.reviews.verify import verify_review

UNKNOWN_CODE = "91310110666007217T"
"""A valid credit code the sandbox's education bureau does not know."""

RESULT = """
fragment Result on AnnualReviewResult {
  __typename
  ... on AnnualReview {
    id creditCode year status version conclusion digest requiredSigners
    awaitingSignatureFrom openedBy openedAt publishedAt publishedBy publishedByDepartment
    publicationJws
    signatures { department signer conclusion findings signedAt jws revokedAt snapshot
                 snapshotDigest checklist { item subject ok value } }
  }
  ... on ReviewError { code message field }
}
"""
INPUTS = {
    "openAnnualReview": "OpenAnnualReviewInput",
    "signAnnualReview": "SignAnnualReviewInput",
    "revokeSignature": "RevokeSignatureInput",
    "publishAnnualReview": "PublishAnnualReviewInput",
}


@dataclass(frozen=True, slots=True)
class Schools:
    arts: str
    """Kaifeng, outside district 410202; supervised by education and culture & tourism."""
    sports: str
    """Kaifeng; supervised by education and sports."""
    zhengzhou: str
    """Outside Kaifeng (410100)."""


@pytest.fixture
async def schools(harness: HubHarness) -> Schools:
    return await _schools(harness)


async def _schools(harness: HubHarness) -> Schools:
    """Schools whose record a PASS does not contradict (licence not revoked, not
    blacklisted, no campus failed fire acceptance)."""
    records, _ = await harness.hub.adapters.education.page("41", None, 500)
    fire = await harness.hub.adapters.fire_safety.load([r.credit_code for r in records])
    today = harness.hub.today()

    def passable(record: Institution) -> bool:
        campuses = fire[record.credit_code].premises
        return (
            record.license is not None
            and record.license.status is LicenseStatus.VALID
            and not record.blacklisted_on(today)
            and not record.barred_staff
            and all(c.acceptance is not FireAcceptanceStatus.FAILED for c in campuses)
        )

    def first(test: Any) -> str:
        return next(record.credit_code for record in records if test(record) and passable(record))

    def kaifeng(record: Institution, *competent: Department) -> bool:
        return (
            record.region.startswith("4102")
            and record.region != "410202"
            and record.supervisors == (Department.EDUCATION, *competent)
        )

    return Schools(
        arts=first(lambda r: kaifeng(r, Department.CULTURE_TOURISM)),
        sports=first(lambda r: kaifeng(r, Department.SPORTS)),
        zhengzhou=first(lambda r: r.region.startswith("4101")),
    )


async def mutate(harness: HubHarness, client_id: str, name: str, **fields: Any) -> dict[str, Any]:
    query = f"mutation($input: {INPUTS[name]}!) {{ {name}(input: $input) {{ ...Result }} }}"
    response = await harness.graphql(client_id, query + RESULT, {"input": fields}, purpose=None)
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][name]
    return result


async def sign(
    harness: HubHarness, client_id: str, review: dict[str, Any], conclusion: str = "PASS"
) -> dict[str, Any]:
    findings = f"{client_id}: licence, premises and funds inspected"
    return await mutate(
        harness,
        client_id,
        "signAnnualReview",
        reviewId=review["id"],
        conclusion=conclusion,
        findings=findings,
        expectedVersion=review["version"],
    )


def error(result: dict[str, Any]) -> tuple[str, str | None]:
    assert result["__typename"] == "ReviewError", result
    return result["code"], result["field"]


async def test_open_sign_by_both_publish_and_verify_offline(
    harness: HubHarness, schools: Schools
) -> None:
    opened = await mutate(
        harness, "demo-education", "openAnnualReview", creditCode=schools.arts, year=2025
    )
    first = await sign(harness, "demo-education", opened)
    second = await sign(harness, "demo-culture", first)
    published = await mutate(
        harness, "demo-culture", "publishAnnualReview", reviewId=opened["id"], expectedVersion=3
    )
    too_late = await sign(harness, "demo-education", published)

    assert (opened["status"], opened["version"], opened["requiredSigners"]) == (
        "OPEN",
        1,
        ["EDUCATION", "CULTURE_TOURISM"],
    )
    assert (first["status"], first["awaitingSignatureFrom"]) == ("OPEN", ["CULTURE_TOURISM"])
    assert (second["status"], second["conclusion"], second["version"]) == ("COSIGNED", "PASS", 3)
    assert (published["status"], published["version"]) == ("PUBLISHED", 4)
    assert published["publishedAt"] is not None
    assert [s["signer"] for s in published["signatures"]] == ["demo-education", "demo-culture"]
    assert error(too_late)[0] == "WRONG_STATE"

    jwks = (await harness.http.get("/.well-known/jwks.json")).json()
    report = verify_review(review_from_document(published), jwks)
    assert report.intact, report.problems


async def test_a_dispute_is_settled_by_revoking_and_signing_again(
    harness: HubHarness, schools: Schools
) -> None:
    opened = await mutate(
        harness, "demo-culture", "openAnnualReview", creditCode=schools.arts, year=2025
    )
    signed = await sign(harness, "demo-education", opened, "PASS")

    disputed = await sign(harness, "demo-culture", signed, "FAIL")
    revoked = await mutate(
        harness, "demo-culture", "revokeSignature", reviewId=opened["id"], expectedVersion=3
    )
    cosigned = await sign(harness, "demo-culture", revoked, "PASS")

    assert (disputed["status"], disputed["conclusion"]) == ("DISPUTED", None)
    assert (revoked["status"], revoked["awaitingSignatureFrom"]) == ("OPEN", ["CULTURE_TOURISM"])
    assert (cosigned["status"], cosigned["conclusion"], cosigned["version"]) == (
        "COSIGNED",
        "PASS",
        5,
    )
    history = [(s["department"], s["conclusion"], s["revokedAt"]) for s in cosigned["signatures"]]
    assert [(department, conclusion, live is None) for department, conclusion, live in history] == [
        ("EDUCATION", "PASS", True),
        ("CULTURE_TOURISM", "FAIL", False),
        ("CULTURE_TOURISM", "PASS", True),
    ]


async def test_every_review_error_code(harness: HubHarness, schools: Schools) -> None:
    opened = await mutate(
        harness, "demo-education", "openAnnualReview", creditCode=schools.arts, year=2025
    )
    signed = await sign(harness, "demo-education", opened)

    attempts = {
        "unknown institution": ("demo-education", "openAnnualReview",
                                {"creditCode": UNKNOWN_CODE, "year": 2025}),
        "unknown review": ("demo-education", "publishAnnualReview",
                           {"reviewId": "no-such-review", "expectedVersion": 1}),
        "bureau of another domain": ("demo-sports", "openAnnualReview",
                                     {"creditCode": schools.arts, "year": 2024}),
        "culture on a sports school": ("demo-culture", "openAnnualReview",
                                       {"creditCode": schools.sports, "year": 2025}),
        "district outside its district": ("demo-education-district", "openAnnualReview",
                                          {"creditCode": schools.arts, "year": 2024}),
        "city outside its city": ("demo-education", "openAnnualReview",
                                  {"creditCode": schools.zhengzhou, "year": 2025}),
        "district signs outside": ("demo-education-district", "revokeSignature",
                                   {"reviewId": opened["id"], "expectedVersion": 2}),
        "second review": ("demo-culture", "openAnnualReview",
                          {"creditCode": schools.arts, "year": 2025}),
        "publish too early": ("demo-education", "publishAnnualReview",
                              {"reviewId": opened["id"], "expectedVersion": 2}),
        "stale version": ("demo-culture", "revokeSignature",
                          {"reviewId": opened["id"], "expectedVersion": 1}),
    }  # fmt: skip
    results = {
        case: error(await mutate(harness, client_id, name, **fields))
        for case, (client_id, name, fields) in attempts.items()
    }
    results["signed twice"] = error(await sign(harness, "demo-education", signed))
    results["stale version"] = error(
        await mutate(
            harness,
            "demo-culture",
            "signAnnualReview",
            reviewId=opened["id"],
            conclusion="PASS",
            findings="late",
            expectedVersion=1,
        )
    )

    assert results == {
        "unknown institution": ("NOT_FOUND", "creditCode"),
        "unknown review": ("NOT_FOUND", "reviewId"),
        "bureau of another domain": ("NOT_A_SIGNER", "creditCode"),
        "culture on a sports school": ("NOT_A_SIGNER", "creditCode"),
        "district outside its district": ("OUT_OF_SCOPE", "creditCode"),
        "city outside its city": ("OUT_OF_SCOPE", "creditCode"),
        "district signs outside": ("OUT_OF_SCOPE", "reviewId"),
        "second review": ("DUPLICATE_REVIEW", "year"),
        "publish too early": ("WRONG_STATE", None),
        "stale version": ("VERSION_CONFLICT", "expectedVersion"),
        "signed twice": ("ALREADY_SIGNED", None),
    }
    query = "query($id: ID!) { annualReview(id: $id) { version signatures { department } } }"
    review = await harness.graphql("demo-education", query, {"id": opened["id"]})
    assert review.json()["data"]["annualReview"] == {
        "version": 2,
        "signatures": [{"department": "EDUCATION"}],
    }


async def test_only_the_supervisor_roles_may_call_the_mutations(
    sqlite_harness: HubHarness,
) -> None:
    schools = await _schools(sqlite_harness)
    query = (
        "mutation($c: CreditCode!) { openAnnualReview(input: {creditCode: $c, year: 2025}) "
        "{ __typename } }"
    )

    for client_id in ("demo-market", "demo-police", "demo-finance", "demo-auditor", "demo-admin"):
        response = await sqlite_harness.graphql(client_id, query, {"c": schools.arts})
        body = response.json()
        assert body["data"] == {"openAnnualReview": None}, client_id
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], client_id


async def test_a_bureau_inbox_pages_and_the_institution_s_reviews(
    sqlite_harness: HubHarness,
) -> None:
    harness = sqlite_harness
    schools = await _schools(harness)
    ids = {}
    for code, year in ((schools.arts, 2024), (schools.arts, 2025), (schools.sports, 2025)):
        opened = await mutate(
            harness, "demo-education", "openAnnualReview", creditCode=code, year=year
        )
        ids[code, year] = opened["id"]
    await sign(harness, "demo-education", {"id": ids[schools.arts, 2025], "version": 1})

    async def inbox(client_id: str, department: str, **page: Any) -> dict[str, Any]:
        query = """query($f: AnnualReviewFilter, $first: Int!, $after: String) {
          annualReviews(filter: $f, first: $first, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { id creditCode year } }
          } }"""
        variables = {"f": {"awaitingSignatureFrom": department}, "first": 10, **page}
        body = (await harness.graphql(client_id, query, variables, purpose="inbox")).json()
        assert "errors" not in body, body
        connection: dict[str, Any] = body["data"]["annualReviews"]
        return connection

    education = await inbox("demo-education", "EDUCATION")
    culture = await inbox("demo-culture", "CULTURE_TOURISM")
    first_page = await inbox("demo-auditor", "CULTURE_TOURISM", first=1)
    second_page = await inbox(
        "demo-auditor", "CULTURE_TOURISM", first=1, after=first_page["pageInfo"]["endCursor"]
    )
    district = await inbox("demo-education-district", "EDUCATION")
    joint = await harness.graphql(
        "demo-market",
        "query($c: CreditCode!) { institution(creditCode: $c) { annualReviews { year status "
        "institution { creditCode } } } }",
        {"c": schools.arts},
    )

    def found(connection: dict[str, Any]) -> list[tuple[str, int]]:
        return [(e["node"]["creditCode"], e["node"]["year"]) for e in connection["edges"]]

    assert found(education) == [(schools.sports, 2025), (schools.arts, 2024)]
    assert found(culture) == [(schools.arts, 2025), (schools.arts, 2024)]
    assert (found(first_page), first_page["totalCount"]) == ([(schools.arts, 2025)], 2)
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert found(second_page) == [(schools.arts, 2024)]
    assert second_page["pageInfo"]["hasNextPage"] is False
    assert (district["totalCount"], district["edges"]) == (0, [])
    assert joint.json()["data"]["institution"]["annualReviews"] == [
        {"year": 2025, "status": "OPEN", "institution": {"creditCode": schools.arts}},
        {"year": 2024, "status": "OPEN", "institution": {"creditCode": schools.arts}},
    ]


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL that ``engine`` sends to the database meanwhile."""
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def reading(table: str, statements: list[str]) -> list[str]:
    return [s for s in statements if re.search(rf"\bFROM {table}\b", s)]


async def test_a_page_of_institutions_reads_all_their_reviews_in_one_query(
    harness: HubHarness,
) -> None:
    page = "{ institutions(first: 6) { edges { node { creditCode } } } }"
    edges = (await harness.graphql("demo-education", page)).json()["data"]["institutions"]
    codes = [edge["node"]["creditCode"] for edge in edges["edges"]]
    opened = {}
    for code, year in ((codes[0], 2024), (codes[0], 2025), (codes[2], 2025), (codes[3], 2023)):
        opened[code, year] = await mutate(
            harness, "demo-education", "openAnnualReview", creditCode=code, year=year
        )
        assert opened[code, year]["__typename"] == "AnnualReview", opened[code, year]
    opened[codes[0], 2025] = await sign(
        harness, "demo-education", opened[codes[0], 2025], conclusion="FAIL"
    )
    query = (
        "{ institutions(first: 6) { edges { node { creditCode "
        "annualReviews { id creditCode year status signatures { department } } } } } }"
    )

    with statements_run(harness.hub.engine) as statements:
        body = (await harness.graphql("demo-education", query)).json()

    assert "errors" not in body, body
    found = {
        edge["node"]["creditCode"]: edge["node"]["annualReviews"]
        for edge in body["data"]["institutions"]["edges"]
    }

    def expected(code: str, year: int, *signers: str) -> dict[str, Any]:
        return {
            "id": opened[code, year]["id"],
            "creditCode": code,
            "year": year,
            "status": opened[code, year]["status"],
            "signatures": [{"department": signer} for signer in signers],
        }

    assert found == {
        codes[0]: [expected(codes[0], 2025, "EDUCATION"), expected(codes[0], 2024)],
        codes[1]: [],
        codes[2]: [expected(codes[2], 2025)],
        codes[3]: [expected(codes[3], 2023)],
        codes[4]: [],
        codes[5]: [],
    }
    assert len(reading("annual_reviews", statements)) == 1, "one query for the whole page"
    assert len(reading("review_signatures", statements)) == 1, "and one for their signatures"


async def test_each_mutation_of_a_document_sees_the_reviews_as_they_are_after_it(
    sqlite_harness: HubHarness,
) -> None:
    harness = sqlite_harness
    schools = await _schools(harness)
    reviews = "... on AnnualReview { institution { annualReviews { year } } }"
    query = f"""mutation($c: CreditCode!) {{
      first: openAnnualReview(input: {{creditCode: $c, year: 2024}}) {{ {reviews} }}
      second: openAnnualReview(input: {{creditCode: $c, year: 2025}}) {{ {reviews} }}
    }}"""

    body = (await harness.graphql("demo-education", query, {"c": schools.arts})).json()

    assert "errors" not in body, body
    years = {
        name: [review["year"] for review in result["institution"]["annualReviews"]]
        for name, result in body["data"].items()
    }
    assert years == {"first": [2024], "second": [2025, 2024]}


async def test_reading_a_review_follows_region_scope_and_policy(
    sqlite_harness: HubHarness,
) -> None:
    harness = sqlite_harness
    schools = await _schools(harness)
    opened = await mutate(
        harness, "demo-education", "openAnnualReview", creditCode=schools.arts, year=2025
    )
    query = "query($id: ID!) { annualReview(id: $id) { status creditCode } }"

    async def read(client_id: str, purpose: str | None = "check") -> dict[str, Any]:
        body: dict[str, Any] = (
            await harness.graphql(client_id, query, {"id": opened["id"]}, purpose=purpose)
        ).json()
        return body

    fire = await read("demo-fire")
    district = await read("demo-education-district")
    auditor = await read("demo-auditor")
    auditor_without_purpose = await read("demo-auditor", purpose=None)
    admin = await read("demo-admin")

    assert fire["data"]["annualReview"] == {"status": "OPEN", "creditCode": schools.arts}
    assert district["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"
    assert auditor["data"]["annualReview"]["status"] == "OPEN"
    assert auditor_without_purpose["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"
    assert admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_mutations_are_in_the_access_log(sqlite_harness: HubHarness) -> None:
    harness = sqlite_harness
    schools = await _schools(harness)
    opened = await mutate(
        harness, "demo-education", "openAnnualReview", creditCode=schools.arts, year=2025
    )
    await mutate(harness, "demo-sports", "openAnnualReview", creditCode=schools.arts, year=2024)

    node = "clientId operationType outcome recordKeys"
    query = f"{{ auditEvents(first: 10) {{ edges {{ node {{ {node} }} }} }} }}"
    body = (await harness.graphql("demo-auditor", query, purpose="audit")).json()
    events = [edge["node"] for edge in body["data"]["auditEvents"]["edges"]]

    written = [
        e for e in events if (e["clientId"], e["operationType"]) == ("demo-education", "mutation")
    ]
    assert len(written) == 1, "one event per request: the mutation's is not written twice"
    assert {
        (e["clientId"], e["operationType"], e["outcome"], tuple(e["recordKeys"])) for e in events
    } >= {
        # Written with the change, in its transaction: the records it changed.
        (
            "demo-education",
            "mutation",
            "OK",
            (f"asked:{schools.arts}", f"changed:{schools.arts}", f"changed:id:{opened['id']}"),
        ),
        # Refused as a typed result: the institution was asked about, nothing returned.
        ("demo-sports", "mutation", "OK", (f"asked:{schools.arts}",)),
    }


async def test_a_year_that_cannot_be_reviewed_or_blank_findings_are_bad_user_input(
    sqlite_harness: HubHarness,
) -> None:
    harness = sqlite_harness
    schools = await _schools(harness)
    opened = await mutate(
        harness, "demo-education", "openAnnualReview", creditCode=schools.arts, year=2025
    )
    open_ = "mutation($i: OpenAnnualReviewInput!) { openAnnualReview(input: $i) { __typename } }"
    sign_ = "mutation($i: SignAnnualReviewInput!) { signAnnualReview(input: $i) { __typename } }"
    blank = {"reviewId": opened["id"], "conclusion": "PASS", "findings": "  ", "expectedVersion": 1}
    attempts = [
        (open_, {"creditCode": schools.arts, "year": 1999}, "input.year"),
        (open_, {"creditCode": schools.arts, "year": 2027}, "input.year"),  # after REFERENCE_DATE
        (sign_, blank, "input.findings"),
    ]

    for query, fields, argument in attempts:
        response = await harness.graphql("demo-education", query, {"i": fields})
        [problem] = response.json()["errors"]
        assert problem["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


async def test_a_pass_contradicting_the_sandbox_record_is_refused_for_each_cause(
    harness: HubHarness,
) -> None:
    """An institution with a revoked licence (blacklisted with it), one whose second
    campus failed fire acceptance and one with a barred head: PASS and EXCELLENT are
    CONTRADICTS_RECORD naming what contradicts them; FAIL is signed, with the checklist
    the signer saw."""
    records, _ = await harness.hub.adapters.education.page("4102", None, 500)
    fire = await harness.hub.adapters.fire_safety.load([r.credit_code for r in records])
    revoked = next(r for r in records if r.license and r.license.status is LicenseStatus.REVOKED)
    failed_campus = next(
        r
        for r in records
        if any(c.acceptance is FireAcceptanceStatus.FAILED for c in fire[r.credit_code].premises)
    )
    barred = next(r for r in records if r.barred_staff)
    assert revoked.license is not None
    causes = {
        revoked.credit_code: ["BLACKLIST: the institution is on the blacklist",
                              f"LICENSE_VALID: school licence {revoked.license.number} is REVOKED"],
        failed_campus.credit_code: ["FIRE_ACCEPTANCE: "],
        barred.credit_code: ["BLACKLIST: 1 staff barred from the industry"],
    }  # fmt: skip

    for code, items in causes.items():
        opened = await mutate(
            harness, "demo-education", "openAnnualReview", creditCode=code, year=2025
        )
        for conclusion in ("PASS", "EXCELLENT"):
            refused = await sign(harness, "demo-education", opened, conclusion=conclusion)
            assert error(refused) == ("CONTRADICTS_RECORD", "conclusion")
            assert all(item in refused["message"] for item in items), refused["message"]
        signed = await sign(harness, "demo-education", opened, conclusion="FAIL")
        assert signed["version"] == 2
        (signature,) = signed["signatures"]
        checklist = {(i["item"], i["subject"]): i for i in signature["checklist"]}
        assert any(not i["ok"] for i in checklist.values())
        assert json.loads(signature["snapshot"])["risk"]["level"] == "HIGH"
        assert (
            signature["snapshotDigest"]
            == hashlib.sha256(signature["snapshot"].encode()).hexdigest()
        )
