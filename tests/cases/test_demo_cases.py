"""The demo's cases over the sandbox (SQLite and PostgreSQL): an open notice, an
overdue one, a tip-off awaiting its reward and referred to market supervision long
ago (overdue), and a referral still inside its time; refund complaints (one referred
to education, one settled) and inspections (a joint one waiting for fire's
confirmation); made once."""

from __future__ import annotations

from tests.support.harness import HubHarness
from xietong.hub.demo_cases import seed_demo_cases

INBOX = """{ cases(first: 20) { totalCount edges { node {
  kind status number assignedTo overdue tipOff { reward { amount } }
  complaint { mediation { outcome amountRefunded } }
  inspection { kind awaitingConfirmationFrom } } } } }"""


async def test_the_demo_seeds_open_cases_an_overdue_referral_and_a_pending_reward(
    harness: HubHarness,
) -> None:
    added = await seed_demo_cases(harness.hub)
    again = await seed_demo_cases(harness.hub)
    body = (await harness.graphql("demo-market", INBOX)).json()
    market = [edge["node"] for edge in body["data"]["cases"]["edges"]]
    education = (await harness.graphql("demo-education", INBOX)).json()["data"]["cases"]

    assert (added, again) == (7, 0)
    assert education["totalCount"] == 5
    assert sorted((c["kind"], c["status"], c["assignedTo"], c["overdue"]) for c in market) == [
        ("COMPLAINT", "CLOSED", "MARKET_SUPERVISION", False),
        ("COMPLAINT", "OPEN", "EDUCATION", False),
        ("INSPECTION", "CONFIRMED", "MARKET_SUPERVISION", False),
        ("RECTIFICATION", "ISSUED", "MARKET_SUPERVISION", False),
        ("TIP_OFF", "OPEN", "MARKET_SUPERVISION", True),
    ]
    settled = next(c for c in market if c["status"] == "CLOSED")
    assert settled["complaint"]["mediation"] == {"outcome": "SETTLED", "amountRefunded": "1200.00"}
    fire = (await harness.graphql("demo-fire", INBOX)).json()["data"]["cases"]["edges"]
    assert [edge["node"]["inspection"] for edge in fire] == [
        {"kind": "JOINT", "awaitingConfirmationFrom": ["FIRE_SAFETY"]}
    ]
    tip_off = next(c for c in market if c["kind"] == "TIP_OFF")
    assert tip_off["tipOff"] == {"reward": None}
    numbers = sorted(
        edge["node"]["number"] for edge in education["edges"] if edge["node"]["number"]
    )
    assert len(numbers) == 2
    assert all(n.startswith("汴教整改〔") for n in numbers)
