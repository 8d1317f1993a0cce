"""Joint cases between departments (DESIGN §13): rectification notices, tip-offs,
refund complaints, inspections, referral and each department's inbox. The parts
of each kind are in ``case_details``, the inputs in ``case_inputs``.

Expected refusals are values: every mutation answers ``CaseResult``, a ``Case`` or
a ``CaseError`` whose ``code`` says why.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Annotated

import strawberry

from xietong.cases.records import (
    CaseErrorCode,
    CaseFailure,
    CaseFilter,
    CaseKind,
    CaseRecord,
    CaseStatus,
    Mediation,
    RectificationNotice,
)
from xietong.cases.service import CaseResult
from xietong.resolvers.cases import queries, resolvers
from xietong.resolvers.context import HubInfo
from xietong.schema.case_details import (
    CaseTimelineEntry,
    ComplaintDetails,
    InspectionDetails,
    RectificationDetails,
    TipOffDetails,
)
from xietong.schema.case_inputs import (
    AcceptCaseInput,
    CaseFilterInput,
    CloseCaseInput,
    ConfirmInspectionFindingsInput,
    DecideRewardInput,
    IssueRectificationNoticeInput,
    OpenComplaintInput,
    RecordInspectionInput,
    RecordMediationInput,
    RecordRectificationResponseInput,
    ReferCaseInput,
    ReturnCaseInput,
    ReviewRectificationInput,
    SubmitTipOffInput,
)
from xietong.schema.enums import Department
from xietong.schema.mapping import from_record
from xietong.schema.pagination import Connection, connection, decode_cursor, page_size
from xietong.schema.scalars import CreditCode, RegionCode


@strawberry.type(description="Joint work on an institution, owned by the hub.")
class Case:
    record: strawberry.Private[CaseRecord]
    id: strawberry.ID = strawberry.field(description="The case's id in the hub.")
    kind: CaseKind = strawberry.field(
        description="A notice, a tip-off, a complaint or an inspection."
    )
    status: CaseStatus = strawberry.field(description="Where the case stands.")
    credit_code: CreditCode | None = strawberry.field(
        description="The institution's unified social credit code; null for an unlisted operator."
    )
    region: RegionCode = strawberry.field(
        description="The region (county code) the case belongs to."
    )
    number: str | None = strawberry.field(
        description="A notice's official number, e.g. 汴教整改〔2026〕31号."
    )
    opened_by_department: Department = strawberry.field(
        description="The department that opened it: its first contact (首接)."
    )
    responsible: Department = strawberry.field(
        description="The department answerable now: the first contact until a referral "
        "is accepted (首接负责制)."
    )
    assigned_to: Department = strawberry.field(
        description="Whose inbox it is in: the referral's target while one is pending."
    )
    referred_by: Department | None = strawberry.field(
        description="Who referred it, while the referral waits for an answer."
    )
    answer_due: date | None = strawberry.field(
        description="The last working day to accept or return the pending referral."
    )
    involved: list[Department] = strawberry.field(
        description="Every department the case ever involved: those that see it."
    )
    version: int = strawberry.field(description="Give it as expectedVersion to change the case.")
    opened_by: str = strawberry.field(description="The officer who opened it.")
    opened_at: datetime = strawberry.field(description="When it was opened.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    closed_at: datetime | None = strawberry.field(
        description="When it reached a final status, if it has."
    )
    outcome: str | None = strawberry.field(
        description="The outcome recorded on closing, if closed."
    )
    timeline: list[CaseTimelineEntry] = strawberry.field(description="Every step, oldest first.")

    @strawberry.field(description="A referral not answered by its due day.")
    def overdue(self, info: HubInfo) -> bool:
        return queries.overdue(info.context, self.record)

    @strawberry.field(description="The notice's terms and answer (rectification cases).")
    def rectification(self) -> RectificationDetails | None:
        if self.record.kind is not CaseKind.RECTIFICATION:
            return None
        return RectificationDetails(details=self.record.details)

    @strawberry.field(description="The inspection (inspection cases).")
    def inspection(self) -> InspectionDetails | None:
        if self.record.kind is not CaseKind.INSPECTION:
            return None
        return InspectionDetails(details=self.record.details, record=self.record)

    @strawberry.field(description="The refund complaint (complaint cases).")
    def complaint(self) -> ComplaintDetails | None:
        if self.record.kind is not CaseKind.COMPLAINT:
            return None
        return ComplaintDetails(details=self.record.details)

    @strawberry.field(description="The tip-off (tip-off cases).")
    def tip_off(self) -> TipOffDetails | None:
        if self.record.kind is not CaseKind.TIP_OFF:
            return None
        return TipOffDetails(record=self.record)


@strawberry.type(description="Why a case mutation was refused; nothing was changed.")
class CaseError:
    code: CaseErrorCode = strawberry.field(description="Why it was refused.")
    message: str = strawberry.field(description="The refusal in words, for the officer.")
    field: str | None = strawberry.field(description="The input field at fault, if one is.")


CaseResultType = Annotated[Case | CaseError, strawberry.union("CaseResult")]


def result_of(result: CaseResult) -> Case | CaseError:
    if isinstance(result, CaseFailure):
        return from_record(CaseError, result)
    return from_record(Case, result)


@strawberry.type
class CaseQuery:
    @strawberry.field(description="One case, by id, if your department has a part in it.")
    async def case(self, info: HubInfo, id: strawberry.ID) -> Case | None:
        found = await queries.case(info.context, id)
        return from_record(Case, found) if found else None

    @strawberry.field(
        description="Cases in the principal's region that its department has a part in "
        "(auditors: all), newest first."
    )
    async def cases(
        self,
        info: HubInfo,
        filter: CaseFilterInput | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Case] | None:
        size = page_size(first)
        records, total = await queries.cases_page(
            info.context,
            filter.to_filter() if filter else CaseFilter(),
            filter.region if filter else None,
            decode_cursor(after, queries.page_key),
            size + 1,
        )
        return connection(
            records,
            first=size,
            total=total,
            key=queries.cursor_key,
            node=partial(from_record, Case),
        )


@strawberry.type
class CaseMutation:
    @strawberry.mutation(
        description="Serve a rectification notice (education, market supervision, fire)."
    )
    async def issue_rectification_notice(
        self, info: HubInfo, input: IssueRectificationNoticeInput
    ) -> CaseResultType | None:
        notice = RectificationNotice(input.basis, tuple(input.items), input.deadline)
        return result_of(
            await resolvers.issue_rectification_notice(info.context, input.credit_code, notice)
        )

    @strawberry.mutation(description="Record the institution's response to a notice.")
    async def record_rectification_response(
        self, info: HubInfo, input: RecordRectificationResponseInput
    ) -> CaseResultType | None:
        return result_of(
            await resolvers.record_rectification_response(
                info.context, input.case_id, input.response, input.expected_version
            )
        )

    @strawberry.mutation(description="Accept or reject a response after a follow-up inspection.")
    async def review_rectification(
        self, info: HubInfo, input: ReviewRectificationInput
    ) -> CaseResultType | None:
        return result_of(
            await resolvers.review_rectification(
                info.context,
                input.case_id,
                accepted=input.accepted,
                note=input.note,
                follow_up_on=input.follow_up_inspected_on,
                expected_version=input.expected_version,
            )
        )

    @strawberry.mutation(description="Hand a case to another department, which must answer.")
    async def refer_case(self, info: HubInfo, input: ReferCaseInput) -> CaseResultType | None:
        return result_of(
            await resolvers.refer_case(
                info.context, input.case_id, input.to, input.note, input.expected_version
            )
        )

    @strawberry.mutation(description="Take a case referred to your department.")
    async def accept_case(self, info: HubInfo, input: AcceptCaseInput) -> CaseResultType | None:
        return result_of(
            await resolvers.accept_case(info.context, input.case_id, input.expected_version)
        )

    @strawberry.mutation(description="Send a referred case back, saying why.")
    async def return_case(self, info: HubInfo, input: ReturnCaseInput) -> CaseResultType | None:
        return result_of(
            await resolvers.return_case(
                info.context, input.case_id, input.reason, input.expected_version
            )
        )

    @strawberry.mutation(description="Take a tip-off; your department is its first contact.")
    async def submit_tip_off(
        self, info: HubInfo, input: SubmitTipOffInput
    ) -> CaseResultType | None:
        return result_of(await resolvers.submit_tip_off(info.context, input.to_submission()))

    @strawberry.mutation(description="Record an inspection your department took part in.")
    async def record_inspection(
        self, info: HubInfo, input: RecordInspectionInput
    ) -> CaseResultType | None:
        return result_of(await resolvers.record_inspection(info.context, input.to_submission()))

    @strawberry.mutation(description="Confirm your department's findings in an inspection.")
    async def confirm_inspection_findings(
        self, info: HubInfo, input: ConfirmInspectionFindingsInput
    ) -> CaseResultType | None:
        return result_of(
            await resolvers.confirm_inspection_findings(
                info.context, input.case_id, input.expected_version
            )
        )

    @strawberry.mutation(
        description="Open a refund complaint; your department is its first contact, "
        "responsible until a referral is accepted."
    )
    async def open_complaint(
        self, info: HubInfo, input: OpenComplaintInput
    ) -> CaseResultType | None:
        return result_of(await resolvers.open_complaint(info.context, input.to_submission()))

    @strawberry.mutation(description="Record a mediation; a settlement closes the complaint.")
    async def record_mediation(
        self, info: HubInfo, input: RecordMediationInput
    ) -> CaseResultType | None:
        mediation = Mediation(input.outcome, input.amount_refunded, input.note)
        return result_of(
            await resolvers.record_mediation(
                info.context, input.case_id, mediation, input.expected_version
            )
        )

    @strawberry.mutation(description="Decide a tip-off's reward, 200-2,000 yuan (education).")
    async def decide_reward(self, info: HubInfo, input: DecideRewardInput) -> CaseResultType | None:
        return result_of(
            await resolvers.decide_reward(
                info.context, input.case_id, input.amount, input.reason, input.expected_version
            )
        )

    @strawberry.mutation(description="Close a case your department is responsible for.")
    async def close_case(self, info: HubInfo, input: CloseCaseInput) -> CaseResultType | None:
        return result_of(
            await resolvers.close_case(
                info.context, input.case_id, input.outcome, input.expected_version
            )
        )
