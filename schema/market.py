"""Market supervision's part of the joint record, and the hunt for unlicensed operators."""

from __future__ import annotations

from datetime import date
from functools import partial

import strawberry

from xietong.resolvers.context import HubInfo
from xietong.resolvers.unlicensed import tip_off_leads, unlicensed_operators
from xietong.schema.enums import Department, RegistrationStatus, TipOffCategory
from xietong.schema.mapping import from_record
from xietong.schema.pagination import (
    Connection,
    connection,
    credit_code_key,
    decode_cursor,
    page_size,
)
from xietong.schema.scalars import CreditCode, Decimal, RegionCode


@strawberry.type(description="A complaint received by market supervision (e.g. 12315 退费投诉).")
class Complaint:
    filed_on: date = strawberry.field(description="Filed on.")
    kind: str = strawberry.field(description="REFUND for a refund complaint.")
    amount: Decimal | None = strawberry.field(description="The amount claimed, in yuan.")
    status: str = strawberry.field(description="RECEIVED, IN_MEDIATION or CLOSED.")
    summary: str = strawberry.field(description="What the complainant says.")


@strawberry.type(description="An administrative penalty (行政处罚) decided by market supervision.")
class Penalty:
    decision_number: str = strawberry.field(description="处罚决定书号.")
    decided_on: date = strawberry.field(description="The day of the decision.")
    authority: str = strawberry.field(description="The authority that decided it.")
    kind: str = strawberry.field(description="WARNING, FINE or BUSINESS_LICENCE_REVOKED.")
    amount: Decimal | None = strawberry.field(description="The fine in yuan; null if no fine.")
    reason: str = strawberry.field(description="The facts found (违法事实).")
    basis: str = strawberry.field(description="The provisions applied (处罚依据).")


@strawberry.type(
    description="An advertisement market supervision found unlawful (广告违法), e.g. promising "
    "score gains or inventing teachers."
)
class AdvertisingViolation:
    found_on: date = strawberry.field(description="The day market supervision found it.")
    medium: str = strawberry.field(description="Where it ran (发布媒介).")
    finding: str = strawberry.field(description="What was false or forbidden (违法事实).")
    outcome: str = strawberry.field(description="What was done about it (处理结果).")
    penalty: Penalty | None = strawberry.field(description="The penalty decided for it, if any.")


@strawberry.type(
    description="Business registration (营业执照 / 民非登记) held by market supervision."
)
class BusinessRegistration:
    credit_code: CreditCode = strawberry.field(description="Unified Social Credit Code.")
    name: str = strawberry.field(description="Registered name.")
    region: RegionCode = strawberry.field(description="Region code of the registering authority.")
    status: RegistrationStatus = strawberry.field(description="Whether the registration is active.")
    business_scope: str = strawberry.field(description="Registered business scope (经营范围).")
    legal_representative: str = strawberry.field(description="Legal representative (法定代表人).")
    registered_on: date | None = strawberry.field(description="Registered on.")
    non_profit: bool = strawberry.field(
        description="Whether it is registered as non-profit (民非)."
    )
    penalties: list[Penalty] = strawberry.field(
        description="Administrative penalties (行政处罚), as decisions."
    )


@strawberry.type(
    description="An open tip-off (举报) about an operator the education bureau does not list, "
    "named by the public without a credit code: a lead to check on site."
)
class TipOffLead:
    case_id: strawberry.ID = strawberry.field(description="The tip-off's case in the hub.")
    received_on: date = strawberry.field(description="The day it was received.")
    category: TipOffCategory = strawberry.field(description="What was reported.")
    operator_name: str | None = strawberry.field(description="The operator, as reported.")
    operator_address: str | None = strawberry.field(description="Where it operates, as reported.")
    region: RegionCode = strawberry.field(description="The region of the department that took it.")
    assigned_to: Department = strawberry.field(description="Whose inbox the tip-off is in.")


@strawberry.type(name="BusinessRegistrationConnection")
class UnlicensedOperatorConnection(Connection[BusinessRegistration]):
    region: strawberry.Private[str | None]

    @strawberry.field(
        description="Open tip-offs about operators named without a credit code in the region, "
        "oldest first: leads the registrations cannot show."
    )
    async def tip_off_leads(self, info: HubInfo) -> list[TipOffLead]:
        return [
            TipOffLead(
                case_id=strawberry.ID(case.id),
                received_on=date.fromisoformat(str(case.details["receivedOn"])),
                category=TipOffCategory(str(case.details["category"])),
                operator_name=case.details.get("subjectName"),
                operator_address=case.details.get("subjectAddress"),
                region=RegionCode(case.region),
                assigned_to=case.assigned_to,
            )
            for case in await tip_off_leads(info.context, self.region)
        ]


@strawberry.type
class MarketQuery:
    @strawberry.field(
        description="Registrations whose business scope covers training but that hold no "
        "education licence: the hidden operators inspectors hunt for."
    )
    async def unlicensed_operators(
        self,
        info: HubInfo,
        region: RegionCode | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> UnlicensedOperatorConnection | None:
        size = page_size(first)
        records, total = await unlicensed_operators(
            info.context, region, decode_cursor(after, credit_code_key), size
        )
        page = connection(
            records,
            first=size,
            after=after,
            total=total,
            key=lambda record: record.credit_code,
            node=partial(from_record, BusinessRegistration),
        )
        return UnlicensedOperatorConnection(
            edges=page.edges, page_info=page.page_info, total_count=page.total_count, region=region
        )
