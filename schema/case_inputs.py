"""The inputs of the case mutations and of the ``cases`` inbox filter."""

from __future__ import annotations

from datetime import date

import strawberry

from xietong.cases.records import (
    CaseFilter,
    CaseKind,
    CaseStatus,
    ComplaintSubmission,
    DeclaredAttachment,
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
    credit_code: CreditCode = strawberry.field(description="The institution served.")
    basis: str = strawberry.field(description="The legal basis cited.")
    items: list[str] = strawberry.field(description="What must be rectified, one item each.")
    deadline: date = strawberry.field(description="The last day to rectify; after today.")


@strawberry.input
class RecordRectificationResponseInput:
    case_id: strawberry.ID = strawberry.field(description="The notice's case.")
    response: str = strawberry.field(description="What the institution answered.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input
class ReviewRectificationInput:
    case_id: strawberry.ID = strawberry.field(description="The notice's case.")
    accepted: bool = strawberry.field(description="Whether the rectification is done.")
    note: str = strawberry.field(description="What the follow-up inspection found.")
    follow_up_inspected_on: date = strawberry.field(
        description="The day of the follow-up inspection; not after today."
    )
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input
class ReferCaseInput:
    case_id: strawberry.ID = strawberry.field(description="The case to refer.")
    to: Department = strawberry.field(description="The department to refer it to (转办).")
    note: str = strawberry.field(description="Why it is referred.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input
class AcceptCaseInput:
    case_id: strawberry.ID = strawberry.field(description="The case referred to your department.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input
class ReturnCaseInput:
    case_id: strawberry.ID = strawberry.field(description="The case referred to your department.")
    reason: str = strawberry.field(description="Why it is sent back.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input
class CloseCaseInput:
    case_id: strawberry.ID = strawberry.field(description="The case to close.")
    outcome: str = strawberry.field(description="How it ended.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input(description="A listed institution (creditCode), or an unlisted operator.")
class TipOffSubjectInput:
    credit_code: CreditCode | None = strawberry.field(
        default=None, description="A listed institution's credit code."
    )
    name: str | None = strawberry.field(default=None, description="An unlisted operator's name.")
    address: str | None = strawberry.field(
        default=None, description="An unlisted operator's address."
    )


@strawberry.input
class TipOffReporterInput:
    name: str = strawberry.field(description="The reporter's name; kept confidential.")
    phone: str = strawberry.field(description="The reporter's phone number; kept confidential.")


@strawberry.input
class SubmitTipOffInput:
    subject: TipOffSubjectInput = strawberry.field(description="Who the tip-off is about.")
    category: TipOffCategory = strawberry.field(description="What it reports.")
    content: str = strawberry.field(description="What the reporter said.")
    channel: TipOffChannel = strawberry.field(description="How it arrived.")
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
    department: Department = strawberry.field(
        description="The department that found it; one of the inspection's."
    )
    item: str = strawberry.field(description="What was inspected.")
    result: str = strawberry.field(description="What was found.")
    note: str | None = strawberry.field(default=None, description="A remark, if any.")


@strawberry.input
class AttachmentInput:
    name: str = strawberry.field(description="The file's name.")
    media_type: str = strawberry.field(description="Its media type, e.g. image/jpeg.")
    sha256: str = strawberry.field(description="The SHA-256 of its bytes (64 hex digits).")
    size: int = strawberry.field(description="Its size in bytes.")


@strawberry.input
class RecordInspectionInput:
    credit_code: CreditCode = strawberry.field(description="The institution inspected.")
    inspected_on: date = strawberry.field(description="The day of the inspection; not after today.")
    kind: InspectionKind = strawberry.field(
        description="Routine, special (专项) or joint (联合执法)."
    )
    departments: list[Department] = strawberry.field(
        description="The departments that took part, yours among them."
    )
    findings: list[InspectionFindingInput] = strawberry.field(
        description="What each department found."
    )
    attachments: list[AttachmentInput] = strawberry.field(
        default_factory=list,
        description="Files it cites, declared here and uploaded afterwards "
        "(PUT /cases/{caseId}/attachments/{sha256}).",
    )

    def to_submission(self) -> InspectionSubmission:
        return InspectionSubmission(
            self.credit_code,
            self.inspected_on,
            self.kind,
            tuple(self.departments),
            tuple(Finding(f.department, f.item, f.result, f.note) for f in self.findings),
            tuple(
                DeclaredAttachment(a.name, a.media_type.lower(), a.sha256.lower(), a.size)
                for a in self.attachments
            ),
        )


@strawberry.input
class ConfirmInspectionFindingsInput:
    case_id: strawberry.ID = strawberry.field(description="The inspection's case.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input
class OpenComplaintInput:
    credit_code: CreditCode = strawberry.field(description="The institution complained about.")
    content: str = strawberry.field(description="What the complainant said.")
    amount_claimed: Decimal = strawberry.field(
        description="What the complainant asks back, in yuan."
    )
    channel: TipOffChannel = strawberry.field(description="How the complaint arrived.")

    def to_submission(self) -> ComplaintSubmission:
        return ComplaintSubmission(
            self.credit_code, self.content, self.amount_claimed, self.channel
        )


@strawberry.input
class RecordMediationInput:
    case_id: strawberry.ID = strawberry.field(description="The complaint's case.")
    outcome: MediationOutcome = strawberry.field(description="Settled (调解成功) or not.")
    amount_refunded: Decimal = strawberry.field(
        description="What the institution refunded, in yuan."
    )
    note: str = strawberry.field(description="What was agreed or why not.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input
class DecideRewardInput:
    case_id: strawberry.ID = strawberry.field(description="The tip-off's case.")
    amount: Decimal = strawberry.field(description="The reward in yuan, 200 to 2,000.")
    reason: str = strawberry.field(description="Why it is granted.")
    expected_version: int = strawberry.field(description="The version you read.")


@strawberry.input(description="Every condition given must hold.")
class CaseFilterInput:
    assigned_to: Department | None = strawberry.field(
        default=None, description="A department's inbox."
    )
    kind: CaseKind | None = strawberry.field(default=None, description="Cases of this kind.")
    status: CaseStatus | None = strawberry.field(default=None, description="Cases in this status.")
    overdue: bool | None = strawberry.field(
        default=None,
        description="Cases whose pending referral is (true) or is not (false) overdue.",
    )
    credit_code: CreditCode | None = strawberry.field(
        default=None, description="Cases about this institution."
    )
    region: RegionCode | None = strawberry.field(
        default=None, description="Cases in this region (within the principal's own)."
    )

    def to_filter(self) -> CaseFilter:
        return CaseFilter(
            assigned_to=self.assigned_to,
            kind=self.kind,
            status=self.status,
            overdue=self.overdue,
            credit_code=self.credit_code,
        )
