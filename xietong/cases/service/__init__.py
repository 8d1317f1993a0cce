"""The case workflow (DESIGN §13), one module per kind of case over a shared core:
rectification notices, tip-offs, refund complaints, inspections, and the referral
any of them can go through."""

from xietong.cases.service.complaints import ComplaintSteps
from xietong.cases.service.core import CaseResult
from xietong.cases.service.inspections import InspectionSteps
from xietong.cases.service.rectification import RectificationSteps
from xietong.cases.service.referral import ReferralSteps
from xietong.cases.service.tip_offs import TipOffSteps


class CaseService(RectificationSteps, TipOffSteps, ComplaintSteps, InspectionSteps, ReferralSteps):
    """The workflow over the hub database.

    Example::

        cases = CaseService(hub.sessions, hub.settings.cases, today=hub.today,
                            event=WriteEvent(draft))
        notice = await cases.issue_notice(actor, "91410204MA9F1A2B3C", institution,
                                          RectificationNotice(basis, items, deadline))
        if isinstance(notice, CaseFailure): ...   # notice.code says why
        notice.number                             # '汴教整改〔2026〕31号'
    """


__all__ = ["CaseResult", "CaseService"]
