"""Approving releases of prepaid fees (一课一消), one order or every lesson up to a date:
what the bank pays, what the hub records and logs, and every way it says no."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from tests.funds.support import (
    APPROVE_ALL,
    Native,
    Order,
    an_order,
    approval_events,
    approve,
)
from tests.support.harness import HubHarness
from xietong.sandbox.reference import REFERENCE_DATE

EDUCATION = "demo-education"


def fen(amount: str) -> int:
    return int(Decimal(amount) * 100)


async def test_an_approval_pays_the_lessons_at_the_bank_once_and_is_logged_once(
    hub: HubHarness, banks: Native
) -> None:
    for bank in ("jinming", "songdu"):
        order = an_order(banks, bank=bank, waiting=2)
        price = order.amount // order.lessons

        result = await approve(hub, EDUCATION, order, 2, f"first-{bank}")

        assert result["__typename"] == "LessonRelease", result
        assert result["status"] == "APPLIED"
        [instruction] = result["instructions"]
        assert (instruction["firstLesson"], instruction["lastLesson"]) == (
            order.released + 1,
            order.released + 2,
        )
        assert instruction["bankReference"]
        assert fen(result["amount"]) == 2 * price
        after = banks.order(order.number)
        assert (after.released, after.released_amount) == (
            order.released + 2,
            order.released_amount + 2 * price,
        )
        assert banks.bank_releases(order) == [(instruction["id"], 2, 2 * price)]
    events = approval_events(hub)
    assert len(events) == 2  # one per approval, carrying the order, lessons and amount
    assert any(
        key.startswith(f"changed:order:{order.number} lessons:")
        and f"amount:{result['amount']}" in key
        for key in events[1]
    )


async def test_the_same_key_again_is_a_duplicate_with_the_first_outcome(
    hub: HubHarness, banks: Native
) -> None:
    order = an_order(banks, waiting=2)
    first = await approve(hub, EDUCATION, order, 1, "same-key")
    again = await approve(hub, EDUCATION, order, 1, "same-key")

    assert first["__typename"] == "LessonRelease"
    assert again["__typename"] == "ReleaseError"
    assert again["code"] == "DUPLICATE"
    assert again["first"]["instructions"][0]["id"] == first["instructions"][0]["id"]
    assert len(banks.bank_releases(order)) == 1
    assert len(approval_events(hub)) == 1  # a duplicate changes nothing


async def test_each_refusal_says_why_and_leaves_the_bank_untouched(
    hub: HubHarness, banks: Native
) -> None:
    """Every ReleaseError code but DUPLICATE and BANK_UNAVAILABLE (tested on their own),
    each on an account of its own so that one refusal's setting cannot cause another."""
    used: set[str] = set()

    def fresh(**options: Any) -> Order:
        order = an_order(banks, avoid=used, **options)
        used.add(order.account)
        return order

    unconfirmed = fresh(waiting=1)
    banks.confirm(unconfirmed, 2, confirmed=False)  # given, the payer has not confirmed
    beyond = fresh(waiting=1)
    banks.confirm(beyond, beyond.lessons)
    refunded = next(
        o
        for o in banks.orders()
        if o.status in ("3", "R")
        and banks.account_state(o) == "0"
        and o.account not in used
        and banks.region(o).startswith("4102")
    )
    used.add(refunded.account)
    banks.confirm(refunded, refunded.lessons)
    frozen, closed, poor = fresh(bank="jinming"), fresh(bank="songdu"), fresh()
    banks.set_account(frozen, state="1")
    banks.set_account(closed, state="2")
    banks.set_account(poor, balance=0)
    plain = fresh()
    outside = next(o for o in banks.orders() if banks.region(o) != "410202")
    cases = [
        (EDUCATION, unconfirmed, unconfirmed.waiting + 1, "NOT_DELIVERED", "lessons"),
        (EDUCATION, beyond, beyond.lessons - beyond.released + 1, "EXCEEDS_ORDER", "lessons"),
        (EDUCATION, refunded, 1, "EXCEEDS_ORDER", "lessons"),
        (EDUCATION, frozen, 1, "ACCOUNT_FROZEN", None),
        (EDUCATION, closed, 1, "ACCOUNT_CLOSED", None),
        (EDUCATION, poor, 1, "INSUFFICIENT_BALANCE", None),
        ("demo-finance", plain, 1, "NOT_PERMITTED", None),
        ("demo-education-district", outside, 1, "OUT_OF_SCOPE", "creditCode"),
        (EDUCATION, replace(plain, number="JM00000000000000000"), 1, "NOT_FOUND", "orderNumber"),
    ]
    for n, (client, order, lessons, code, field) in enumerate(cases):
        result = await approve(hub, client, order, lessons, f"refused-{n}")
        assert (result.get("code"), result.get("field")) == (code, field), (code, result)
        assert banks.bank_releases(order) == []
    everything = await hub.graphql(
        EDUCATION,
        APPROVE_ALL,
        {
            "input": {
                "creditCode": plain.credit_code,
                "through": "2000-01-01",
                "idempotencyKey": "k",
            }
        },
    )
    assert everything.json()["data"]["approveReleases"]["code"] == "NOT_DELIVERED"
    assert approval_events(hub) == []


async def test_a_bank_that_cannot_be_asked_is_unavailable_and_nothing_is_recorded(
    hub: HubHarness, banks: Native
) -> None:
    order = an_order(banks, bank="jinming", waiting=1)
    database = hub.hub.settings.data_dir / "sandbox" / "bank_jinming.db"
    moved = database.with_suffix(".away")
    database.rename(moved)
    try:
        result = await approve(hub, EDUCATION, order, 1, "down")
    finally:
        moved.rename(database)

    assert result["code"] == "BANK_UNAVAILABLE"
    assert approval_events(hub) == []
    again = await approve(hub, EDUCATION, order, 1, "down")  # the same key works once it is up
    assert again["__typename"] == "LessonRelease"


async def test_approve_releases_pays_every_confirmed_lesson_up_to_the_date(
    hub: HubHarness, banks: Native
) -> None:
    order = an_order(banks, waiting=2)
    others = [o for o in banks.orders() if o.credit_code == order.credit_code and o.waiting > 0]
    running = [o for o in others if o.status in ("1", "O") and banks.account_state(o) == "0"]
    body = (
        await hub.graphql(
            EDUCATION,
            APPROVE_ALL,
            {
                "input": {
                    "creditCode": order.credit_code,
                    "through": REFERENCE_DATE.isoformat(),
                    "idempotencyKey": "all",
                }
            },
        )
    ).json()
    result = body["data"]["approveReleases"]

    assert result["__typename"] == "LessonRelease", result
    assert {i["orderNumber"] for i in result["instructions"]} == {o.number for o in running}
    for before in running:
        assert banks.order(before.number).released == min(before.confirmed, before.lessons)
    assert len(approval_events(hub)) == 1
