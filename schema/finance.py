"""Finance's part of the joint record: custody of prepaid fees at a supervising bank."""

from __future__ import annotations

import strawberry

from xietong.schema.scalars import Decimal


@strawberry.type(
    description="The institution's custody account (资金监管账户) at its supervising bank."
)
class FundSupervision:
    bank: str | None = strawberry.field(description="The supervising bank holding the account.")
    account_number: str | None = strawberry.field(
        description="Custody account number (masked for some roles)."
    )
    balance: Decimal | None = strawberry.field(description="Custody balance, in yuan.")
    risk_deposit: Decimal | None = strawberry.field(
        description="Risk deposit (风险保证金), in yuan."
    )
    outstanding_prepaid: Decimal | None = strawberry.field(
        description="Prepaid fees for lessons not yet given, in yuan."
    )
    released_total: Decimal | None = strawberry.field(
        description="Released to the institution lesson by lesson (一课一消), in yuan."
    )
    coverage_ratio: float | None = strawberry.field(
        description="Custody balance ÷ outstanding prepaid; null when nothing is outstanding."
    )
