"""Approving releases of prepaid fees (一课一消), one order or every lesson up to a date:
what the bank pays, what the hub records and logs, and every way it says no."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tests.funds.support import (
    APPROVE_ALL,
    Native,
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


async def test_lessons_not_confirmed_by_the_payer_are_not_delivered(
    hub: HubHarness, banks: Native
) -> None:
    order = an_order(banks, waiting=1)
    banks.confirm(order, 2, confirmed=False)  # given, the payer has not confirmed

    result = await approve(hub, EDUCATION, order, order.waiting + 1, "too-many")

    assert result["code"] == "NOT_DELIVERED"
    assert result["field"] == "lessons"
    assert banks.bank_releases(order) == []


async def test_more_lessons_than_the_order_has_left_exceeds_it(
    hub: HubHarness, banks: Native
) -> None:
    order = an_order(banks, waiting=1)
    left = order.lessons - order.released
    banks.confirm(order, left + 5)

    result = await approve(hub, EDUCATION, order, left + 1, "beyond")

    assert result["code"] == "EXCEEDS_ORDER"
    assert banks.bank_releases(order) == []


async def test_a_refunded_order_has_nothing_left_to_release(hub: HubHarness, banks: Native) -> None:
    order = next(
        o for o in banks.orders() if o.status in ("3", "R") and banks.account_state(o) == "0"
    )
    banks.confirm(order, order.lessons)

    result = await approve(hub, EDUCATION, order, 1, "after-refund")

    assert result["code"] == "EXCEEDS_ORDER"
    assert banks.bank_releases(order) == []
    assert banks.order(order.number).released == order.released


async def test_a_frozen_or_closed_account_releases_nothing(hub: HubHarness, banks: Native) -> None:
    frozen = an_order(banks, bank="jinming", waiting=1)
    closed = an_order(banks, bank="songdu", waiting=1)
    banks.set_account(frozen, state="1")
    banks.set_account(closed, state="2")

    assert (await approve(hub, EDUCATION, frozen, 1, "f"))["code"] == "ACCOUNT_FROZEN"
    assert (await approve(hub, EDUCATION, closed, 1, "c"))["code"] == "ACCOUNT_CLOSED"
    assert banks.bank_releases(frozen) == banks.bank_releases(closed) == []


async def test_a_balance_below_the_amount_is_insufficient(hub: HubHarness, banks: Native) -> None:
    order = an_order(banks, waiting=1)
    banks.set_account(order, balance=0)

    result = await approve(hub, EDUCATION, order, 1, "poor")

    assert result["code"] == "INSUFFICIENT_BALANCE"
    assert banks.bank_releases(order) == []


async def test_only_education_within_its_region_approves(hub: HubHarness, banks: Native) -> None:
    order = an_order(banks, waiting=1)
    outside = next(
        o
        for o in banks.orders()
        if not banks.rows(
            "SELECT 1 FROM edu.jg_jbxx WHERE tyshxydm = ? AND xzqh = '410202'", o.credit_code
        )
    )

    refused = await approve(hub, "demo-finance", order, 1, "finance")
    district = await approve(hub, "demo-education-district", outside, 1, "district")

    assert refused["code"] == "NOT_PERMITTED"
    assert district["code"] == "OUT_OF_SCOPE"
    missing = await hub.graphql(
        EDUCATION,
        APPROVE_ALL.replace("ApproveAll", "Missing"),
        {
            "input": {
                "creditCode": order.credit_code,
                "through": "2000-01-01",
                "idempotencyKey": "k",
            }
        },
    )
    assert missing.json()["data"]["approveReleases"]["code"] == "NOT_DELIVERED"
    assert banks.bank_releases(order) == banks.bank_releases(outside) == []


async def test_an_unknown_order_is_not_found(hub: HubHarness, banks: Native) -> None:
    order = an_order(banks, waiting=1)

    result = await approve(hub, EDUCATION, replace(order, number="JM00000000000000000"), 1, "x")

    assert result["code"] == "NOT_FOUND"
    assert result["field"] == "orderNumber"


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
