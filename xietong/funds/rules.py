"""The release rules, without I/O: who may approve, what may be released, for how much.

Amounts are whole fen. A lesson costs the order's amount ÷ lessons bought, rounded
down; the last lesson takes the remainder, so releasing every lesson of an order
releases exactly its amount, never a fen more or less.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.domain.records import (
    BankRefusal,
    CustodyStatus,
    FundSupervision,
    LessonDelivery,
    OrderStatus,
    PrepaidOrder,
)
from xietong.funds.records import ReleaseErrorCode, ReleaseFailure

APPROVER_ROLE = "education.supervisor"
MAX_LESSONS = 500
"""More lessons than any order may prepay (60), with room: a bound on the input."""


def amount_fen(order_amount_fen: int, lessons_bought: int, first: int, lessons: int) -> int:
    """What lessons ``first .. first + lessons - 1`` of an order are worth, in fen."""
    price = order_amount_fen // lessons_bought
    total = price * lessons
    if first + lessons - 1 == lessons_bought:
        total += order_amount_fen - price * lessons_bought
    return total


def fen_of(order: PrepaidOrder) -> int:
    return int(order.amount.scaleb(2))


def confirmed_lessons(
    deliveries: Iterable[LessonDelivery], order_number: str, through: date | None = None
) -> int:
    """Lessons of the order the institution reported as given and the payer confirmed
    (on or before ``through``, if given)."""
    return sum(
        delivery.lessons
        for delivery in deliveries
        if delivery.order_number == order_number
        and delivery.confirmed
        and (through is None or delivery.delivered_on <= through)
    )


def refusal_to_approve(approver: Actor) -> ReleaseFailure | None:
    if approver.department is not Department.EDUCATION or APPROVER_ROLE not in approver.roles:
        return ReleaseFailure(
            ReleaseErrorCode.NOT_PERMITTED,
            "only an education supervisor approves releases of prepaid fees",
        )
    return None


def refusal_of_scope(
    approver: Actor, credit_code: str, region: str | None
) -> ReleaseFailure | None:
    """``region``: the institution's, as the education bureau registers it."""
    if region is None:
        return ReleaseFailure(
            ReleaseErrorCode.NOT_FOUND,
            f"no institution {credit_code} is registered with the education bureau",
            "creditCode",
        )
    if not approver.scope.contains(region):
        return ReleaseFailure(
            ReleaseErrorCode.OUT_OF_SCOPE,
            f"institution {credit_code} is not within region {approver.region}",
            "creditCode",
        )
    return None


def refusal_of_account(credit_code: str, funds: FundSupervision | None) -> ReleaseFailure | None:
    if funds is None:
        return ReleaseFailure(
            ReleaseErrorCode.NOT_FOUND,
            f"institution {credit_code} has no custody account at any supervising bank",
            "creditCode",
        )
    if funds.status is CustodyStatus.FROZEN:
        return ReleaseFailure(
            ReleaseErrorCode.ACCOUNT_FROZEN, f"the custody account at {funds.bank} is frozen"
        )
    if funds.status is CustodyStatus.CLOSED:
        return ReleaseFailure(
            ReleaseErrorCode.ACCOUNT_CLOSED, f"the custody account at {funds.bank} is closed"
        )
    return None


def refusal_of_lessons(
    order: PrepaidOrder, approved: int, confirmed: int, lessons: int
) -> ReleaseFailure | None:
    """``approved``: lessons of the order released or on their way; ``confirmed``: given
    and confirmed by the payer."""
    if order.status is OrderStatus.REFUNDED:
        return ReleaseFailure(
            ReleaseErrorCode.EXCEEDS_ORDER,
            f"order {order.number} was refunded: nothing is left to release",
            "lessons",
        )
    if approved + lessons > order.lessons_bought:
        return ReleaseFailure(
            ReleaseErrorCode.EXCEEDS_ORDER,
            f"order {order.number} has {order.lessons_bought - approved} lesson(s) left to release",
            "lessons",
        )
    if approved + lessons > confirmed:
        return ReleaseFailure(
            ReleaseErrorCode.NOT_DELIVERED,
            f"order {order.number}: {max(0, confirmed - approved)} lesson(s) given and "
            "confirmed by the payer are waiting for release",
            "lessons",
        )
    return None


def refusal_of_balance(funds: FundSupervision, amount: int) -> ReleaseFailure | None:
    if int(funds.balance.scaleb(2)) < amount:
        return ReleaseFailure(
            ReleaseErrorCode.INSUFFICIENT_BALANCE,
            f"the custody balance is below the {amount / 100:.2f} yuan to release",
        )
    return None


BANK_REFUSALS = {
    BankRefusal.NO_ORDER: ReleaseErrorCode.NOT_FOUND,
    BankRefusal.ACCOUNT_FROZEN: ReleaseErrorCode.ACCOUNT_FROZEN,
    BankRefusal.ACCOUNT_CLOSED: ReleaseErrorCode.ACCOUNT_CLOSED,
    BankRefusal.EXCEEDS_ORDER: ReleaseErrorCode.EXCEEDS_ORDER,
    BankRefusal.INSUFFICIENT_BALANCE: ReleaseErrorCode.INSUFFICIENT_BALANCE,
}
"""A bank's refusal, as the approver is told it."""
