"""What the schema calls for the case mutations: who is acting, the institution
they name, and the workflow's answer (``CaseRecord`` or ``CaseFailure``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xietong.cases.records import (
    CaseRecord,
    ComplaintSubmission,
    InspectionSubmission,
    Mediation,
    RectificationNotice,
    TipOffSubmission,
)
from xietong.cases.service import CaseResult, CaseService
from xietong.domain.departments import Department
from xietong.hub.live_sweep import reassess
from xietong.resolvers.context import HubContext
from xietong.resolvers.writes import write_event


async def issue_rectification_notice(
    context: HubContext, credit_code: str, notice: RectificationNotice
) -> CaseResult:
    actor = context.actor
    institution = await context.loaders.institutions.load(credit_code)
    return await _service(context).issue_notice(actor, credit_code, institution, notice)


async def record_rectification_response(
    context: HubContext, case_id: str, response: str, expected_version: int
) -> CaseResult:
    actor = context.actor
    return await _service(context).record_response(actor, case_id, response, expected_version)


async def review_rectification(
    context: HubContext,
    case_id: str,
    *,
    accepted: bool,
    note: str,
    follow_up_on: date,
    expected_version: int,
) -> CaseResult:
    actor = context.actor
    return await _service(context).review_rectification(
        actor,
        case_id,
        accepted=accepted,
        note=note,
        follow_up_on=follow_up_on,
        expected_version=expected_version,
    )


async def refer_case(
    context: HubContext, case_id: str, to: Department, note: str, expected_version: int
) -> CaseResult:
    actor = context.actor
    return await _service(context).refer(actor, case_id, to, note, expected_version)


async def accept_case(context: HubContext, case_id: str, expected_version: int) -> CaseResult:
    actor = context.actor
    return await _service(context).accept(actor, case_id, expected_version)


async def return_case(
    context: HubContext, case_id: str, reason: str, expected_version: int
) -> CaseResult:
    actor = context.actor
    return await _service(context).return_case(actor, case_id, reason, expected_version)


async def close_case(
    context: HubContext, case_id: str, outcome: str, expected_version: int
) -> CaseResult:
    actor = context.actor
    return await _service(context).close(actor, case_id, outcome, expected_version)


async def submit_tip_off(context: HubContext, tip_off: TipOffSubmission) -> CaseResult:
    actor = context.actor
    code = tip_off.credit_code
    institution = await context.loaders.institutions.load(code) if code else None
    if institution is not None and tip_off.concerns:
        # The level before, if the hub has not judged it yet: what the rise is from.
        await reassess(context.hub, [institution.credit_code])
    submitted = await _service(context).submit_tip_off(actor, institution, tip_off)
    return await _reassessed(context, submitted)


async def record_inspection(context: HubContext, inspection: InspectionSubmission) -> CaseResult:
    actor = context.actor
    institution = await context.loaders.institutions.load(inspection.credit_code)
    return await _service(context).record_inspection(actor, institution, inspection)


async def confirm_inspection_findings(
    context: HubContext, case_id: str, expected_version: int
) -> CaseResult:
    actor = context.actor
    return await _service(context).confirm_findings(actor, case_id, expected_version)


async def open_complaint(context: HubContext, complaint: ComplaintSubmission) -> CaseResult:
    actor = context.actor
    institution = await context.loaders.institutions.load(complaint.credit_code)
    return await _service(context).open_complaint(actor, institution, complaint)


async def record_mediation(
    context: HubContext, case_id: str, mediation: Mediation, expected_version: int
) -> CaseResult:
    actor = context.actor
    return await _service(context).record_mediation(actor, case_id, mediation, expected_version)


async def decide_reward(
    context: HubContext, case_id: str, amount: Decimal, reason: str, expected_version: int
) -> CaseResult:
    actor = context.actor
    return await _service(context).decide_reward(actor, case_id, amount, reason, expected_version)


def _service(context: HubContext) -> CaseService:
    hub = context.hub
    return CaseService(
        hub.sessions,
        hub.settings.cases,
        today=hub.today,
        event=write_event(context),
        live=hub.live,
    )


async def _reassessed(context: HubContext, result: CaseResult) -> CaseResult:
    """An alarming tip-off (absconding, refused refunds) raises its institution's
    risk at once (TIP_OFF_ALERT): it is judged again, so ``riskRaised`` tells the
    region now, not at the next sweep. Other changes lower a risk, or raise it only
    when a deadline passes, which the sweep finds."""
    if isinstance(result, CaseRecord) and result.credit_code and result.details.get("concerns"):
        await reassess(context.hub, [result.credit_code])
    return result
