"""Joint cases through GraphQL, as the departments use them, over the sandbox's
institutions, on SQLite and PostgreSQL: a notice issued by education, referred to
market supervision, accepted and closed; who sees it; refusals as typed values;
one access-log event per action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tests.support.harness import HubHarness
from xietong.kernel.store import AuditEvent

UNKNOWN_CODE = "91310110666007217T"
"""A valid credit code the sandbox's education bureau does not know."""
CASE = """
fragment Case on CaseResult {
  __typename
  ... on Case {
    id kind status number creditCode version responsible assignedTo referredBy answerDue
    overdue involved outcome closedAt
    rectification { basis items deadline response followUpInspectedOn }
    timeline { action status department subject clientId note }
  }
  ... on CaseError { code message field }
}
"""
INPUTS = {
    "issueRectificationNotice": "IssueRectificationNoticeInput",
    "recordRectificationResponse": "RecordRectificationResponseInput",
    "referCase": "ReferCaseInput",
    "acceptCase": "AcceptCaseInput",
    "closeCase": "CloseCaseInput",
}


async def mutate(harness: HubHarness, client_id: str, name: str, **fields: Any) -> dict[str, Any]:
    query = f"mutation($input: {INPUTS[name]}!) {{ {name}(input: $input) {{ ...Case }} }}"
    body = (await harness.graphql(client_id, query + CASE, {"input": fields}, purpose=None)).json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][name]
    return result


async def kaifeng_schools(harness: HubHarness) -> tuple[str, str]:
    """A school in Kaifeng (410200) and one in Zhengzhou (410100)."""
    records, _ = await harness.hub.adapters.education.page("41", None, 500)
    kaifeng = next(r.credit_code for r in records if r.region.startswith("4102"))
    zhengzhou = next(r.credit_code for r in records if r.region.startswith("4101"))
    return kaifeng, zhengzhou


async def issue(harness: HubHarness, credit_code: str, **changes: Any) -> dict[str, Any]:
    fields = {
        "creditCode": credit_code,
        "basis": "《校外培训行政处罚暂行办法》第十四条",
        "items": ["hang the licence at the entrance", "publish the fee schedule"],
        "deadline": "2099-12-31",
        **changes,
    }
    return await mutate(harness, "demo-education", "issueRectificationNotice", **fields)


async def inbox(harness: HubHarness, client_id: str, filter: str = "{}") -> list[str]:
    query = f"{{ cases(filter: {filter}) {{ totalCount edges {{ node {{ id }} }} }} }}"
    body = (await harness.graphql(client_id, query)).json()
    assert "errors" not in body, body
    found = body["data"]["cases"]
    ids = [edge["node"]["id"] for edge in found["edges"]]
    assert found["totalCount"] == len(ids)
    return ids


async def test_a_notice_referred_to_market_accepted_and_closed(harness: HubHarness) -> None:
    school, _ = await kaifeng_schools(harness)
    issued = await issue(harness, school)
    referred = await mutate(
        harness, "demo-education", "referCase",
        caseId=issued["id"], to="MARKET_SUPERVISION", note="prepaid fees over the cap",
        expectedVersion=1,
    )  # fmt: skip
    market_inbox = await inbox(harness, "demo-market", "{assignedTo: MARKET_SUPERVISION}")
    seen = {
        client: await inbox(harness, client)
        for client in ("demo-education", "demo-market", "demo-auditor", "demo-police")
    }
    by_id = "query($id: ID!) { case(id: $id) { id } }"
    police_by_id = (await harness.graphql("demo-police", by_id, {"id": issued["id"]})).json()
    accepted = await mutate(
        harness, "demo-market", "acceptCase", caseId=issued["id"], expectedVersion=2
    )
    closed = await mutate(
        harness, "demo-market", "closeCase",
        caseId=issued["id"], outcome="fees refunded, 3 families", expectedVersion=3,
    )  # fmt: skip

    assert issued["__typename"] == "Case", issued
    assert issued["number"].startswith("汴教整改〔")
    assert issued["number"].endswith("〕1号")
    assert (issued["status"], issued["kind"], issued["creditCode"]) == (
        "ISSUED", "RECTIFICATION", school
    )  # fmt: skip
    assert issued["rectification"]["items"] == [
        "hang the licence at the entrance", "publish the fee schedule"
    ]  # fmt: skip
    assert (referred["assignedTo"], referred["responsible"], referred["overdue"]) == (
        "MARKET_SUPERVISION", "EDUCATION", False
    )  # fmt: skip
    assert referred["answerDue"] is not None
    assert market_inbox == [issued["id"]]
    assert seen == {
        "demo-education": [issued["id"]],
        "demo-market": [issued["id"]],
        "demo-auditor": [issued["id"]],
        "demo-police": [],
    }
    assert police_by_id["data"] == {"case": None}
    assert (accepted["responsible"], accepted["referredBy"]) == ("MARKET_SUPERVISION", None)
    assert (closed["status"], closed["outcome"]) == ("CLOSED", "fees refunded, 3 families")
    assert [(s["action"], s["clientId"]) for s in closed["timeline"]] == [
        ("ISSUED", "demo-education"),
        ("REFERRED", "demo-education"),
        ("REFERRAL_ACCEPTED", "demo-market"),
        ("CLOSED", "demo-market"),
    ]
    with harness.hub.sync_engine.connect() as connection:
        logged = connection.execute(
            select(AuditEvent.client_id, AuditEvent.record_keys)
            .where(AuditEvent.operation_type == "mutation")
            .order_by(AuditEvent.seq)
        ).all()
    assert [client for client, _ in logged] == ["demo-education"] * 2 + ["demo-market"] * 2
    assert all(f"changed:id:{issued['id']}" in keys for _, keys in logged)


async def test_refusals_are_typed(harness: HubHarness) -> None:
    school, zhengzhou = await kaifeng_schools(harness)
    unknown = await issue(harness, UNKNOWN_CODE)
    outside = await issue(harness, zhengzhou)
    no_items = await issue(harness, school, items=[])
    past = await issue(harness, school, deadline="2001-01-01")
    issued = await issue(harness, school)
    stale = await mutate(
        harness, "demo-education", "recordRectificationResponse",
        caseId=issued["id"], response="done", expectedVersion=9,
    )  # fmt: skip
    by_market = await mutate(
        harness, "demo-market", "recordRectificationResponse",
        caseId=issued["id"], response="done", expectedVersion=1,
    )  # fmt: skip
    police = (
        await harness.graphql(
            "demo-police",
            "mutation($code: CreditCode!) { issueRectificationNotice(input: "
            '{creditCode: $code, basis: "b", items: ["i"], deadline: "2099-01-01"}) '
            "{ __typename } }",
            {"code": school},
        )
    ).json()

    def code(result: dict[str, Any]) -> tuple[str, str | None]:
        assert result["__typename"] == "CaseError", result
        return result["code"], result["field"]

    assert code(unknown) == ("NOT_FOUND", "creditCode")
    assert code(outside) == ("OUT_OF_SCOPE", "creditCode")
    assert code(no_items) == ("INVALID", "items")
    assert code(past) == ("INVALID", "deadline")
    assert code(stale) == ("VERSION_CONFLICT", "expectedVersion")
    assert code(by_market) == ("NOT_PERMITTED", "caseId")
    assert issued["number"].endswith("〕1号")  # refused notices took no number
    assert police["data"] == {"issueRectificationNotice": None}
    assert [e["extensions"]["code"] for e in police["errors"]] == ["FORBIDDEN"]


async def test_the_inbox_pages_with_cursors(harness: HubHarness) -> None:
    school, _ = await kaifeng_schools(harness)
    made = [(await issue(harness, school))["id"] for _ in range(3)]
    query = (
        "query($after: String) { cases(first: 2, after: $after) { totalCount "
        "pageInfo { hasNextPage endCursor } edges { node { id } } } }"
    )
    first = (await harness.graphql("demo-education", query)).json()["data"]["cases"]
    after = first["pageInfo"]["endCursor"]
    rest = (await harness.graphql("demo-education", query, {"after": after})).json()["data"]
    bad = (await harness.graphql("demo-education", query, {"after": "nonsense"})).json()
    outside = (
        await harness.graphql(
            "demo-education-district", '{ cases(filter: {region: "410200"}) { totalCount } }'
        )
    ).json()

    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    ids = [e["node"]["id"] for e in first["edges"]] + [
        e["node"]["id"] for e in rest["cases"]["edges"]
    ]
    assert ids == list(reversed(made))
    assert rest["cases"]["pageInfo"]["hasNextPage"] is False
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert outside["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"


RECORD = """query($code: CreditCode!) { institution(creditCode: $code) {
  rectificationNotices { origin issuedBy number caseId status deadline content }
  risk { signals { code detail } } } }"""


async def test_a_hub_notice_is_in_the_joint_record_and_overdue_raises_open_rectification(
    harness: HubHarness,
) -> None:
    records, _ = await harness.hub.adapters.education.page("4102", None, 500)
    quiet = next(r for r in records if not any(n for i in r.inspections for n in i.notices))
    today = harness.hub.today()
    issued = await issue(
        harness, quiet.credit_code, deadline=(today + timedelta(days=1)).isoformat()
    )

    async def joint() -> dict[str, Any]:
        body = (await harness.graphql("demo-fire", RECORD, {"code": quiet.credit_code})).json()
        assert "errors" not in body, body
        found: dict[str, Any] = body["data"]["institution"]
        return found

    before = await joint()
    harness.hub.reference_date = today + timedelta(days=3)
    after = await joint()

    assert before["rectificationNotices"] == [
        {
            "origin": "HUB",
            "issuedBy": "EDUCATION",
            "number": issued["number"],
            "caseId": issued["id"],
            "status": "OPEN",
            "deadline": (today + timedelta(days=1)).isoformat(),
            "content": "《校外培训行政处罚暂行办法》第十四条: hang the licence at the entrance; "
            "publish the fee schedule",
        }
    ]
    assert "OPEN_RECTIFICATION" not in {s["code"] for s in before["risk"]["signals"]}
    assert {"code": "OPEN_RECTIFICATION", "detail": (
        f"1 rectification notice(s) overdue since {(today + timedelta(days=1)).isoformat()}"
    )} in after["risk"]["signals"]  # fmt: skip


TIP_OFF_READ = """query($id: ID!) { case(id: $id) { id tipOff {
  category subjectName content reporter { name phone } reward { amount decidedBy } } } }"""


async def test_a_tip_off_reporter_is_read_by_education_with_a_purpose_only(
    harness: HubHarness,
) -> None:
    school, _ = await kaifeng_schools(harness)
    submit = """mutation($code: CreditCode!) { submitTipOff(input: {
        subject: {creditCode: $code}, category: ILLEGAL_FEES, content: "refuses refunds",
        channel: HOTLINE, reporter: {name: "王小明", phone: "13800138000"}}) {
        ... on Case { id version } ... on CaseError { code } } }"""
    body = (await harness.graphql("demo-education", submit, {"code": school})).json()
    case = body["data"]["submitTipOff"]
    await mutate(
        harness, "demo-education", "referCase",
        caseId=case["id"], to="MARKET_SUPERVISION", note="refunds", expectedVersion=1,
    )  # fmt: skip
    reward = """mutation($id: ID!) { decideReward(input: {caseId: $id, amount: "800",
        reason: "proved true", expectedVersion: 2}) { ... on Case { version }
        ... on CaseError { code field } } }"""
    rewarded = (await harness.graphql("demo-education", reward, {"id": case["id"]})).json()
    too_much = (await harness.graphql("demo-education", reward.replace("800", "2500"), {
        "id": case["id"]
    })).json()  # fmt: skip

    def read(client_id: str, purpose: str | None) -> Any:
        return harness.graphql(client_id, TIP_OFF_READ, {"id": case["id"]}, purpose=purpose)

    education = (await read("demo-education", "verify the reporter for the reward")).json()
    no_purpose = (await read("demo-education", None)).json()
    market = (await read("demo-market", "handle the referral")).json()
    auditor = (await read("demo-auditor", "audit")).json()

    def denied(body: dict[str, Any]) -> dict[str, str]:
        return {
            "/".join(str(p) for p in error["path"]): error["extensions"]["code"]
            for error in body.get("errors", [])
        }

    assert rewarded["data"]["decideReward"] == {"version": 3}
    assert too_much["data"]["decideReward"] == {"code": "INVALID", "field": "amount"}
    assert education["data"]["case"]["tipOff"] == {
        "category": "ILLEGAL_FEES",
        "subjectName": None,
        "content": "refuses refunds",
        "reporter": {"name": "王小明", "phone": "13800138000"},
        "reward": {"amount": "800.00", "decidedBy": "demo-education"},
    }
    assert denied(no_purpose) == {"case/tipOff/reporter": "PURPOSE_REQUIRED"}
    assert denied(market) == {
        "case/tipOff/content": "FORBIDDEN",
        "case/tipOff/reporter": "FORBIDDEN",
    }
    assert market["data"]["case"]["tipOff"]["category"] == "ILLEGAL_FEES"
    assert denied(auditor) == {"case/tipOff/reporter": "FORBIDDEN"}
    with harness.hub.sync_engine.connect() as connection:
        reads = connection.execute(
            select(AuditEvent.client_id, AuditEvent.purpose, AuditEvent.fields_read).where(
                AuditEvent.operation_type == "query"
            )
        ).all()
    assert [
        (client, purpose) for client, purpose, fields in reads if "TipOffReporter.name" in fields
    ] == [("demo-education", "verify the reporter for the reward")]


async def test_an_open_tip_off_about_refused_refunds_raises_tip_off_alert_until_closed(
    harness: HubHarness,
) -> None:
    school, _ = await kaifeng_schools(harness)
    submit = """mutation($code: CreditCode!, $concerns: [TipOffConcern!]!) { submitTipOff(
        input: {subject: {creditCode: $code}, category: ILLEGAL_FEES, content: "no refund",
        channel: ONLINE, concerns: $concerns}) { ... on Case { id version } } }"""

    async def alerts() -> list[str]:
        body = (await harness.graphql("demo-market", RECORD, {"code": school})).json()
        signals = body["data"]["institution"]["risk"]["signals"]
        return [s["detail"] for s in signals if s["code"] == "TIP_OFF_ALERT"]

    plain = await harness.graphql("demo-education", submit, {"code": school, "concerns": []})
    quiet = await alerts()
    alarming = (
        await harness.graphql(
            "demo-education", submit, {"code": school, "concerns": ["REFUND_REFUSED"]}
        )
    ).json()["data"]["submitTipOff"]
    raised = await alerts()
    await mutate(
        harness, "demo-education", "closeCase",
        caseId=alarming["id"], outcome="refunded in full", expectedVersion=1,
    )  # fmt: skip

    assert plain.json()["data"]["submitTipOff"]["version"] == 1
    assert quiet == []
    assert raised == ["1 open tip-off(s) about absconding or refused refunds"]
    assert await alerts() == []


async def test_a_refund_complaint_is_mediated_with_the_amount_refunded(
    harness: HubHarness,
) -> None:
    school, _ = await kaifeng_schools(harness)
    opened = (
        await harness.graphql(
            "demo-market",
            """mutation($code: CreditCode!) { openComplaint(input: {creditCode: $code,
            content: "class closed, 6,800 yuan not refunded", amountClaimed: "6800",
            channel: HOTLINE}) { ... on Case { id version responsible } } }""",
            {"code": school},
        )
    ).json()["data"]["openComplaint"]
    mediate = """mutation($id: ID!, $amount: Decimal!) { recordMediation(input: {caseId: $id,
        outcome: SETTLED, amountRefunded: $amount, note: "refunded", expectedVersion: 1}) {
        ... on Case { status complaint { amountClaimed mediation {
          outcome amountRefunded department } } }
        ... on CaseError { code field } } }"""
    bad = (
        await harness.graphql("demo-market", mediate, {"id": opened["id"], "amount": "-5"})
    ).json()
    done = (
        await harness.graphql("demo-market", mediate, {"id": opened["id"], "amount": "6800"})
    ).json()

    assert opened["responsible"] == "MARKET_SUPERVISION"
    assert bad["data"]["recordMediation"] == {"code": "INVALID", "field": "amountRefunded"}
    assert done["data"]["recordMediation"] == {
        "status": "CLOSED",
        "complaint": {
            "amountClaimed": "6800.00",
            "mediation": {
                "outcome": "SETTLED",
                "amountRefunded": "6800.00",
                "department": "MARKET_SUPERVISION",
            },
        },
    }


async def test_the_risk_filter_counts_what_the_hub_cases_raise(harness: HubHarness) -> None:
    # A few institutions' risk only: each costs a read of every department.
    query = """{ institutions(filter: {region: "410200"}, first: 30) { edges { node {
        creditCode risk { level } } } } }"""
    body = (await harness.graphql("demo-education", query)).json()
    calm = [
        e["node"]["creditCode"]
        for e in body["data"]["institutions"]["edges"]
        if e["node"]["risk"]["level"] == "LOW"
    ]
    submit = """mutation($code: CreditCode!) { submitTipOff(input: {
        subject: {creditCode: $code}, category: ILLEGAL_FEES, content: "run away",
        channel: HOTLINE, concerns: [ABSCONDING]}) { __typename } }"""
    await harness.graphql("demo-education", submit, {"code": calm[0]})
    risky = """{ institutions(filter: {region: "410200", riskAtLeast: MEDIUM}, first: 500) {
        edges { node { creditCode } } } }"""
    edges = (await harness.graphql("demo-education", risky)).json()["data"]["institutions"]
    found = {e["node"]["creditCode"] for e in edges["edges"]}
    now = (await harness.graphql("demo-education", RECORD, {"code": calm[0]})).json()

    assert calm[0] in found
    assert calm[1] not in found
    assert [s["code"] for s in now["data"]["institution"]["risk"]["signals"]] == ["TIP_OFF_ALERT"]


async def test_a_joint_inspection_recorded_and_confirmed_by_each_department(
    harness: HubHarness,
) -> None:
    school, _ = await kaifeng_schools(harness)
    record = """mutation($code: CreditCode!) { recordInspection(input: {creditCode: $code,
        inspectedOn: "2020-05-06", kind: JOINT, departments: [EDUCATION, FIRE_SAFETY],
        findings: [{department: EDUCATION, item: "licence", result: "displayed"},
                   {department: FIRE_SAFETY, item: "exits", result: "blocked", note: "boxes"}]}) {
        ... on Case { id version inspection { joint awaitingConfirmationFrom } } } }"""
    recorded = (await harness.graphql("demo-education", record, {"code": school})).json()
    case = recorded["data"]["recordInspection"]
    confirm = """mutation($id: ID!) { confirmInspectionFindings(input: {caseId: $id,
        expectedVersion: 1}) { ... on Case { status inspection { joint confirmedBy
        findings { department result note } } } ... on CaseError { code } } }"""
    by_market = (await harness.graphql("demo-market", confirm, {"id": case["id"]})).json()
    by_fire = (await harness.graphql("demo-fire", confirm, {"id": case["id"]})).json()

    assert case["inspection"] == {"joint": False, "awaitingConfirmationFrom": ["FIRE_SAFETY"]}
    assert by_market["data"]["confirmInspectionFindings"] == {"code": "NOT_PERMITTED"}
    done = by_fire["data"]["confirmInspectionFindings"]
    assert done["status"] == "CONFIRMED"
    assert done["inspection"]["joint"] is True
    assert done["inspection"]["confirmedBy"] == ["EDUCATION", "FIRE_SAFETY"]
    assert done["inspection"]["findings"][1] == {
        "department": "FIRE_SAFETY", "result": "blocked", "note": "boxes"
    }  # fmt: skip
    joint = """query($code: CreditCode!) { institution(creditCode: $code) {
        inspections { origin caseId inspectedOn inspector result } } }"""
    shown = (await harness.graphql("demo-police", joint, {"code": school})).json()
    inspections = shown["data"]["institution"]["inspections"]
    assert {i["origin"] for i in inspections if i["caseId"] is None} <= {"DEPARTMENT"}
    assert [i for i in inspections if i["origin"] == "HUB"] == [
        {
            "origin": "HUB",
            "caseId": case["id"],
            "inspectedOn": "2020-05-06",
            "inspector": "EDUCATION, FIRE_SAFETY",
            "result": "EDUCATION licence: displayed; FIRE_SAFETY exits: blocked",
        }
    ]
    # A page reads the hub's inspections of all its institutions at once: the same.
    page = """{ institutions(filter: {region: "410200"}, first: 1) { edges { node { creditCode
        inspections { origin caseId inspectedOn inspector result } } } } }"""
    listed = (await harness.graphql("demo-police", page)).json()
    node = listed["data"]["institutions"]["edges"][0]["node"]
    assert node == {"creditCode": school, "inspections": inspections}
