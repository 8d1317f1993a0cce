"""The demo's cases over the sandbox (SQLite and PostgreSQL): an open notice, an
overdue one, a tip-off awaiting its reward and referred to market supervision long
ago (overdue), and a referral still inside its time; made once."""

from __future__ import annotations

from tests.support.harness import HubHarness
from xietong.hub.demo_cases import seed_demo_cases

INBOX = """{ cases(first: 10) { totalCount edges { node {
  kind status number assignedTo overdue tipOff { reward { amount } } } } } }"""


async def test_the_demo_seeds_open_cases_an_overdue_referral_and_a_pending_reward(
    harness: HubHarness,
) -> None:
    added = await seed_demo_cases(harness.hub)
    again = await seed_demo_cases(harness.hub)
    body = (await harness.graphql("demo-market", INBOX)).json()
    market = [edge["node"] for edge in body["data"]["cases"]["edges"]]
    education = (await harness.graphql("demo-education", INBOX)).json()["data"]["cases"]

    assert (added, again) == (3, 0)
    assert education["totalCount"] == 3
    assert sorted((c["kind"], c["assignedTo"], c["overdue"]) for c in market) == [
        ("RECTIFICATION", "MARKET_SUPERVISION", False),
        ("TIP_OFF", "MARKET_SUPERVISION", True),
    ]
    tip_off = next(c for c in market if c["kind"] == "TIP_OFF")
    assert tip_off["tipOff"] == {"reward": None}
    numbers = sorted(
        edge["node"]["number"] for edge in education["edges"] if edge["node"]["number"]
    )
    assert len(numbers) == 2
    assert all(n.startswith("汴教整改〔") for n in numbers)
