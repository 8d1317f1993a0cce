"""The kind-specific parts of a joint case in the schema: a notice's terms, a
tip-off (its reporter confidential), a complaint's mediation, an inspection's
findings; and a case's timeline. Read from the case's stored details."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as PyDecimal
from typing import Any

import strawberry

from xietong.cases.records import (
    CaseAction,
    CaseRecord,
    CaseStatus,
    InspectionKind,
    MediationOutcome,
    TipOffCategory,
    TipOffChannel,
    TipOffConcern,
)
from xietong.resolvers.cases import queries
from xietong.resolvers.context import HubInfo
from xietong.schema.enums import Department
from xietong.schema.mapping import from_record
from xietong.schema.scalars import Decimal


@strawberry.type(description="One step of a case: who did what, when, from which client.")
class CaseTimelineEntry:
    at: datetime = strawberry.field(description="When the step was taken.")
    action: CaseAction = strawberry.field(description="What the step did.")
    status: CaseStatus = strawberry.field(description="The case's status after the step.")
    department: Department = strawberry.field(description="The department that took it.")
    subject: str = strawberry.field(description="The officer or system that acted.")
    client_id: str = strawberry.field(description="The client it acted through.")
    note: str | None = strawberry.field(
        description="The step's note (a response, a reason, an outcome), if any."
    )


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

    @strawberry.field(description="The last day to rectify.")
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
    name: str | None = strawberry.field(description="The reporter's name.")
    phone: str | None = strawberry.field(description="The reporter's phone number.")


@strawberry.type(description="A tip-off reward decided by education (200-2,000 yuan).")
class TipOffReward:
    details: strawberry.Private[dict[str, object]]

    @strawberry.field(description="The reward in yuan.")
    def amount(self) -> Decimal:
        return Decimal(PyDecimal(str(self.details["amount"])))

    @strawberry.field(description="Why it was granted.")
    def reason(self) -> str:
        return str(self.details["reason"])

    @strawberry.field(description="The day it was decided.")
    def decided_on(self) -> date:
        return date.fromisoformat(str(self.details["decidedOn"]))

    @strawberry.field(description="The education officer who decided it.")
    def decided_by(self) -> str:
        return str(self.details["decidedBy"])


@strawberry.type(description="A tip-off (举报) taken in the hub.")
class TipOffDetails:
    record: strawberry.Private[CaseRecord]

    @strawberry.field(description="What the tip-off reports.")
    def category(self) -> TipOffCategory:
        return TipOffCategory(str(self.record.details["category"]))

    @strawberry.field(description="How the tip-off arrived.")
    def channel(self) -> TipOffChannel:
        return TipOffChannel(str(self.record.details["channel"]))

    @strawberry.field(description="The day the tip-off was received.")
    def received_on(self) -> date:
        return date.fromisoformat(str(self.record.details["receivedOn"]))

    @strawberry.field(description="The operator's name, for one not in the education register.")
    def subject_name(self) -> str | None:
        found = self.record.details.get("subjectName")
        return None if found is None else str(found)

    @strawberry.field(description="The operator's address, for one not in the education register.")
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

    @strawberry.field(description="The reward (奖励) education decided, if any.")
    def reward(self) -> TipOffReward | None:
        found = self.record.details.get("reward")
        return TipOffReward(details=found) if isinstance(found, dict) else None


@strawberry.type(description="The outcome of mediating a refund complaint.")
class ComplaintMediation:
    details: strawberry.Private[dict[str, object]]

    @strawberry.field(description="Settled (调解成功) or not.")
    def outcome(self) -> MediationOutcome:
        return MediationOutcome(str(self.details["outcome"]))

    @strawberry.field(description="What the institution refunded, in yuan.")
    def amount_refunded(self) -> Decimal:
        return Decimal(PyDecimal(str(self.details["amountRefunded"])))

    @strawberry.field(description="What was agreed or why not.")
    def note(self) -> str:
        return str(self.details["note"])

    @strawberry.field(description="The day of the mediation.")
    def mediated_on(self) -> date:
        return date.fromisoformat(str(self.details["mediatedOn"]))

    @strawberry.field(description="The department that mediated.")
    def department(self) -> Department:
        return Department(str(self.details["department"]))


@strawberry.type(description="A refund complaint (退费投诉) taken in the hub.")
class ComplaintDetails:
    details: strawberry.Private[dict[str, object]]

    @strawberry.field(description="The day the complaint was received.")
    def received_on(self) -> date:
        return date.fromisoformat(str(self.details["receivedOn"]))

    @strawberry.field(description="What the complainant said.")
    def content(self) -> str:
        return str(self.details["content"])

    @strawberry.field(description="What the complainant asks back, in yuan.")
    def amount_claimed(self) -> Decimal:
        return Decimal(PyDecimal(str(self.details["amountClaimed"])))

    @strawberry.field(description="How the complaint arrived.")
    def channel(self) -> TipOffChannel:
        return TipOffChannel(str(self.details["channel"]))

    @strawberry.field(description="The latest mediation, if any.")
    def mediation(self) -> ComplaintMediation | None:
        found = self.details.get("mediation")
        return ComplaintMediation(details=found) if isinstance(found, dict) else None


@strawberry.type(description="One department's finding in an inspection.")
class InspectionFinding:
    department: Department = strawberry.field(description="The department that found it.")
    item: str = strawberry.field(description="What was inspected.")
    result: str = strawberry.field(description="What was found.")
    note: str | None = strawberry.field(description="A remark, if any.")


@strawberry.type(description="A file an inspection cites (a photo, a signed record).")
class InspectionAttachment:
    name: str = strawberry.field(description="The file's name.")
    media_type: str = strawberry.field(description="Its media type, e.g. image/jpeg.")
    sha256: str = strawberry.field(description="The SHA-256 of its bytes (lowercase hex).")
    size: int = strawberry.field(description="Its size in bytes.")
    uploaded_at: datetime | None = strawberry.field(
        description="When its bytes were uploaded; null until then."
    )
    url: str = strawberry.field(
        description="Where to PUT its bytes, then GET them, with a bearer token."
    )


@strawberry.type(description="An inspection (检查) recorded in the hub.")
class InspectionDetails:
    details: strawberry.Private[dict[str, object]]
    record: strawberry.Private[CaseRecord]

    @strawberry.field(description="The files it cites, as declared, and whether each is in.")
    async def attachments(self, info: HubInfo) -> list[InspectionAttachment]:
        return [
            from_record(InspectionAttachment, found, url=queries.attachment_url(found))
            for found in await queries.attachments(info.context, self.record)
        ]

    @strawberry.field(description="The day of the inspection.")
    def inspected_on(self) -> date:
        return date.fromisoformat(str(self.details["inspectedOn"]))

    @strawberry.field(description="Routine, special (专项) or joint (联合执法).")
    def kind(self) -> InspectionKind:
        return InspectionKind(str(self.details["inspectionKind"]))

    @strawberry.field(description="The departments that took part.")
    def departments(self) -> list[Department]:
        return [Department(str(d)) for d in _listed(self.details, "departments")]

    @strawberry.field(description="What each department found.")
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

    @strawberry.field(description="Departments that have not yet confirmed their findings.")
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
