"""The case workflow's vocabulary: kinds, statuses, actions, a case as read, its
timeline, and a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from xietong.domain.departments import Department


class CaseKind(StrEnum):
    RECTIFICATION = "RECTIFICATION"
    """A rectification notice (整改通知书) with items and a deadline."""
    TIP_OFF = "TIP_OFF"
    """A tip-off (举报) from the public, its reporter confidential."""
    COMPLAINT = "COMPLAINT"
    """A refund complaint (退费投诉), mediated by the department responsible."""
    INSPECTION = "INSPECTION"
    """An inspection (检查), joint when several departments confirm their findings."""


class CaseStatus(StrEnum):
    OPEN = "OPEN"
    """Received and being handled (tip-offs)."""
    ISSUED = "ISSUED"
    """A notice served; the institution has not answered yet."""
    RESPONDED = "RESPONDED"
    """The institution's response is recorded; waiting for the issuer's review."""
    ACCEPTED = "ACCEPTED"
    """The issuer found the rectification done (after a follow-up inspection)."""
    REJECTED = "REJECTED"
    """The issuer found it not done; a new response can be recorded."""
    CLOSED = "CLOSED"
    """Closed with an outcome; it never changes again."""
    CONFIRMED = "CONFIRMED"
    """An inspection whose every department confirmed its findings; final."""


FINAL = frozenset({CaseStatus.ACCEPTED, CaseStatus.CLOSED, CaseStatus.CONFIRMED})
"""Statuses a case never leaves."""


class CaseAction(StrEnum):
    """What a step of a case's timeline did."""

    ISSUED = "ISSUED"
    SUBMITTED = "SUBMITTED"
    RESPONDED = "RESPONDED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    REWARD_DECIDED = "REWARD_DECIDED"
    COMPLAINT_OPENED = "COMPLAINT_OPENED"
    MEDIATED = "MEDIATED"
    INSPECTION_RECORDED = "INSPECTION_RECORDED"
    FINDINGS_CONFIRMED = "FINDINGS_CONFIRMED"
    REFERRED = "REFERRED"
    REFERRAL_ACCEPTED = "REFERRAL_ACCEPTED"
    RETURNED = "RETURNED"
    CLOSED = "CLOSED"


class CaseErrorCode(StrEnum):
    """Why a case mutation was refused (``CaseError.code``, DESIGN §13)."""

    NOT_PERMITTED = "NOT_PERMITTED"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    WRONG_STATE = "WRONG_STATE"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    NOT_FOUND = "NOT_FOUND"
    TOO_LARGE = "TOO_LARGE"
    INVALID = "INVALID"
    HASH_MISMATCH = "HASH_MISMATCH"
    """Uploaded bytes whose SHA-256 or size is not what the case declared."""


@dataclass(frozen=True, slots=True)
class CaseFailure:
    """An expected refusal, returned as a value (``CaseError`` in the schema)."""

    code: CaseErrorCode
    message: str
    field: str | None = None
    """The input field at fault, e.g. ``expectedVersion``."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One step of a case: who did what, when, from which client."""

    at: datetime
    action: CaseAction
    status: CaseStatus
    department: Department
    subject: str
    client_id: str
    note: str | None


@dataclass(frozen=True, slots=True)
class CaseRecord:
    id: str
    kind: CaseKind
    status: CaseStatus
    credit_code: str | None
    region: str
    number: str | None
    opened_by_department: Department
    responsible: Department
    assigned_to: Department
    referred_by: Department | None
    answer_due: date | None
    involved: tuple[Department, ...]
    details: dict[str, Any]
    version: int
    opened_by: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    outcome: str | None
    timeline: tuple[TimelineEntry, ...] = ()

    @property
    def referral_pending(self) -> bool:
        return self.referred_by is not None

    def overdue_on(self, today: date) -> bool:
        """A referral not answered by its last working day."""
        return self.answer_due is not None and today > self.answer_due

    def visible_to(self, department: Department) -> bool:
        """Cases are seen by the departments they involve, and by auditors."""
        return department is Department.AUDIT or department in self.involved


@dataclass(frozen=True, slots=True)
class RectificationNotice:
    """What a notice says (``issueRectificationNotice``'s input)."""

    basis: str
    """The legal basis cited (依据)."""
    items: tuple[str, ...]
    """What must be rectified, one item each."""
    deadline: date


class TipOffCategory(StrEnum):
    """The seven kinds of tip-off the bureaus take (the seeds' reward rules)."""

    UNLICENSED_OPERATION = "UNLICENSED_OPERATION"
    """无证无照办学."""
    BEYOND_SCOPE = "BEYOND_SCOPE"
    """超范围培训 (subject training under a non-subject licence, ...)."""
    ILLEGAL_FEES = "ILLEGAL_FEES"
    """违规收费: prepaid beyond the cap, fees not refunded."""
    FALSE_ADVERTISING = "FALSE_ADVERTISING"
    """虚假宣传."""
    MOONLIGHTING_TEACHERS = "MOONLIGHTING_TEACHERS"
    """在职中小学教师有偿补课."""
    SAFETY_HAZARD = "SAFETY_HAZARD"
    """安全隐患."""
    OTHER = "OTHER"


class TipOffConcern(StrEnum):
    """What makes a tip-off an early warning that an institution is about to
    collapse (爆雷/冒烟): the ``TIP_OFF_ALERT`` risk signal while it is open."""

    ABSCONDING = "ABSCONDING"
    """跑路: the operator is leaving with the prepaid fees."""
    REFUND_REFUSED = "REFUND_REFUSED"
    """拒不退费."""


class TipOffChannel(StrEnum):
    HOTLINE = "HOTLINE"
    """12345 or the bureau's own line."""
    ONLINE = "ONLINE"
    LETTER = "LETTER"
    IN_PERSON = "IN_PERSON"


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who reported a tip-off: confidential, sealed at rest (``cases.confidential``)."""

    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class TipOffSubmission:
    """What ``submitTipOff`` says: about a listed institution (``credit_code``) or an
    unlisted operator (``name`` and ``address``)."""

    credit_code: str | None
    name: str | None
    address: str | None
    category: TipOffCategory
    content: str
    channel: TipOffChannel
    reporter: Reporter | None
    """None: anonymous."""
    concerns: tuple[TipOffConcern, ...] = ()


class MediationOutcome(StrEnum):
    SETTLED = "SETTLED"
    """The parties agreed (调解成功): the case closes with the amount refunded."""
    NOT_SETTLED = "NOT_SETTLED"
    """No agreement: the case stays open, to refer or to enforce."""


@dataclass(frozen=True, slots=True)
class ComplaintSubmission:
    """What ``openComplaint`` says: a refund complaint about a listed institution."""

    credit_code: str
    content: str
    amount_claimed: Decimal
    channel: TipOffChannel


@dataclass(frozen=True, slots=True)
class Mediation:
    outcome: MediationOutcome
    amount_refunded: Decimal
    note: str


class InspectionKind(StrEnum):
    ROUTINE = "ROUTINE"
    SPECIAL = "SPECIAL"
    """专项检查: one concern across institutions (fees, fire exits, ...)."""
    JOINT = "JOINT"
    """联合执法: several departments at once; joint once each confirmed its findings."""


@dataclass(frozen=True, slots=True)
class Finding:
    department: Department
    item: str
    result: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DeclaredAttachment:
    """A file an inspection cites (a photo, a signed record), declared with the
    inspection and uploaded afterwards, addressed by its SHA-256 (lowercase hex)."""

    name: str
    media_type: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class InspectionSubmission:
    """What ``recordInspection`` says."""

    credit_code: str
    inspected_on: date
    kind: InspectionKind
    departments: tuple[Department, ...]
    findings: tuple[Finding, ...]
    attachments: tuple[DeclaredAttachment, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """``CaseFilter``: every condition given must hold."""

    assigned_to: Department | None = None
    kind: CaseKind | None = None
    status: CaseStatus | None = None
    overdue: bool | None = None
    credit_code: str | None = None
    visible_to: Department | None = field(default=None)
    """The reader's department (None: an auditor, who sees every case in region)."""
