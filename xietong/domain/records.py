"""Canonical records: the hub's one vocabulary, which every adapter maps into.

Sources keep their own names and encodings (pinyin columns, code tables, fen,
``YYYYMMDD``); an adapter turns them into these records and nothing else leaks
out. Money is ``Decimal`` yuan, dates are ``date``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from xietong.domain.departments import Department


class InstitutionCategory(StrEnum):
    SUBJECT = "SUBJECT"
    """Academic subject training (学科类): must be non-profit."""
    NON_SUBJECT = "NON_SUBJECT"
    """Arts, sports, science and technology training (非学科类)."""


class TrainingDomain(StrEnum):
    ACADEMIC = "ACADEMIC"
    SPORTS = "SPORTS"
    CULTURE_ART = "CULTURE_ART"
    SCIENCE_TECHNOLOGY = "SCIENCE_TECHNOLOGY"


class LicenseStatus(StrEnum):
    VALID = "VALID"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


class RegistrationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    """吊销: the business licence was revoked as a penalty."""
    CANCELLED = "CANCELLED"
    """注销: the business was deregistered."""


class FireAcceptanceStatus(StrEnum):
    PASSED = "PASSED"
    """消防验收合格."""
    FILED = "FILED"
    """消防备案: filed with housing & construction."""
    NOT_FILED = "NOT_FILED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


class BackgroundCheckStatus(StrEnum):
    CLEAR = "CLEAR"
    RECORD_FOUND = "RECORD_FOUND"
    PENDING = "PENDING"
    NOT_REQUESTED = "NOT_REQUESTED"


class RectificationStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class RecordOrigin(StrEnum):
    """Where a record in the joint record comes from."""

    DEPARTMENT = "DEPARTMENT"
    """The department's own system (read live through its adapter)."""
    HUB = "HUB"
    """A case the departments worked on together in the hub (``xietong.cases``)."""


@dataclass(frozen=True, slots=True)
class SchoolLicense:
    """办学许可证."""

    number: str
    status: LicenseStatus
    issued_on: date | None
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class Course:
    name: str
    subject: bool
    hours: int
    price: Decimal
    prepaid_limit_months: int | None
    teacher_id_number: str | None
    prepaid_limit_lessons: int | None = None
    """Prepaid terms, besides the months: at most this many lessons paid in advance."""
    domain: TrainingDomain | None = None
    """The training domain the course belongs to, as the platform files it (None: not
    filed), compared with the licence's approved domains and the business scope."""


@dataclass(frozen=True, slots=True)
class BlacklistEntry:
    """黑名单: an institution listed by the education bureau, and until when."""

    listed_on: date
    listed_by: str
    """The authority that listed it (列入机关)."""
    reason: str
    until: date | None
    """The day it leaves the list (移出日期); None: listed with no end."""

    def listed_as_of(self, today: date) -> bool:
        return self.until is None or self.until > today


@dataclass(frozen=True, slots=True)
class BarredPerson:
    """从业禁止: a person barred from working in training, who is on this roster."""

    name: str
    id_number: str
    barred_on: date
    barred_by: str
    reason: str
    until: date | None
    """None: barred for life (终身禁止)."""

    def barred_as_of(self, today: date) -> bool:
        return self.until is None or self.until > today


@dataclass(frozen=True, slots=True)
class StaffMember:
    name: str
    id_number: str
    position: str
    teacher_certificate: str | None
    credit_code: str
    """The institution this roster line belongs to."""


@dataclass(frozen=True, slots=True)
class RectificationNotice:
    """整改通知书: what must be fixed, by when."""

    issued_on: date
    deadline: date
    status: RectificationStatus
    content: str
    origin: RecordOrigin = RecordOrigin.DEPARTMENT
    """Where the record comes from: a department's own system, or the hub's cases."""
    issued_by: Department = Department.EDUCATION
    number: str | None = None
    """The official number (the hub's notices: ``汴教整改〔2026〕31号``)."""
    case_id: str | None = None
    """The hub case that is this notice, for the hub's own."""


@dataclass(frozen=True, slots=True)
class Inspection:
    inspected_on: date
    inspector: str
    result: str
    notices: tuple[RectificationNotice, ...]
    origin: RecordOrigin = RecordOrigin.DEPARTMENT
    case_id: str | None = None
    """The hub case that is this inspection, for the hub's own."""


@dataclass(frozen=True, slots=True)
class TipOff:
    """举报: the reporter is confidential."""

    received_on: date
    content: str
    reporter: str | None
    status: str


@dataclass(frozen=True, slots=True)
class Institution:
    """The education bureau's record of a training institution."""

    credit_code: str
    name: str
    region: str
    category: InstitutionCategory
    domains: tuple[TrainingDomain, ...]
    supervisors: tuple[Department, ...]
    license: SchoolLicense | None
    courses: tuple[Course, ...]
    staff: tuple[StaffMember, ...]
    inspections: tuple[Inspection, ...]
    tip_offs: tuple[TipOff, ...]
    address: str = ""
    """办学地址: where it teaches, as the education bureau registered it."""
    blacklist: tuple[BlacklistEntry, ...] = ()
    """Every blacklist entry on record, past ones included (``listed_as_of`` says which hold)."""
    barred_staff: tuple[BarredPerson, ...] = ()
    """People on the roster whom the industry bar (从业禁止) covers, past bars included."""

    def blacklisted_on(self, today: date) -> bool:
        """Whether an entry of the blacklist holds on ``today``."""
        return any(entry.listed_as_of(today) for entry in self.blacklist)


@dataclass(frozen=True, slots=True)
class Complaint:
    """A refund complaint (退费投诉, 12315) or similar, as market supervision holds it."""

    filed_on: date
    kind: str
    amount: Decimal | None
    status: str
    summary: str


@dataclass(frozen=True, slots=True)
class Penalty:
    """行政处罚: one decision of an administrative penalty."""

    decision_number: str
    """处罚决定书号."""
    decided_on: date
    authority: str
    kind: str
    """WARNING, FINE or BUSINESS_LICENCE_REVOKED."""
    amount: Decimal | None
    """The fine in yuan; None when the penalty is not a fine."""
    reason: str
    basis: str
    """The provisions the decision applies (处罚依据)."""


@dataclass(frozen=True, slots=True)
class AdvertisingViolation:
    """广告违法: an advertisement market supervision found unlawful, e.g. promising
    score gains (《广告法》第二十四条) or inventing teachers' backgrounds."""

    found_on: date
    medium: str
    """Where it ran (发布媒介): outdoor board, leaflet, an app, a video platform."""
    finding: str
    """What was false or forbidden (违法事实)."""
    outcome: str
    penalty: Penalty | None
    """The penalty decided for it, when one was."""


@dataclass(frozen=True, slots=True)
class BusinessRegistration:
    """Market supervision's business registration (营业执照)."""

    credit_code: str
    name: str
    region: str
    status: RegistrationStatus
    business_scope: str
    legal_representative: str
    registered_on: date | None
    non_profit: bool
    complaints: tuple[Complaint, ...]
    penalties: tuple[Penalty, ...]
    advertising_violations: tuple[AdvertisingViolation, ...] = ()
    address: str = ""
    """住所: the registered address."""


@dataclass(frozen=True, slots=True)
class Premises:
    """One campus (校区) an institution teaches in, with its own fire acceptance."""

    name: str
    address: str
    area: int
    """Floor area in m²."""
    acceptance: FireAcceptanceStatus
    acceptance_valid_until: date | None
    document_number: str | None
    """The acceptance or filing document (验收/备案文号); None when not filed."""
    open_hazards: int
    sealed: bool

    def acceptance_on(self, today: date) -> FireAcceptanceStatus:
        return acceptance_on(self.acceptance, self.acceptance_valid_until, today)


@dataclass(frozen=True, slots=True)
class FireSafetyRecord:
    credit_code: str
    acceptance: FireAcceptanceStatus
    acceptance_valid_until: date | None
    last_inspection_on: date | None
    open_hazards: int
    sealed: bool
    """查封: premises sealed up by the fire department."""
    premises: tuple[Premises, ...] = ()
    """Each campus on its own; ``acceptance`` is then that of the worst of them."""

    def acceptance_on(self, today: date) -> FireAcceptanceStatus:
        """The acceptance as of ``today``: a passed or filed acceptance whose validity
        has ended is EXPIRED (the acceptance system never rewrites it itself). With
        several campuses, the worst campus's (``worst_premises``)."""
        worst = worst_premises(self.premises, today)
        if worst is not None:
            return worst.acceptance_on(today)
        return acceptance_on(self.acceptance, self.acceptance_valid_until, today)

    def worst_premises(self, today: date) -> Premises | None:
        return worst_premises(self.premises, today)


ACCEPTANCE_SEVERITY = {
    FireAcceptanceStatus.FAILED: 0,
    FireAcceptanceStatus.NOT_FILED: 1,
    FireAcceptanceStatus.EXPIRED: 2,
    FireAcceptanceStatus.FILED: 3,
    FireAcceptanceStatus.PASSED: 4,
}
"""Worst first: an institution is only as safe as its least safe campus, and a
campus merely filed (备案, checked by sampling) is below one that passed acceptance."""


def worst_premises(premises: tuple[Premises, ...], today: date) -> Premises | None:
    """The campus whose acceptance as of ``today`` is worst (ties: the one whose
    validity ends first); None for no campus."""
    if not premises:
        return None
    return min(
        premises,
        key=lambda p: (
            ACCEPTANCE_SEVERITY[p.acceptance_on(today)],
            p.acceptance_valid_until or date.max,
        ),
    )


def acceptance_on(
    acceptance: FireAcceptanceStatus, valid_until: date | None, today: date
) -> FireAcceptanceStatus:
    if (
        acceptance in (FireAcceptanceStatus.PASSED, FireAcceptanceStatus.FILED)
        and valid_until is not None
        and valid_until < today
    ):
        return FireAcceptanceStatus.EXPIRED
    return acceptance


class CustodyStatus(StrEnum):
    """A custody account's state at its bank; FROZEN and CLOSED release nothing."""

    NORMAL = "NORMAL"
    FROZEN = "FROZEN"
    CLOSED = "CLOSED"


class OrderStatus(StrEnum):
    RUNNING = "RUNNING"
    """Lessons still to be given (履约中)."""
    COMPLETED = "COMPLETED"
    REFUNDED = "REFUNDED"
    """The untaught part was refunded to the payer."""


@dataclass(frozen=True, slots=True)
class PrepaidOrder:
    """A prepaid order (预付订单) held in custody, as its bank records it."""

    number: str
    course: str
    student_name: str
    amount: Decimal
    lessons_bought: int
    lessons_released: int
    amount_released: Decimal
    ordered_on: date
    status: OrderStatus


@dataclass(frozen=True, slots=True)
class Refund:
    number: str
    order_number: str
    amount: Decimal
    refunded_on: date


@dataclass(frozen=True, slots=True)
class FundSupervision:
    """Custody of prepaid fees at one supervising bank: the account and its ledger."""

    credit_code: str
    bank: str
    account_number: str
    balance: Decimal
    risk_deposit: Decimal
    """风险保证金."""
    outstanding_prepaid: Decimal
    """Prepaid for lessons not yet given (一课一消 releases the rest)."""
    released_total: Decimal
    refunded_total: Decimal
    status: CustodyStatus = CustodyStatus.NORMAL
    status_since: date | None = None
    opened_on: date | None = None
    received_total: Decimal = Decimal(0)
    orders: tuple[PrepaidOrder, ...] = ()
    refunds: tuple[Refund, ...] = ()

    @property
    def coverage_ratio(self) -> float | None:
        """Custody balance ÷ outstanding prepaid; None when nothing is outstanding."""
        if self.outstanding_prepaid <= 0:
            return None
        return float(self.balance / self.outstanding_prepaid)


@dataclass(frozen=True, slots=True)
class BackgroundCheck:
    id_number: str
    status: BackgroundCheckStatus
    checked_on: date | None
    record_categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LessonDelivery:
    """Lessons an institution reports as given on one order (消课记录), to the education
    platform; only those the payer confirmed may be released from custody."""

    credit_code: str
    order_number: str
    lessons: int
    confirmed: bool
    delivered_on: date


@dataclass(frozen=True, slots=True)
class ReleaseRequest:
    """A release instruction as the bank holding the account receives it: pay the
    institution ``amount_fen`` for ``lessons`` of the order, once per ``instruction_id``."""

    instruction_id: str
    order_number: str
    lessons: int
    amount_fen: int
    approved_by: str
    approved_at: datetime


class BankRefusal(StrEnum):
    """Why a bank would not apply an instruction, in the hub's words."""

    NO_ORDER = "NO_ORDER"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    EXCEEDS_ORDER = "EXCEEDS_ORDER"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"


@dataclass(frozen=True, slots=True)
class BankVerdict:
    """The bank's answer to an instruction: applied (now, or already before: the bank
    applies an instruction id once) with its reference, or refused and why."""

    applied: bool
    reference: str | None = None
    refusal: BankRefusal | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CustodyTotals:
    """One district's custody accounts, as the banks add them up (their own aggregates)."""

    accounts: int = 0
    frozen: int = 0
    received: Decimal = Decimal("0.00")
    released: Decimal = Decimal("0.00")
    refunded: Decimal = Decimal("0.00")
    outstanding: Decimal = Decimal("0.00")

    def __add__(self, other: CustodyTotals) -> CustodyTotals:
        return CustodyTotals(
            self.accounts + other.accounts,
            self.frozen + other.frozen,
            self.received + other.received,
            self.released + other.released,
            self.refunded + other.refunded,
            self.outstanding + other.outstanding,
        )


@dataclass(frozen=True, slots=True)
class CustodyDistrict:
    """Prepaid-fee supervision in one district (or a whole region): how many institutions
    sell prepaid courses, how many of them keep a custody account (监管率), and the money."""

    region: str
    prepaid_institutions: int
    totals: CustodyTotals

    @property
    def supervision_rate(self) -> float | None:
        """Custody accounts ÷ institutions selling prepaid courses (at most 1); None when
        none sells them."""
        if not self.prepaid_institutions:
            return None
        return min(1.0, self.totals.accounts / self.prepaid_institutions)
