"""Finance's part of the joint record: custody of prepaid fees at a supervising bank,
its ledger (orders, refunds) and the releases the education bureau approved."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

import strawberry

from xietong.domain.records import CustodyStatus, OrderStatus
from xietong.domain.records import FundSupervision as FundRecord
from xietong.resolvers import funds
from xietong.resolvers.context import HubInfo
from xietong.schema.enums import register
from xietong.schema.funds import ReleaseInstruction, instruction_of
from xietong.schema.mapping import from_record
from xietong.schema.pagination import Connection, connection, decode_cursor, page_size
from xietong.schema.scalars import Decimal

register(CustodyStatus, "A custody account's state at its bank.")
register(OrderStatus, "Where a prepaid order stands.")

R = TypeVar("R")
T = TypeVar("T")
_LEDGER_KEY = re.compile(r"[0-9A-Za-z_-]{1,64}")


@strawberry.type(description="A prepaid order (预付订单) held in custody.")
class PrepaidOrder:
    number: str = strawberry.field(description="The bank's order number.")
    course: str = strawberry.field(description="The course bought, as the institution names it.")
    student_name: str | None = strawberry.field(
        description="The student the lessons are for (masked for some roles)."
    )
    amount: Decimal = strawberry.field(description="Paid for the order, in yuan.")
    lessons_bought: int = strawberry.field(description="Lessons paid for in advance.")
    lessons_released: int = strawberry.field(
        description="Lessons whose fee was released to the institution."
    )
    amount_released: Decimal = strawberry.field(
        description="Released to the institution for those lessons, in yuan."
    )
    ordered_on: date = strawberry.field(description="When the order was paid.")
    status: OrderStatus = strawberry.field(description="Running, completed or refunded.")


@strawberry.type(description="A refund of prepaid fees to the payer.")
class Refund:
    number: str = strawberry.field(description="The bank's refund number.")
    order_number: str = strawberry.field(description="The prepaid order refunded.")
    amount: Decimal = strawberry.field(description="Refunded to the payer, in yuan.")
    refunded_on: date = strawberry.field(description="When the bank refunded it.")


@strawberry.type(
    description="The institution's custody account (资金监管账户) at its supervising bank."
)
class FundSupervision:
    bank: str | None = strawberry.field(description="The supervising bank holding the account.")
    account_number: str | None = strawberry.field(
        description="Custody account number (masked for some roles)."
    )
    status: CustodyStatus | None = strawberry.field(
        description="The account's state at its bank (normal, frozen, closed)."
    )
    status_since: date | None = strawberry.field(description="In this status since.")
    opened_on: date | None = strawberry.field(description="When the bank opened the account.")
    balance: Decimal | None = strawberry.field(description="Custody balance, in yuan.")
    risk_deposit: Decimal | None = strawberry.field(
        description="Risk deposit (风险保证金), in yuan."
    )
    outstanding_prepaid: Decimal | None = strawberry.field(
        description="Prepaid fees for lessons not yet given, in yuan."
    )
    received_total: Decimal | None = strawberry.field(description="Prepaid fees received.")
    released_total: Decimal | None = strawberry.field(
        description="Released to the institution lesson by lesson (一课一消), in yuan."
    )
    refunded_total: Decimal | None = strawberry.field(description="Refunded to payers, in yuan.")
    coverage_ratio: float | None = strawberry.field(
        description="Custody balance ÷ outstanding prepaid; null when nothing is outstanding."
    )
    record: strawberry.Private[FundRecord]

    @strawberry.field(description="Its prepaid orders, oldest first.")
    def orders(self, first: int = 50, after: str | None = None) -> Connection[PrepaidOrder] | None:
        return _page(
            self.record.orders,
            first,
            after,
            key=lambda order: order.number,
            node=lambda order: from_record(PrepaidOrder, order),
        )

    @strawberry.field(
        description="Release instructions approved on this account (一课一消), newest first."
    )
    async def releases(self, info: HubInfo) -> list[ReleaseInstruction] | None:
        found = await funds.institution_releases(info.context, self.record.credit_code)
        return [instruction_of(record) for record in found]

    @strawberry.field(description="Refunds to payers, oldest first.")
    def refunds(self, first: int = 50, after: str | None = None) -> Connection[Refund] | None:
        return _page(
            self.record.refunds,
            first,
            after,
            key=lambda refund: refund.number,
            node=lambda refund: from_record(Refund, refund),
        )


def _ledger_key(key: str) -> str:
    if not _LEDGER_KEY.fullmatch(key):
        raise ValueError(key)
    return key


def _page(
    records: Sequence[R],
    first: int,
    after: str | None,
    *,
    key: Callable[[R], str],
    node: Callable[[R], T],
) -> Connection[T]:
    """A page of a ledger list the bank answered whole (an account's orders number in
    the tens): sliced here, the cursor being the entry's own number."""
    size = page_size(first)
    start = 0
    cursor = decode_cursor(after, _ledger_key)
    if cursor is not None:
        keys = [key(record) for record in records]
        start = keys.index(cursor) + 1 if cursor in keys else len(records)
    return connection(
        records[start : start + size + 1], first=size, total=len(records), key=key, node=node
    )
