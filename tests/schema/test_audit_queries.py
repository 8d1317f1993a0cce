"""Auditors read the access log through GraphQL: filtered, and with the chain checked."""

from __future__ import annotations

from typing import Any

from tests.support.harness import HubHarness

EVENTS = """
query Events($filter: AuditEventFilter) {
  auditEvents(filter: $filter, first: 50) {
    totalCount
    edges { node { seq clientId outcome fieldsRead fieldsMasked fieldsDenied recordKeys purpose } }
  }
}
"""


async def events(harness: HubHarness, **filter_: Any) -> list[dict[str, Any]]:
    response = await harness.graphql("demo-auditor", EVENTS, {"filter": filter_}, purpose="audit")
    body = response.json()
    assert "errors" not in body, body
    connection = body["data"]["auditEvents"]
    nodes = [edge["node"] for edge in connection["edges"]]
    assert connection["totalCount"] == len(nodes)
    return nodes


async def test_every_request_is_in_the_log_with_who_what_and_outcome(harness: HubHarness) -> None:
    page = await harness.graphql(
        "demo-education", "{ institutions(first: 2) { edges { node { creditCode } } } }"
    )
    codes = [e["node"]["creditCode"] for e in page.json()["data"]["institutions"]["edges"]]
    await harness.graphql(
        "demo-market", "{ institutions(first: 1) { edges { node { tipOffs { content } } } } }"
    )

    education = await events(harness, clientId="demo-education")
    market = await events(harness, clientId="demo-market")

    assert [e["outcome"] for e in education] == ["OK"]
    assert sorted(education[0]["recordKeys"]) == sorted("returned:" + code for code in codes)
    assert education[0]["purpose"] == "test"
    assert "Institution.creditCode" in education[0]["fieldsRead"]
    assert [e["outcome"] for e in market] == ["PARTIAL"]
    assert "Institution.tipOffs" in market[0]["fieldsDenied"]


async def test_events_can_be_found_by_record_field_and_outcome(harness: HubHarness) -> None:
    page = await harness.graphql(
        "demo-police",
        "{ institutions(first: 1) { edges { node { creditCode staff { idNumber } } } } }",
    )
    node = page.json()["data"]["institutions"]["edges"][0]["node"]
    id_number = node["staff"][0]["idNumber"]

    by_code = await events(harness, recordKey=node["creditCode"])
    by_person = await events(harness, recordKey=id_number)
    by_field = await events(harness, field="StaffMember.idNumber")
    denied = await events(harness, outcome="DENIED")

    assert [e["clientId"] for e in by_code] == ["demo-police"]
    assert [e["clientId"] for e in by_person] == ["demo-police"]
    assert id_number not in str(by_person)  # the log keeps only its hash
    assert [e["clientId"] for e in by_field] == ["demo-police"]
    assert denied == []


async def test_only_auditors_read_the_log_and_only_with_a_purpose(harness: HubHarness) -> None:
    as_education = await harness.graphql("demo-education", "{ auditChain { intact } }")
    without_purpose = await harness.graphql(
        "demo-auditor", "{ auditChain { intact } }", purpose=None
    )

    assert as_education.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert as_education.json()["data"]["auditChain"] is None
    assert without_purpose.json()["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"


async def test_the_auditor_sees_the_chain_intact(harness: HubHarness) -> None:
    for _ in range(3):
        await harness.graphql("demo-fire", "{ me { clientId } }")

    response = await harness.graphql(
        "demo-auditor", "{ auditChain { intact events firstBrokenSeq headHash } }", purpose="audit"
    )

    report = response.json()["data"]["auditChain"]
    assert report["intact"] is True
    assert report["events"] >= 3
    assert report["firstBrokenSeq"] is None
    assert len(report["headHash"]) == 64
