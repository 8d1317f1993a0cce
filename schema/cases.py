"""Joint cases between departments (DESIGN §13): rectification notices, referral
and each department's inbox.

Expected refusals are values: every mutation answers ``CaseResult``, a ``Case`` or
a ``CaseError`` whose ``code`` says why.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as PyDecimal
from functools import partial
from typing import Annotated, Any

import strawberry

from xietong.cases.records import (
    CaseAction,
    CaseErrorCode,
    CaseFailure,
    CaseFilter,
    CaseKind,
    CaseRecord,
    CaseStatus,
    ComplaintSubmission,
    Finding,
    InspectionKind,
    InspectionSubmission,
    Mediation,
    MediationOutcome,
    RectificationNotice,
    Reporter,
    TipOffCategory,
    TipOffChannel,
    TipOffConcern,
    TipOffSubmission,
)
from xietong.cases.service import CaseResult
from xietong.resolvers.cases import queries, resolvers
from xietong.resolvers.context import HubInfo
from xietong.schema.enums import Department
from xietong.schema.mapping import from_record
from xietong.schema.pagination import Connection, connection, decode_cursor, page_size
from xietong.schema.scalars import CreditCode, Decimal, RegionCode

for enum in (
    CaseKind,
    CaseStatus,
    CaseAction,
    CaseErrorCode,
    TipOffCategory,
    TipOffChannel,
    TipOffConcern,
):
    strawberry.enum(enum)


@strawberry.type(description="One step of a case: who did what, when, from which client.")
class CaseTimelineEntry:
    at: datetime
    action: CaseAction
    status: CaseStatus = strawberry.field(description="The case's status after the step.")
    department: Department
    subject: str = strawberry.field(description="The officer or system that acted.")
    client_id: str = strawberry.field(description="The client it acted through.")
    note: str | None


@strawberry.type(description="What a rectification notice (整改通知书) requires, and its answer.")
class RectificationDetails:
    details: strawberry.Private[dict[str, object]]

    @strawberry.field(description="The legal basis cited.")
    def basis(self) -> str:
        return str(self.details["basis"])

    @strawberry.field(description="What must be rectified, one item each.")
    def items(self) -> list[str]:
        items = self.details["items"]
        assert isinstance(items, list)
        return [str(item) for item in items]

    @strawberry.field
    def deadline(self) -> date:
        return date.fromisoformat(str(self.details["deadline"]))

    @strawberry.field(description="The institution's latest response, as recorded.")
    def response(self) -> str | None:
        found = self.details.get("response")
        return None if found is None else str(found)

    @strawberry.field(description="The day of the follow-up inspection that reviewed it.")
    def follow_up_inspected_on(self) -> date | None:
        found = self.details.get("followUpInspectedOn")
        return None if found is None else date.fromisoformat(str(found))


@strawberry.type(description="Who reported a tip-off (confidential: education, with a purpose).")
class TipOffReporter:
    name: str | None
    phone: str | None


@strawberry.type(description="A tip-off reward decided by education (200-2,000 yuan).")
class TipOffReward:
    details: strawberry.Private[dict[str, object]]

    @strawberry.field
    def amount(self) -> Decimal:
        return Decimal(PyDecimal(str(self.details["amount"])))

    @strawberry.field
    def reason(self) -> str:
        return str(self.details["reason"])

    @strawberry.field
    def decided_on(self) -> date:
        return date.fromisoformat(str(self.details["decidedOn"]))

    @strawberry.field(description="The education officer who decided it.")
    def decided_by(self) -> str:
        return str(self.details["decidedBy"])


@strawberry.type(description="A tip-off (举报) taken in the hub.")
class TipOffDetails:
    record: strawberry.Private[CaseRecord]

    @strawberry.field
    def category(self) -> TipOffCategory:
        return TipOffCategory(str(self.record.details["category"]))

    @strawberry.field
    def channel(self) -> TipOffChannel:
        return TipOffChannel(str(self.record.details["channel"]))

    @strawberry.field
    def received_on(self) -> date:
        return date.fromisoformat(str(self.record.details["receivedOn"]))

    @strawberry.field(description="The operator's name, for one not in the education register.")
    def subject_name(self) -> str | None:
        found = self.record.details.get("subjectName")
        return None if found is None else str(found)

    @strawberry.field
    def subject_address(self) -> str | None:
        found = self.record.details.get("subjectAddress")
        return None if found is None else str(found)

    @strawberry.field(description="Open, these raise the TIP_OFF_ALERT risk signal.")
    def concerns(self) -> list[TipOffConcern]:
        found = self.record.details.get("concerns") or []
        assert isinstance(found, list)
        return [TipOffConcern(str(concern)) for concern in found]

    @strawberry.field(description="What the reporter said.")
    def content(self) -> str | None:
        return str(self.record.details["content"])

    @strawberry.field(description="Confidential; null for an anonymous tip-off.")
    async def reporter(self, info: HubInfo) -> TipOffReporter | None:
        found = await queries.reporter(info.context, self.record)
        return from_record(TipOffReporter, found) if found else None

    @strawberry.field
    def reward(self) -> TipOffReward | None:
        found = self.record.details.get("reward")
        return TipOffReward(details=found) if isinstance(found, dict) else None


@strawberry.type(description="The outcome of mediating a refund complaint.")
class ComplaintMediation:
    details: strawberry.Private[dict[str, object]]

    @strawberry.field
    def outcome(self) -> MediationOutcome:
        return MediationOutcome(str(self.details["outcome"]))

    @strawberry.field(description="What the institution refunded, in yuan.")
    def amount_refunded(self) -> Decimal:
        return Decimal(PyDecimal(str(self.details["amountRefunded"])))

    @strawberry.field
    def note(self) -> str:
        return str(self.details["note"])

    @strawberry.field
    def mediated_on(self) -> date:
        return date.fromisoformat(str(self.details["mediatedOn"]))

    @strawberry.field(description="The department that mediated.")
    def department(self) -> Department:
        return Department(str(self.details["department"]))


@strawberry.type(description="A refund complaint (退费投诉) taken in the hub.")
class ComplaintDetails:
    details: strawberry.Private[dict[str, object]]

    @strawberry.field
    def received_on(self) -> date:
        return date.fromisoformat(str(self.details["receivedOn"]))

    @strawberry.field
    def content(self) -> str:
        return str(self.details["content"])

    @strawberry.field(description="What the complainant asks back, in yuan.")
    def amount_claimed(self) -> Decimal:
        return Decimal(PyDecimal(str(self.details["amountClaimed"])))

    @strawberry.field
    def channel(self) -> TipOffChannel:
        return TipOffChannel(str(self.details["channel"]))

    @strawberry.field(description="The latest mediation, if any.")
    def mediation(self) -> ComplaintMediation | None:
        found = self.details.get("mediation")
        return ComplaintMediation(details=found) if isinstance(found, dict) else None


@strawberry.type(description="One department's finding in an inspection.")
class InspectionFinding:
    department: Department
    item: str
    result: str
    note: str | None


@strawberry.type(description="An inspection (检查) recorded in the hub.")
class InspectionDetails:
    details: strawberry.Private[dict[str, object]]

    @strawberry.field
    def inspected_on(self) -> date:
        return date.fromisoformat(str(self.details["inspectedOn"]))

    @strawberry.field
    def kind(self) -> InspectionKind:
        return InspectionKind(str(self.details["inspectionKind"]))

    @strawberry.field
    def departments(self) -> list[Department]:
        return [Department(str(d)) for d in _listed(self.details, "departments")]

    @strawberry.field
    def findings(self) -> list[InspectionFinding]:
        return [
            InspectionFinding(
                department=Department(str(f["department"])),
                item=str(f["item"]),
                result=str(f["result"]),
                note=None if f.get("note") is None else str(f["note"]),
            )
            for f in _listed(self.details, "findings")
        ]

    @strawberry.field(description="Departments that confirmed their findings.")
    def confirmed_by(self) -> list[Department]:
        return [Department(str(d)) for d in _listed(self.details, "confirmedBy")]

    @strawberry.field
    def awaiting_confirmation_from(self) -> list[Department]:
        confirmed = set(_listed(self.details, "confirmedBy"))
        return [
            Department(str(d)) for d in _listed(self.details, "departments") if d not in confirmed
        ]

    @strawberry.field(description="A JOINT inspection every department has confirmed.")
    def joint(self) -> bool:
        confirmed = set(_listed(self.details, "confirmedBy"))
        return self.details["inspectionKind"] == InspectionKind.JOINT.value and confirmed >= set(
            _listed(self.details, "departments")
        )


def _listed(details: dict[str, object], key: str) -> list[Any]:
    found = details.get(key) or []
    assert isinstance(found, list)
    return found


@strawberry.type(description="Joint work on an institution, owned by the hub.")
class Case:
    record: strawberry.Private[CaseRecord]
    id: strawberry.ID
    kind: CaseKind
    status: CaseStatus
    credit_code: CreditCode | None
    region: RegionCode
    number: str | None = strawberry.field(
        description="A notice's official number, e.g. 汴教整改〔2026〕31号."
    )
    opened_by_department: Department
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
    opened_by: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    outcome: str | None
    timeline: list[CaseTimelineEntry]

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
        return InspectionDetails(details=self.record.details)

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
    code: CaseErrorCode
    message: str
    field: str | None = strawberry.field(description="The input field at fault, if one is.")


CaseResultType = Annotated[Case | CaseError, strawberry.union("CaseResult")]


def result_of(result: CaseResult) -> Case | CaseError:
    if isinstance(result, CaseFailure):
        return from_record(CaseError, result)
    return from_record(Case, result)


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
