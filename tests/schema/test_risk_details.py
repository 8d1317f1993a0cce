"""Risk signals for every reader of ``risk``; their details only for those who may
read every fact a detail quotes (DESIGN §8): the walk over every signal the
sandbox raises, for every role, with and without a purpose."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.support.harness import HubHarness
from xietong.domain.risk import DETAIL_FIELDS, RiskCode

CLIENTS = [
    "demo-education",
    "demo-market",
    "demo-police",
    "demo-fire",
    "demo-finance",
    "demo-culture",
    "demo-tech",
    "demo-sports",
    "demo-auditor",
]
SIGNALS = """{ institutions(first: 500) { edges { node { creditCode
  risk { signals { code department level basis detail } } } } } }"""
PERMISSIONS = "{ me { permissions { field effect purposeRequired } } }"


async def readable_in_full(harness: HubHarness, client: str, *, purpose: bool) -> set[str]:
    response = await harness.graphql(client, PERMISSIONS)
    return {
        p["field"]
        for p in response.json()["data"]["me"]["permissions"]
        if p["effect"] == "allow" and (purpose or not p["purposeRequired"])
    }


def signals_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        signal
        for edge in body["data"]["institutions"]["edges"]
        for signal in edge["node"]["risk"]["signals"]
    ]


async def test_every_signal_for_every_role_shows_only_what_the_role_may_read(
    sqlite_harness: HubHarness,
) -> None:
    """On SQLite only: the details come from the departments, and the hub's store
    (which holds the tip-off) is checked on both elsewhere."""
    harness = sqlite_harness
    await alarming_tip_off(harness)  # TIP_OFF_ALERT comes from the hub's own cases
    walked: Counter[tuple[str, bool]] = Counter()
    for client in CLIENTS:
        for purpose in (True, False):
            if client == "demo-auditor" and not purpose:
                continue  # an auditor's every query needs a purpose: nothing to walk
            readable = await readable_in_full(harness, client, purpose=purpose)
            response = await harness.graphql(
                client, SIGNALS, purpose="risk walk" if purpose else None
            )
            for signal in signals_of(response.json()):
                code = RiskCode(signal["code"])
                assert signal["basis"].strip(), signal
                assert signal["level"] in {"MEDIUM", "HIGH"}
                if DETAIL_FIELDS[code] <= readable:
                    assert "details held by" not in signal["detail"], (client, signal)
                else:
                    assert signal["detail"].endswith("details held by " + holder(signal)), (
                        client,
                        signal,
                    )
                    assert not any(ch.isdigit() for ch in signal["detail"]), signal
                walked[(client, purpose)] += 1
    # Every role saw signals: the walk is not vacuous.
    assert all(walked[(client, True)] > 0 for client in CLIENTS), walked
    every_code = set(RiskCode)
    seen = await codes_raised(harness)
    assert seen == every_code, every_code - seen


async def alarming_tip_off(harness: HubHarness) -> None:
    """A tip-off that an institution refuses refunds, open in the hub."""
    records, _ = await harness.hub.adapters.education.page("4102", None, 1)
    submit = """mutation($code: CreditCode!) { submitTipOff(input: {
        subject: {creditCode: $code}, category: ILLEGAL_FEES, content: "refunds refused",
        channel: HOTLINE, concerns: [REFUND_REFUSED]}) { __typename } }"""
    body = (
        await harness.graphql("demo-education", submit, {"code": records[0].credit_code})
    ).json()
    assert body["data"]["submitTipOff"]["__typename"] == "Case", body


def holder(signal: dict[str, Any]) -> str:
    return {
        "EDUCATION": "education",
        "MARKET_SUPERVISION": "market supervision",
        "PUBLIC_SECURITY": "public security",
        "FIRE_SAFETY": "fire safety",
        "FINANCE": "finance and the custody banks",
    }[signal["department"]]


async def codes_raised(harness: HubHarness) -> set[RiskCode]:
    response = await harness.graphql("demo-education", SIGNALS)
    return {RiskCode(s["code"]) for s in signals_of(response.json())}


@pytest.mark.parametrize(
    ("client", "code"),
    [
        ("demo-market", RiskCode.UNCHECKED_OR_FLAGGED_STAFF),
        ("demo-fire", RiskCode.UNCHECKED_OR_FLAGGED_STAFF),
        ("demo-police", RiskCode.COMPLAINT_SURGE),
        ("demo-finance", RiskCode.COMPLAINT_SURGE),
        ("demo-market", RiskCode.UNQUALIFIED_TEACHER),
        ("demo-culture", RiskCode.UNQUALIFIED_TEACHER),
        ("demo-market", RiskCode.FUND_SHORTFALL),
    ],
)
async def test_details_the_policy_refuses_are_withheld(
    sqlite_harness: HubHarness, client: str, code: RiskCode
) -> None:
    response = await sqlite_harness.graphql(client, SIGNALS, purpose=None)

    details = {s["detail"] for s in signals_of(response.json()) if s["code"] == code}
    assert details, f"the sandbox raises no {code}"
    assert len(details) == 1
    assert "details held by" in details.pop()


async def test_the_education_bureau_with_a_purpose_sees_the_facts(
    sqlite_harness: HubHarness,
) -> None:
    response = await sqlite_harness.graphql("demo-education", SIGNALS, purpose="annual review")

    staff = [s for s in signals_of(response.json()) if s["code"] == "UNCHECKED_OR_FLAGGED_STAFF"]
    assert staff
    assert all("staff with a record found" in s["detail"] for s in staff)
