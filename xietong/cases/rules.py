"""Who may do what to a case, and whether its input holds: the workflow's
decisions, without I/O (DESIGN §13).

Checks run from the most basic to the most transient, as the review rules do: an
unknown case is NOT_FOUND, one outside the actor's region OUT_OF_SCOPE, one the
actor's department has no part in NOT_PERMITTED, then the input (INVALID,
TOO_LARGE), the state (WRONG_STATE), and a stale ``expectedVersion``
(VERSION_CONFLICT) only when nothing else is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from xietong.cases.records import (
    FINAL,
    CaseErrorCode,
    CaseFailure,
    CaseKind,
    CaseRecord,
    CaseStatus,
    ComplaintSubmission,
    InspectionKind,
    InspectionSubmission,
    Mediation,
    RectificationNotice,
    TipOffSubmission,
)
from xietong.domain.actors import Actor
from xietong.domain.departments import Department

NOTICE_ISSUERS = frozenset(
    {Department.EDUCATION, Department.MARKET_SUPERVISION, Department.FIRE_SAFETY}
)
"""The bureaus that serve rectification notices on training institutions."""
REFERRAL_TARGETS = frozenset(Department) - {Department.AUDIT}
"""Auditors look at cases; they are never handed one."""

MAX_TEXT = 2_000
"""A basis, an item, a note, a reason."""
MAX_LONG_TEXT = 20_000
"""An institution's response, an outcome."""
MAX_ITEMS = 50
MAX_AMOUNT = Decimal("100000000")
"""A claim or refund, in yuan: anything larger is a typing error."""
MAX_NAME = 200
"""A name, an address, a phone number."""
REWARD_MIN = Decimal("200")
REWARD_MAX = Decimal("2000")
"""Rewards for a tip-off that proves true, in yuan (the seeds: ¥200-2,000)."""
REWARDING = Department.EDUCATION
"""The bureau that pays tip-off rewards."""


class Located(Protocol):
    """An institution as the workflow needs it (``domain.records.Institution`` is one)."""

    @property
    def credit_code(self) -> str: ...
    @property
    def region(self) -> str: ...


def _fail(code: CaseErrorCode, message: str, field: str | None = None) -> CaseFailure:
    return CaseFailure(code, message, field)


def unknown_institution(credit_code: str, field: str = "creditCode") -> CaseFailure:
    return _fail(
        CaseErrorCode.NOT_FOUND, f"the education bureau knows no institution {credit_code}", field
    )


def unknown_case(case_id: str) -> CaseFailure:
    return _fail(CaseErrorCode.NOT_FOUND, f"no case {case_id}", "caseId")


def refusal_to_issue(
    actor: Actor,
    institution: Located,
    notice: RectificationNotice,
    today: date,
    prefixes: Mapping[str, str],
) -> CaseFailure | None:
    if not actor.scope.contains(institution.region):
        return _fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"institution {institution.credit_code} is outside region {actor.region}",
            "creditCode",
        )
    if actor.department not in NOTICE_ISSUERS:
        issuers = ", ".join(sorted(NOTICE_ISSUERS))
        return _fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{actor.department} does not issue rectification notices (issuers: {issuers})",
        )
    if actor.department.value not in prefixes:
        return _fail(
            CaseErrorCode.NOT_PERMITTED,
            f"no notice abbreviation is configured for {actor.department} "
            "(XIETONG_CASE_NOTICE_PREFIXES)",
        )
    return (
        _text("basis", notice.basis)
        or _items(notice.items)
        or _future("deadline", notice.deadline, today)
    )


def refusal_to_submit(
    actor: Actor, institution: Located | None, tip_off: TipOffSubmission
) -> CaseFailure | None:
    """Any department takes a tip-off (first contact); auditors do not."""
    if institution is not None and not actor.scope.contains(institution.region):
        return _fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"institution {institution.credit_code} is outside region {actor.region}",
            "subject.creditCode",
        )
    if actor.department is Department.AUDIT:
        return _fail(CaseErrorCode.NOT_PERMITTED, "auditors do not take tip-offs")
    if tip_off.credit_code is not None and institution is None:
        return unknown_institution(tip_off.credit_code, "subject.creditCode")
    if tip_off.credit_code is None and not (tip_off.name or "").strip():
        return _fail(
            CaseErrorCode.INVALID,
            "name the operator: a credit code, or a name and an address",
            "subject",
        )
    refusal = _text("content", tip_off.content, MAX_LONG_TEXT)
    for field, value in (
        ("subject.name", tip_off.name),
        ("subject.address", tip_off.address),
        ("reporter.name", tip_off.reporter.name if tip_off.reporter else None),
        ("reporter.phone", tip_off.reporter.phone if tip_off.reporter else None),
    ):
        if refusal is None and value is not None:
            refusal = _text(field, value, MAX_NAME)
    return refusal


def refusal_to_open_complaint(
    actor: Actor, institution: Located | None, complaint: ComplaintSubmission
) -> CaseFailure | None:
    """Whoever receives a refund complaint opens it and is responsible for it until
    a department it is referred to accepts it (首接负责制); auditors do not."""
    if institution is None:
        return unknown_institution(complaint.credit_code)
    if not actor.scope.contains(institution.region):
        return _fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"institution {institution.credit_code} is outside region {actor.region}",
            "creditCode",
        )
    if actor.department is Department.AUDIT:
        return _fail(CaseErrorCode.NOT_PERMITTED, "auditors do not take complaints")
    return _text("content", complaint.content, MAX_LONG_TEXT) or _amount(
        "amountClaimed", complaint.amount_claimed
    )


def refusal_to_record_inspection(
    actor: Actor, institution: Located | None, inspection: InspectionSubmission, today: date
) -> CaseFailure | None:
    if institution is None:
        return unknown_institution(inspection.credit_code)
    if not actor.scope.contains(institution.region):
        return _fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"institution {institution.credit_code} is outside region {actor.region}",
            "creditCode",
        )
    departments = set(inspection.departments)
    if actor.department not in departments or Department.AUDIT in departments:
        return _fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{actor.department} records only inspections it took part in (not auditors)",
            "departments",
        )
    if inspection.kind is InspectionKind.JOINT and len(departments) < 2:
        return _fail(
            CaseErrorCode.INVALID, "a joint inspection lists several departments", "departments"
        )
    if len(inspection.findings) > MAX_ITEMS:
        return _fail(CaseErrorCode.TOO_LARGE, f"findings: at most {MAX_ITEMS}", "findings")
    for finding in inspection.findings:
        if finding.department not in departments:
            return _fail(
                CaseErrorCode.INVALID,
                f"a finding of {finding.department}, which is not among the departments",
                "findings",
            )
        refusal = _text("findings", finding.item) or _text("findings", finding.result)
        if refusal is None and finding.note is not None and len(finding.note) > MAX_TEXT:
            refusal = _fail(CaseErrorCode.TOO_LARGE, f"findings: at most {MAX_TEXT}", "findings")
        if refusal is not None:
            return refusal
    return _not_future("inspectedOn", inspection.inspected_on, today)


def refusal_to_confirm(actor: Actor, case: CaseRecord, expected_version: int) -> CaseFailure | None:
    refusal = _refusal_to_see(actor, case) or _kind(case, CaseKind.INSPECTION)
    if refusal is None and actor.department.value not in case.details["departments"]:
        refusal = _fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{actor.department} did not take part in this inspection",
            "caseId",
        )
    if refusal is None and actor.department.value in case.details["confirmedBy"]:
        refusal = _fail(
            CaseErrorCode.WRONG_STATE, f"{actor.department} has already confirmed its findings"
        )
    return refusal or _open(case) or _stale(case, expected_version)


def refusal_to_mediate(
    actor: Actor, case: CaseRecord, mediation: Mediation, expected_version: int
) -> CaseFailure | None:
    refusal = (
        _refusal_to_handle(actor, case)
        or _kind(case, CaseKind.COMPLAINT)
        or _text("note", mediation.note)
        or _amount("amountRefunded", mediation.amount_refunded)
        or _open(case)
    )
    if refusal is None and case.referral_pending:
        refusal = _fail(
            CaseErrorCode.WRONG_STATE,
            f"the case waits for {case.assigned_to} to answer its referral",
        )
    return refusal or _stale(case, expected_version)


def _amount(field: str, amount: Decimal) -> CaseFailure | None:
    if not amount.is_finite() or amount < 0:
        return _fail(CaseErrorCode.INVALID, f"{field} must be a positive amount", field)
    if amount > MAX_AMOUNT:
        return _fail(CaseErrorCode.TOO_LARGE, f"{field}: at most {MAX_AMOUNT} yuan", field)
    return None


def refusal_to_reward(
    actor: Actor, case: CaseRecord, amount: Decimal, reason: str, expected_version: int
) -> CaseFailure | None:
    refusal = _refusal_to_see(actor, case)
    if refusal is None and actor.department is not REWARDING:
        refusal = _fail(
            CaseErrorCode.NOT_PERMITTED,
            f"rewards are decided by {REWARDING}, not {actor.department}",
        )
    refusal = refusal or _kind(case, CaseKind.TIP_OFF)
    if refusal is None and not REWARD_MIN <= amount <= REWARD_MAX:
        refusal = _fail(
            CaseErrorCode.INVALID,
            f"a reward is {REWARD_MIN}-{REWARD_MAX} yuan, not {amount}",
            "amount",
        )
    refusal = refusal or _text("reason", reason)
    if refusal is None and "reward" in case.details:
        refusal = _fail(CaseErrorCode.WRONG_STATE, "a reward is already decided for this tip-off")
    return refusal or _stale(case, expected_version)


def refusal_to_respond(
    actor: Actor, case: CaseRecord, response: str, expected_version: int
) -> CaseFailure | None:
    refusal = (
        _refusal_to_handle(actor, case)
        or _kind(case, CaseKind.RECTIFICATION)
        or _text("response", response, MAX_LONG_TEXT)
        or _state(case, (CaseStatus.ISSUED, CaseStatus.REJECTED), "record a response to")
    )
    return refusal or _stale(case, expected_version)


def refusal_to_review(
    actor: Actor,
    case: CaseRecord,
    note: str,
    follow_up_on: date,
    today: date,
    expected_version: int,
) -> CaseFailure | None:
    refusal = (
        _refusal_to_handle(actor, case)
        or _kind(case, CaseKind.RECTIFICATION)
        or _text("note", note)
        or _not_future("followUpInspectedOn", follow_up_on, today)
        or _state(case, (CaseStatus.RESPONDED,), "review")
    )
    return refusal or _stale(case, expected_version)


def refusal_to_refer(
    actor: Actor, case: CaseRecord, to: Department, note: str, expected_version: int
) -> CaseFailure | None:
    refusal = _refusal_to_handle(actor, case)
    if refusal is None and to not in REFERRAL_TARGETS:
        refusal = _fail(CaseErrorCode.INVALID, f"a case cannot be referred to {to}", "to")
    if refusal is None and to is actor.department:
        refusal = _fail(CaseErrorCode.INVALID, "a case cannot be referred to its own holder", "to")
    refusal = refusal or _text("note", note) or _open(case)
    if refusal is None and case.referral_pending:
        refusal = _fail(
            CaseErrorCode.WRONG_STATE,
            f"the case is already referred to {case.assigned_to}, waiting for its answer",
        )
    return refusal or _stale(case, expected_version)


def refusal_to_answer(
    actor: Actor, case: CaseRecord, reason: str | None, expected_version: int
) -> CaseFailure | None:
    """Accepting (``reason`` None) or returning a referral: its target's call."""
    refusal = _refusal_to_see(actor, case)
    if refusal is None and not (case.referral_pending and actor.department is case.assigned_to):
        refusal = _fail(
            CaseErrorCode.NOT_PERMITTED
            if actor.department is not case.assigned_to
            else CaseErrorCode.WRONG_STATE,
            f"the case has no referral to {actor.department} waiting for an answer",
        )
    if refusal is None and reason is not None:
        refusal = _text("reason", reason)
    return refusal or _open(case) or _stale(case, expected_version)


def refusal_to_close(
    actor: Actor, case: CaseRecord, outcome: str, expected_version: int
) -> CaseFailure | None:
    refusal = _refusal_to_handle(actor, case) or _text("outcome", outcome, MAX_LONG_TEXT)
    refusal = refusal or _open(case)
    if refusal is None and case.referral_pending:
        refusal = _fail(
            CaseErrorCode.WRONG_STATE,
            f"the case waits for {case.assigned_to} to answer its referral",
        )
    return refusal or _stale(case, expected_version)


def _refusal_to_see(actor: Actor, case: CaseRecord) -> CaseFailure | None:
    if not actor.scope.contains(case.region):
        return _fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"case {case.id} is of an institution outside region {actor.region}",
            "caseId",
        )
    if not case.visible_to(actor.department) or actor.department is Department.AUDIT:
        return _fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{actor.department} has no part in case {case.id}",
            "caseId",
        )
    return None


def _refusal_to_handle(actor: Actor, case: CaseRecord) -> CaseFailure | None:
    """Only the department responsible for a case acts on it (首接负责制)."""
    refusal = _refusal_to_see(actor, case)
    if refusal is None and actor.department is not case.responsible:
        refusal = _fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{case.responsible} is responsible for case {case.id}, not {actor.department}",
            "caseId",
        )
    return refusal


def _kind(case: CaseRecord, kind: CaseKind) -> CaseFailure | None:
    if case.kind is kind:
        return None
    return _fail(CaseErrorCode.WRONG_STATE, f"case {case.id} is a {case.kind}, not a {kind}")


def _state(case: CaseRecord, allowed: Sequence[CaseStatus], doing: str) -> CaseFailure | None:
    if case.status in allowed:
        return None
    expected = " or ".join(allowed)
    return _fail(
        CaseErrorCode.WRONG_STATE,
        f"cannot {doing} a case that is {case.status} (it must be {expected})",
    )


def _open(case: CaseRecord) -> CaseFailure | None:
    if case.status not in FINAL:
        return None
    return _fail(CaseErrorCode.WRONG_STATE, f"case {case.id} is {case.status} and final")


def _text(field: str, value: str, limit: int = MAX_TEXT) -> CaseFailure | None:
    if not value.strip():
        return _fail(CaseErrorCode.INVALID, f"{field} is empty", field)
    if len(value) > limit:
        return _fail(CaseErrorCode.TOO_LARGE, f"{field}: at most {limit} characters", field)
    return None


def _items(items: Sequence[str]) -> CaseFailure | None:
    if not items:
        return _fail(CaseErrorCode.INVALID, "a notice lists at least one item", "items")
    if len(items) > MAX_ITEMS:
        return _fail(CaseErrorCode.TOO_LARGE, f"items: at most {MAX_ITEMS}", "items")
    return next((f for f in (_text("items", item) for item in items) if f is not None), None)


def _future(field: str, day: date, today: date) -> CaseFailure | None:
    if day > today:
        return None
    return _fail(CaseErrorCode.INVALID, f"{field} {day} is not after today ({today})", field)


def _not_future(field: str, day: date, today: date) -> CaseFailure | None:
    if day <= today:
        return None
    return _fail(CaseErrorCode.INVALID, f"{field} {day} is after today ({today})", field)


def _stale(case: CaseRecord, expected_version: int) -> CaseFailure | None:
    if case.version == expected_version:
        return None
    return version_conflict(expected_version, case.version)


def version_conflict(expected_version: int, current: int | None = None) -> CaseFailure:
    now = f" (it is now at version {current})" if current is not None else ""
    return _fail(
        CaseErrorCode.VERSION_CONFLICT,
        f"the case changed since version {expected_version}{now}: read it again and retry",
        "expectedVersion",
    )
