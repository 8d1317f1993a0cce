"""What a signer saw of the joint record when signing: a checklist and a snapshot.

The checklist is the annual review's own list (年检检查项): licence, fire acceptance
of each campus, staff background checks, funds coverage, complaints, open
rectifications and the blacklist, each filled from the joint record at the moment
of signing. The snapshot is that checklist with the risk assessment as the signer
was shown it (details the signer may not read stay withheld); its SHA-256 over the
canonical JSON goes into the signature's digest and JWS, so ``reviews verify``
proves what each signer saw, and a snapshot changed afterwards no longer verifies.

``contradictions`` is the one rule the record imposes on a conclusion: PASS or
EXCELLENT for an institution that is blacklisted, whose licence is revoked or one
of whose campuses failed fire acceptance is refused (CONTRADICTS_RECORD). FAIL and
BASIC_PASS (基本合格, pass subject to rectification) stay open to the signers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from xietong.domain.departments import Department
from xietong.domain.records import FireAcceptanceStatus, LicenseStatus, RectificationStatus
from xietong.domain.risk import (
    COMPLAINT_SURGE_COUNT,
    COMPLAINT_SURGE_WINDOW,
    JointRecord,
    RiskCode,
    RiskLevel,
    RiskSignal,
    check_status,
)
from xietong.kernel.canonical import canonical_bytes
from xietong.reviews.records import ReviewConclusion

SNAPSHOT_KIND = "xietong.review-snapshot"


class ChecklistItemCode(StrEnum):
    LICENSE_VALID = "LICENSE_VALID"
    FIRE_ACCEPTANCE = "FIRE_ACCEPTANCE"
    """One item per campus (``subject`` names it)."""
    STAFF_CHECKS = "STAFF_CHECKS"
    FUNDS_COVERAGE = "FUNDS_COVERAGE"
    COMPLAINTS = "COMPLAINTS"
    OPEN_RECTIFICATIONS = "OPEN_RECTIFICATIONS"
    BLACKLIST = "BLACKLIST"


UNAVAILABLE = "UNAVAILABLE"
"""The value of an item whose department did not answer: ``ok`` is then None."""


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    item: ChecklistItemCode
    subject: str | None
    """What the item is about when there are several (a campus), else None."""
    ok: bool | None
    """None: not known (the department did not answer)."""
    value: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one signer saw: the date, the risk as shown to them, the checklist."""

    as_of: date
    risk_level: RiskLevel
    signals: tuple[RiskSignal, ...]
    unavailable: tuple[Department, ...]
    checklist: tuple[ChecklistItem, ...]

    def document(self) -> dict[str, Any]:
        return {
            "kind": SNAPSHOT_KIND,
            "asOf": self.as_of.isoformat(),
            "risk": {
                "level": self.risk_level.name,
                "signals": [
                    {"code": s.code.value, "department": s.department.value, "detail": s.detail}
                    for s in self.signals
                ],
                "unavailable": [department.value for department in self.unavailable],
            },
            "checklist": [
                {"item": i.item.value, "subject": i.subject, "ok": i.ok, "value": i.value}
                for i in self.checklist
            ],
        }

    def canonical(self) -> str:
        """The stored form, and what the digest is taken of."""
        return canonical_bytes(self.document()).decode("utf-8")


def snapshot_from_canonical(canonical: str) -> Snapshot:
    """The snapshot a stored canonical document describes; ValueError if malformed."""
    try:
        document = json.loads(canonical)
        risk = document["risk"]
        return Snapshot(
            as_of=date.fromisoformat(document["asOf"]),
            risk_level=RiskLevel[risk["level"]],
            signals=tuple(_signal(s) for s in risk["signals"]),
            unavailable=tuple(Department(d) for d in risk["unavailable"]),
            checklist=tuple(
                ChecklistItem(ChecklistItemCode(i["item"]), i["subject"], i["ok"], str(i["value"]))
                for i in document["checklist"]
            ),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"the snapshot is malformed: {error!r}") from None


def _signal(document: Mapping[str, Any]) -> RiskSignal:
    return RiskSignal(
        RiskCode(document["code"]), Department(document["department"]), str(document["detail"])
    )


@dataclass(frozen=True, slots=True)
class Observation:
    """The joint record as a signer reads it at signing, and its snapshot."""

    record: JointRecord
    snapshot: Snapshot


def take_snapshot(
    record: JointRecord,
    risk_level: RiskLevel,
    shown_signals: Sequence[RiskSignal],
    unavailable: Sequence[Department],
) -> Snapshot:
    """The snapshot of ``record`` with the risk as the signer is shown it."""
    return Snapshot(
        as_of=record.today,
        risk_level=risk_level,
        signals=tuple(shown_signals),
        unavailable=tuple(unavailable),
        checklist=checklist(record, frozenset(unavailable)),
    )


def checklist(record: JointRecord, unavailable: frozenset[Department]) -> tuple[ChecklistItem, ...]:
    return (
        _licence(record),
        *_fire(record, Department.FIRE_SAFETY in unavailable),
        _staff(record),
        _funds(record, Department.FINANCE in unavailable),
        _complaints(record),
        _rectifications(record),
        _blacklist(record),
    )


def contradictions(record: JointRecord, conclusion: ReviewConclusion) -> list[str]:
    """What in the record a PASS or EXCELLENT contradicts; empty for other conclusions."""
    if conclusion not in (ReviewConclusion.PASS, ReviewConclusion.EXCELLENT):
        return []
    found: list[str] = []
    institution, today = record.institution, record.today
    if institution.blacklisted_on(today):
        found.append("BLACKLIST: the institution is on the blacklist")
    barred = sum(1 for p in institution.barred_staff if p.barred_as_of(today))
    if barred:
        found.append(f"BLACKLIST: {barred} staff barred from the industry")
    licence = institution.license
    if licence is not None and licence.status is LicenseStatus.REVOKED:
        found.append(f"LICENSE_VALID: school licence {licence.number} is REVOKED")
    fire = record.fire_safety
    if fire is not None:
        campuses = fire.premises or ()
        failed = [c.name for c in campuses if c.acceptance is FireAcceptanceStatus.FAILED]
        if not campuses and fire.acceptance is FireAcceptanceStatus.FAILED:
            failed = ["premises"]
        found += [f"FIRE_ACCEPTANCE: {name} failed fire acceptance" for name in failed]
    return found


def _licence(record: JointRecord) -> ChecklistItem:
    licence, today = record.institution.license, record.today
    if licence is None:
        return ChecklistItem(ChecklistItemCode.LICENSE_VALID, None, False, "NONE")
    status = licence.status
    if status is LicenseStatus.VALID and licence.valid_until and licence.valid_until < today:
        status = LicenseStatus.EXPIRED
    until = f" until {licence.valid_until.isoformat()}" if licence.valid_until else ""
    return ChecklistItem(
        ChecklistItemCode.LICENSE_VALID,
        licence.number,
        status is LicenseStatus.VALID,
        f"{status.value}{until}",
    )


def _fire(record: JointRecord, down: bool) -> list[ChecklistItem]:
    code, fire = ChecklistItemCode.FIRE_ACCEPTANCE, record.fire_safety
    if fire is None:
        return [ChecklistItem(code, None, None if down else False, UNAVAILABLE if down else "NONE")]
    compliant = (FireAcceptanceStatus.PASSED, FireAcceptanceStatus.FILED)
    if not fire.premises:
        status = fire.acceptance_on(record.today)
        return [ChecklistItem(code, None, status in compliant, status.value)]
    items = []
    for campus in fire.premises:
        status = campus.acceptance_on(record.today)
        faults = [f"{campus.open_hazards} open hazard(s)"] if campus.open_hazards else []
        faults += ["sealed"] if campus.sealed else []
        value = "; ".join([status.value, *faults])
        ok = status in compliant and not faults
        items.append(ChecklistItem(code, campus.name, ok, value))
    return items


def _staff(record: JointRecord) -> ChecklistItem:
    code, checks = ChecklistItemCode.STAFF_CHECKS, record.background_checks
    if checks is None:
        return ChecklistItem(code, None, None, UNAVAILABLE)
    statuses = [check_status(checks.get(m.id_number)) for m in record.institution.staff]
    counts = {status: statuses.count(status) for status in set(statuses)}
    value = ", ".join(f"{status.value} {counts[status]}" for status in sorted(counts))
    clear = all(status.value == "CLEAR" for status in statuses)
    return ChecklistItem(code, None, clear, value or "no staff")


def _funds(record: JointRecord, down: bool) -> ChecklistItem:
    code, funds = ChecklistItemCode.FUNDS_COVERAGE, record.funds
    if funds is None:
        return ChecklistItem(code, None, None if down else False, UNAVAILABLE if down else "NONE")
    ratio = funds.coverage_ratio
    value = "nothing outstanding" if ratio is None else f"{ratio:.4f}"
    return ChecklistItem(code, None, funds.balance >= funds.outstanding_prepaid, value)


def _complaints(record: JointRecord) -> ChecklistItem:
    code, registration = ChecklistItemCode.COMPLAINTS, record.registration
    if registration is None:
        return ChecklistItem(code, None, None, UNAVAILABLE)
    since = record.today - COMPLAINT_SURGE_WINDOW
    recent = sum(1 for c in registration.complaints if c.filed_on >= since)
    value = (
        f"{recent} in the last {COMPLAINT_SURGE_WINDOW.days} days, "
        f"{len(registration.complaints)} in all"
    )
    return ChecklistItem(code, None, recent < COMPLAINT_SURGE_COUNT, value)


def _rectifications(record: JointRecord) -> ChecklistItem:
    notices = [
        notice
        for inspection in record.institution.inspections
        for notice in inspection.notices
        if notice.status is RectificationStatus.OPEN
    ]
    overdue = sum(1 for notice in notices if notice.deadline < record.today)
    return ChecklistItem(
        ChecklistItemCode.OPEN_RECTIFICATIONS,
        None,
        overdue == 0,
        f"{len(notices)} open, {overdue} overdue",
    )


def _blacklist(record: JointRecord) -> ChecklistItem:
    institution, today = record.institution, record.today
    held = [entry for entry in institution.blacklist if entry.listed_as_of(today)]
    barred = sum(1 for p in institution.barred_staff if p.barred_as_of(today))
    parts = [f"listed since {entry.listed_on.isoformat()}" for entry in held] or ["not listed"]
    parts.append(f"{barred} staff barred")
    return ChecklistItem(
        ChecklistItemCode.BLACKLIST, None, not held and not barred, "; ".join(parts)
    )
