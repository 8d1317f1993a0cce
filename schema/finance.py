"""Finance's part of the joint record: custody of prepaid fees at a supervising bank."""

from __future__ import annotations

import strawberry

from xietong.schema.scalars import Decimal


@strawberry.type(
    description="The institution's custody account (资金监管账户) at its supervising bank."
)
class FundSupervision:
    bank: str | None
    account_number: str | None
    balance: Decimal | None
    risk_deposit: Decimal | None
    outstanding_prepaid: Decimal | None
    released_total: Decimal | None
    coverage_ratio: float | None = strawberry.field(
        description="Custody balance ÷ outstanding prepaid; null when nothing is outstanding."
    )
