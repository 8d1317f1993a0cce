"""Releases of prepaid fees after lessons are given (一课一消), approved by the education
bureau and paid by the bank that holds the custody account.

Expected refusals are values: both mutations answer ``ReleaseResult``, a
``LessonRelease`` or a ``ReleaseError`` whose ``code`` says why.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from xietong.domain.records import CustodyDistrict as CustodyDistrictRecord
from xietong.funds.records import (
    Approval,
    InstructionFilter,
    InstructionRecord,
    ReleaseErrorCode,
    ReleaseFailure,
    ReleaseStatus,
)
from xietong.funds.service import ReleaseResult as ReleaseOutcome
from xietong.resolvers import funds as resolvers
from xietong.resolvers.context import HubInfo
from xietong.schema.enums import register
from xietong.schema.mapping import from_record
from xietong.schema.pagination import (
    Connection,
    connection,
    decode_cursor,
    page_size,
    sequence_key,
)
from xietong.schema.scalars import CreditCode, Decimal, RegionCode

register(ReleaseStatus, "Where a release instruction stands at its bank.")
register(ReleaseErrorCode, "Why an approval of a release was refused.")


@strawberry.type(description="One release instruction to the bank holding the custody account.")
class ReleaseInstruction:
    id: strawberry.ID = strawberry.field(description="The instruction id the bank applies once.")
    credit_code: CreditCode = strawberry.field(description="The institution paid.")
    order_number: str = strawberry.field(description="The prepaid order the lessons are of.")
    bank: str = strawberry.field(description="The bank holding the custody account.")
    first_lesson: int = strawberry.field(description="The order's lessons first..last.")
    last_lesson: int = strawberry.field(description="The last of the order's lessons released.")
    lessons: int = strawberry.field(description="Lessons released (last − first + 1).")
    amount: Decimal = strawberry.field(
        description="Lessons × (order amount ÷ lessons bought); the last lesson takes the rest."
    )
    approved_by: str = strawberry.field(description="Who approved it (client and officer).")
    approved_at: datetime = strawberry.field(description="When the hub recorded the approval.")
    status: ReleaseStatus = strawberry.field(
        description="PENDING until the bank applies or refuses it."
    )
    bank_reference: str | None = strawberry.field(description="The bank's own reference.")
    refusal_reason: str | None = strawberry.field(description="Why the bank refused it.")
    attempts: int = strawberry.field(description="Times it was sent to the bank.")
    settled_at: datetime | None = strawberry.field(
        description="When the bank's answer (applied or refused) arrived."
    )


@strawberry.type(description="An approval: the lessons released, one instruction per order.")
class LessonRelease:
    credit_code: CreditCode = strawberry.field(description="The institution paid.")
    idempotency_key: str = strawberry.field(description="The approver's key for this approval.")
    approved_by: str = strawberry.field(description="Who approved it (client and officer).")
    approved_at: datetime = strawberry.field(description="When the hub recorded the approval.")
    lessons: int = strawberry.field(description="Lessons released, over every order.")
    amount: Decimal = strawberry.field(description="Released, over every order, in yuan.")
    status: ReleaseStatus = strawberry.field(
        description="PENDING while the bank has not confirmed every instruction (the hub "
        "sends them again until it does); REFUSED if it refused them all."
    )
    instructions: list[ReleaseInstruction] = strawberry.field(
        description="One instruction to the bank per order."
    )


@strawberry.type(description="Why an approval was refused.")
class ReleaseError:
    code: ReleaseErrorCode = strawberry.field(description="Why, as a code.")
    message: str = strawberry.field(description="Why, in words, naming what is at fault.")
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    first: LessonRelease | None = strawberry.field(
        description="DUPLICATE: the first approval under this key; a bank's refusal: what "
        "was recorded and refused."
    )


ReleaseResult = Annotated[LessonRelease | ReleaseError, strawberry.union("ReleaseResult")]


def instruction_of(record: InstructionRecord) -> ReleaseInstruction:
    return from_record(ReleaseInstruction, record, id=strawberry.ID(record.instruction_id))


def _release_of(approval: Approval) -> LessonRelease:
    return from_record(
        LessonRelease,
        approval,
        instructions=[instruction_of(record) for record in approval.instructions],
    )


def result_of(result: ReleaseOutcome) -> LessonRelease | ReleaseError:
    if isinstance(result, ReleaseFailure):
        first = None if result.first is None else _release_of(result.first)
        return from_record(ReleaseError, result, first=first)
    return _release_of(result)


@strawberry.input(description="Release lessons given on one prepaid order.")
class ApproveLessonReleaseInput:
    credit_code: CreditCode = strawberry.field(description="The institution to pay.")
    order_number: str = strawberry.field(description="The prepaid order (the bank's number).")
    lessons: int = strawberry.field(
        description="Lessons to release: the next ones given and confirmed by the payer."
    )
    idempotency_key: str = strawberry.field(
        description="Your own key for this approval: sent again, it answers DUPLICATE with "
        "the first outcome instead of releasing twice."
    )


@strawberry.input(description="Release every lesson given and confirmed up to a date (一键拨付).")
class ApproveReleasesInput:
    credit_code: CreditCode = strawberry.field(description="The institution to pay.")
    through: date = strawberry.field(
        description="Release the lessons given and confirmed on or before this date."
    )
    idempotency_key: str = strawberry.field(
        description="Your own key for this approval: sent again, it answers DUPLICATE with "
        "the first outcome instead of releasing twice."
    )


@strawberry.input(description="Every condition given must hold.")
class ReleaseInstructionFilter:
    credit_code: CreditCode | None = strawberry.field(
        default=None, description="Instructions paying this institution."
    )
    order_number: str | None = strawberry.field(
        default=None, description="Instructions for this prepaid order."
    )
    status: list[ReleaseStatus] | None = strawberry.field(
        default=None, description="Instructions in one of these states."
    )

    def to_filter(self) -> InstructionFilter:
        return InstructionFilter(
            credit_code=self.credit_code,
            order_number=self.order_number,
            statuses=frozenset(self.status or ()),
        )


@strawberry.type(
    description="Prepaid-fee supervision in one district or region (sums of the banks' own "
    "aggregates)."
)
class CustodyDistrict:
    region: RegionCode = strawberry.field(description="The district or region counted.")
    institutions_with_prepaid_courses: int = strawberry.field(
        description="Institutions there selling a course on prepaid terms (the education "
        "bureau's aggregate)."
    )
    with_custody_account: int = strawberry.field(
        description="Custody accounts held by the region's institutions, at every bank."
    )
    supervision_rate: float | None = strawberry.field(
        description="监管率: custody accounts ÷ institutions selling prepaid courses (at most 1)."
    )
    frozen_accounts: int = strawberry.field(description="Custody accounts frozen.")
    received: Decimal = strawberry.field(description="Prepaid fees received, in yuan.")
    released: Decimal = strawberry.field(
        description="Released to institutions lesson by lesson, in yuan."
    )
    refunded: Decimal = strawberry.field(description="Refunded to payers, in yuan.")
    outstanding: Decimal = strawberry.field(
        description="Prepaid fees for lessons not yet given, in yuan."
    )


@strawberry.type
class CustodyOverview:
    region: RegionCode = strawberry.field(description="The region asked about.")
    total: CustodyDistrict = strawberry.field(description="The whole region.")
    districts: list[CustodyDistrict] = strawberry.field(description="Each district of the region.")


def _district(record: CustodyDistrictRecord) -> CustodyDistrict:
    totals = record.totals
    return from_record(
        CustodyDistrict,
        record,
        institutions_with_prepaid_courses=record.prepaid_institutions,
        with_custody_account=totals.accounts,
        frozen_accounts=totals.frozen,
        received=totals.received,
        released=totals.released,
        refunded=totals.refunded,
        outstanding=totals.outstanding,
    )


@strawberry.type
class FundsQuery:
    @strawberry.field(
        description="Prepaid-fee supervision per district of a region (the caller's, or one "
        "within it): institutions selling prepaid courses, custody accounts, the supervision "
        "rate, frozen accounts and the money."
    )
    async def custody_overview(
        self, info: HubInfo, region: RegionCode | None = None
    ) -> CustodyOverview | None:
        total, districts = await resolvers.custody_overview(info.context, region)
        return from_record(
            CustodyOverview,
            total,
            total=_district(total),
            districts=[_district(district) for district in districts],
        )

    @strawberry.field(description="Release instructions in the principal's region, newest first.")
    async def release_instructions(
        self,
        info: HubInfo,
        filter: ReleaseInstructionFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[ReleaseInstruction] | None:
        size = page_size(first)
        records, total = await resolvers.release_instructions(
            info.context,
            filter.to_filter() if filter else InstructionFilter(),
            decode_cursor(after, sequence_key),
            size + 1,
        )
        return connection(
            records, first=size, total=total, key=lambda r: str(r.seq), node=instruction_of
        )


@strawberry.type
class FundsMutation:
    @strawberry.mutation(
        description="Approve the release of lessons given on one order (an education "
        "supervisor, within region)."
    )
    async def approve_lesson_release(
        self, info: HubInfo, input: ApproveLessonReleaseInput
    ) -> ReleaseResult | None:
        return result_of(
            await resolvers.approve_lesson_release(
                info.context,
                input.credit_code,
                input.order_number,
                input.lessons,
                input.idempotency_key,
            )
        )

    @strawberry.mutation(
        description="Approve every lesson given and confirmed up to a date, on every order "
        "of the institution."
    )
    async def approve_releases(
        self, info: HubInfo, input: ApproveReleasesInput
    ) -> ReleaseResult | None:
        return result_of(
            await resolvers.approve_releases(
                info.context, input.credit_code, input.through, input.idempotency_key
            )
        )
