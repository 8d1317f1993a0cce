"""The inputs of the case mutations and of the ``cases`` inbox filter."""

from __future__ import annotations

from datetime import date

import strawberry

from xietong.cases.records import (
    CaseFilter,
    CaseKind,
    CaseStatus,
    ComplaintSubmission,
    Finding,
    InspectionKind,
    InspectionSubmission,
    MediationOutcome,
    Reporter,
    TipOffCategory,
    TipOffChannel,
    TipOffConcern,
    TipOffSubmission,
)
from xietong.schema.enums import Department
from xietong.schema.scalars import CreditCode, Decimal, RegionCode


@strawberry.input
class IssueRectificationNoticeInput:
    credit_code: CreditCode
    basis: str
    items: list[str]
    deadline: date


@strawberry.input
class RecordRectificationResponseInput:
    case_id: strawberry.ID
    response: str
    expected_version: int


@strawberry.input
class ReviewRectificationInput:
    case_id: strawberry.ID
    accepted: bool
    note: str
    follow_up_inspected_on: date
    expected_version: int


@strawberry.input
class ReferCaseInput:
    case_id: strawberry.ID
    to: Department
    note: str
    expected_version: int


@strawberry.input
class AcceptCaseInput:
    case_id: strawberry.ID
    expected_version: int


@strawberry.input
class ReturnCaseInput:
    case_id: strawberry.ID
    reason: str
    expected_version: int


@strawberry.input
class CloseCaseInput:
    case_id: strawberry.ID
    outcome: str
    expected_version: int


@strawberry.input(description="A listed institution (creditCode), or an unlisted operator.")
class TipOffSubjectInput:
    credit_code: CreditCode | None = None
    name: str | None = None
    address: str | None = None


@strawberry.input
class TipOffReporterInput:
    name: str
    phone: str


@strawberry.input
class SubmitTipOffInput:
    subject: TipOffSubjectInput
    category: TipOffCategory
    content: str
    channel: TipOffChannel
    reporter: TipOffReporterInput | None = strawberry.field(
        default=None, description="Omit for an anonymous tip-off."
    )
    concerns: list[TipOffConcern] = strawberry.field(
        default_factory=list, description="Absconding, refused refunds: an early warning."
    )

    def to_submission(self) -> TipOffSubmission:
        reporter = self.reporter
        return TipOffSubmission(
            credit_code=self.subject.credit_code,
            name=self.subject.name,
            address=self.subject.address,
            category=self.category,
            content=self.content,
            channel=self.channel,
            reporter=Reporter(reporter.name, reporter.phone) if reporter else None,
            concerns=tuple(self.concerns),
        )


@strawberry.input
class InspectionFindingInput:
    department: Department
    item: str
    result: str
    note: str | None = None


@strawberry.input
class RecordInspectionInput:
    credit_code: CreditCode
    inspected_on: date
    kind: InspectionKind
    departments: list[Department]
    findings: list[InspectionFindingInput]

    def to_submission(self) -> InspectionSubmission:
        return InspectionSubmission(
            self.credit_code,
            self.inspected_on,
            self.kind,
            tuple(self.departments),
            tuple(Finding(f.department, f.item, f.result, f.note) for f in self.findings),
        )


@strawberry.input
class ConfirmInspectionFindingsInput:
    case_id: strawberry.ID
    expected_version: int


@strawberry.input
class OpenComplaintInput:
    credit_code: CreditCode
    content: str
    amount_claimed: Decimal
    channel: TipOffChannel

    def to_submission(self) -> ComplaintSubmission:
        return ComplaintSubmission(
            self.credit_code, self.content, self.amount_claimed, self.channel
        )


@strawberry.input
class RecordMediationInput:
    case_id: strawberry.ID
    outcome: MediationOutcome
    amount_refunded: Decimal
    note: str
    expected_version: int


@strawberry.input
class DecideRewardInput:
    case_id: strawberry.ID
    amount: Decimal
    reason: str
    expected_version: int


@strawberry.input(description="Every condition given must hold.")
class CaseFilterInput:
    assigned_to: Department | None = strawberry.field(
        default=None, description="A department's inbox."
    )
    kind: CaseKind | None = None
    status: CaseStatus | None = None
    overdue: bool | None = None
    credit_code: CreditCode | None = None
    region: RegionCode | None = None

    def to_filter(self) -> CaseFilter:
        return CaseFilter(
            assigned_to=self.assigned_to,
            kind=self.kind,
            status=self.status,
            overdue=self.overdue,
            credit_code=self.credit_code,
        )
