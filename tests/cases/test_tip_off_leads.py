"""Tip-offs about unlisted operators as leads of ``unlicensedOperators`` (SQLite and
PostgreSQL): an open one about an operator named without a credit code is listed,
in the region of the department that took it, to those who hunt unlicensed
operators, without the report's content or reporter; a closed one, or one about a
listed institution, is not."""

from __future__ import annotations

from typing import Any

from tests.support.harness import HubHarness

SUBMIT = """
mutation($input: SubmitTipOffInput!) { submitTipOff(input: $input) {
  ... on Case { id version } ... on CaseError { code field } } }
"""
CLOSE = """
mutation($input: CloseCaseInput!) { closeCase(input: $input) { ... on Case { status } } }
"""
LEADS = """
query($region: RegionCode) { unlicensedOperators(region: $region, first: 1) {
  totalCount tipOffLeads { caseId category operatorName operatorAddress region assignedTo } } }
"""


async def submit(hub: HubHarness, client: str, subject: dict[str, Any]) -> dict[str, Any]:
    fields = {
        "subject": subject,
        "category": "UNLICENSED_OPERATION",
        "content": "居民楼内开办学科类培训",
        "channel": "HOTLINE",
        "reporter": {"name": "李先生", "phone": "13900000000"},
    }
    body = (await hub.graphql(client, SUBMIT, {"input": fields}, purpose=None)).json()
    result: dict[str, Any] = body["data"]["submitTipOff"]
    assert "id" in result, body
    return result


async def test_an_open_tip_off_about_an_unlisted_operator_is_a_lead(harness: HubHarness) -> None:
    records, _ = await harness.hub.adapters.education.page("410202", None, 1)
    hidden = await submit(
        harness, "demo-education-district", {"name": "无名补习班", "address": "鼓楼区某小区3号楼"}
    )
    closed = await submit(harness, "demo-education", {"name": "已取缔的班", "address": "某处"})
    await submit(harness, "demo-education", {"creditCode": records[0].credit_code})
    done = {"caseId": closed["id"], "outcome": "取缔", "expectedVersion": closed["version"]}
    await harness.graphql("demo-education", CLOSE, {"input": done}, purpose=None)

    by_market = (await harness.graphql("demo-market", LEADS, {"region": "410202"})).json()
    elsewhere = (await harness.graphql("demo-market", LEADS, {"region": "410203"})).json()
    by_fire = (await harness.graphql("demo-fire", LEADS)).json()

    leads = by_market["data"]["unlicensedOperators"]["tipOffLeads"]
    assert leads == [
        {
            "caseId": hidden["id"],
            "category": "UNLICENSED_OPERATION",
            "operatorName": "无名补习班",
            "operatorAddress": "鼓楼区某小区3号楼",
            "region": "410202",
            "assignedTo": "EDUCATION",
        }
    ]
    assert elsewhere["data"]["unlicensedOperators"]["tipOffLeads"] == []
    assert by_fire["errors"][0]["extensions"]["code"] == "FORBIDDEN"
