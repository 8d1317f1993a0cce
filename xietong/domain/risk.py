"""Risk assessment: nine rules, each a small pure function over canonical records.

A rule returns the signal it raises, or None. The regulatory basis of each rule
is the first line of its docstring. Rules see only what the sources returned:
a department that is down contributes no signal (its error says so).

A signal's code, level, department and basis are for every reader of ``risk`` (the
point of joint supervision); its detail quotes values of the joint record, so it is
shown only to a reader who may read every field it draws on (``DETAIL_FIELDS``),
and otherwise says which department holds the facts (``withheld_detail``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum, StrEnum

from xietong.domain.departments import Department
from xietong.domain.records import (
    BackgroundCheck,
    BackgroundCheckStatus,
    BusinessRegistration,
    FireAcceptanceStatus,
    FireSafetyRecord,
    FundSupervision,
    Institution,
    InstitutionCategory,
    LicenseStatus,
    RectificationNotice,
    RectificationStatus,
    RegistrationStatus,
)


class RiskCode(StrEnum):
    FUND_SHORTFALL = "FUND_SHORTFALL"
    FIRE_NON_COMPLIANT = "FIRE_NON_COMPLIANT"
    UNCHECKED_OR_FLAGGED_STAFF = "UNCHECKED_OR_FLAGGED_STAFF"
    REGISTRATION_INACTIVE = "REGISTRATION_INACTIVE"
    LICENSE_INACTIVE = "LICENSE_INACTIVE"
    SCOPE_MISMATCH = "SCOPE_MISMATCH"
    COMPLAINT_SURGE = "COMPLAINT_SURGE"
    UNQUALIFIED_TEACHER = "UNQUALIFIED_TEACHER"
    OPEN_RECTIFICATION = "OPEN_RECTIFICATION"
    TIP_OFF_ALERT = "TIP_OFF_ALERT"


class RiskLevel(IntEnum):
    LOW = 0
    MEDIUM = 1
    HIGH = 2


@dataclass(frozen=True, slots=True)
class RiskSignal:
    code: RiskCode
    department: Department
    detail: str

    @property
    def level(self) -> RiskLevel:
        return RiskLevel.HIGH if self.code in _SEVERE else RiskLevel.MEDIUM

    @property
    def basis(self) -> str:
        """The regulation the rule applies (the first line of its docstring)."""
        return BASIS[self.code]


@dataclass(frozen=True, slots=True)
class JointRecord:
    """What the departments say of one institution (None: no record, or source down)."""

    institution: Institution
    registration: BusinessRegistration | None
    fire_safety: FireSafetyRecord | None
    funds: FundSupervision | None
    background_checks: Mapping[str, BackgroundCheck] | None
    today: date
    hub_notices: tuple[RectificationNotice, ...] = ()
    """Rectification notices issued in the hub (``xietong.cases``), beside the
    education bureau's own in ``institution.inspections``."""
    tip_off_alerts: int = 0
    """Open hub tip-offs that the institution absconds or refuses refunds."""


@dataclass(frozen=True, slots=True)
class HubFacts:
    """What the hub's own cases add to an institution's joint record."""

    notices: tuple[RectificationNotice, ...] = ()
    tip_off_alerts: int = 0


HubFactsOf = Callable[[Sequence[str]], Awaitable[Mapping[str, HubFacts]]]
"""Reads the hub's facts of many institutions at once (``xietong.cases.facts``);
passed down to the planner, which may not import the cases."""


COMPLAINT_SURGE_COUNT = 3
COMPLAINT_SURGE_WINDOW = timedelta(days=90)
TRAINING_SCOPE_TERMS = ("培训", "教育咨询")
_SEVERE = frozenset(
    {
        RiskCode.FUND_SHORTFALL,
        RiskCode.FIRE_NON_COMPLIANT,
        RiskCode.UNCHECKED_OR_FLAGGED_STAFF,
        RiskCode.LICENSE_INACTIVE,
        RiskCode.REGISTRATION_INACTIVE,
    }
)


def fund_shortfall(record: JointRecord) -> RiskSignal | None:
    """教育部等《关于加强校外培训机构预收费监管工作的通知》: prepaid fees are held in full
    in the custody account, so the balance must cover what is not yet taught."""
    funds = record.funds
    if funds is None or funds.balance >= funds.outstanding_prepaid:
        return None
    # No amounts or bank here: every data role sees risk, but not every role may
    # see balances (DESIGN §7); the detail must not leak what the policy refuses.
    return RiskSignal(
        RiskCode.FUND_SHORTFALL,
        Department.FINANCE,
        "custody balance is below the prepaid fees not yet taught",
    )


def fire_non_compliant(record: JointRecord) -> RiskSignal | None:
    """《中华人民共和国消防法》第十一至十五条: premises open to the public pass fire
    acceptance or are filed, keep it valid, fix hazards, and are not in use when sealed."""
    fire = record.fire_safety
    if fire is None:
        return None
    problems = []
    if fire.acceptance not in (FireAcceptanceStatus.PASSED, FireAcceptanceStatus.FILED):
        problems.append(f"acceptance {fire.acceptance.value}")
    elif fire.acceptance_valid_until is not None and fire.acceptance_valid_until < record.today:
        problems.append(f"acceptance expired on {fire.acceptance_valid_until.isoformat()}")
    if fire.open_hazards:
        problems.append(f"{fire.open_hazards} open hazard(s)")
    if fire.sealed:
        problems.append("premises sealed")
    if not problems:
        return None
    return RiskSignal(RiskCode.FIRE_NON_COMPLIANT, Department.FIRE_SAFETY, "; ".join(problems))


def unchecked_or_flagged_staff(record: JointRecord) -> RiskSignal | None:
    """《中华人民共和国未成年人保护法》第六十二条: units in close contact with minors check
    staff for sexual assault, abuse, trafficking and violence records before hiring."""
    checks = record.background_checks
    if checks is None:
        return None
    flagged = unchecked = 0
    for member in record.institution.staff:
        status = check_status(checks.get(member.id_number))
        flagged += status is BackgroundCheckStatus.RECORD_FOUND
        unchecked += status in _UNCHECKED
    if not (flagged or unchecked):
        return None
    return RiskSignal(
        RiskCode.UNCHECKED_OR_FLAGGED_STAFF,
        Department.PUBLIC_SECURITY,
        f"{flagged} staff with a record found, {unchecked} not checked",
    )


_UNCHECKED = frozenset({BackgroundCheckStatus.NOT_REQUESTED, BackgroundCheckStatus.PENDING})


def check_status(check: BackgroundCheck | None) -> BackgroundCheckStatus:
    """A person never submitted has no check at all: NOT_REQUESTED."""
    return check.status if check else BackgroundCheckStatus.NOT_REQUESTED


def unchecked_or_flagged(check: BackgroundCheck | None) -> bool:
    """Whether this person alone raises UNCHECKED_OR_FLAGGED_STAFF."""
    return check_status(check) is not BackgroundCheckStatus.CLEAR


def registration_inactive(record: JointRecord) -> RiskSignal | None:
    """《民办教育促进法实施条例》第十二条: a licensed school keeps a valid legal-person
    registration; a revoked or cancelled business licence leaves the licence hollow."""
    registration, licence = record.registration, record.institution.license
    if registration is None or licence is None or licence.status is not LicenseStatus.VALID:
        return None
    if registration.status is RegistrationStatus.ACTIVE:
        return None
    return RiskSignal(
        RiskCode.REGISTRATION_INACTIVE,
        Department.MARKET_SUPERVISION,
        f"licensed, but the business registration is {registration.status.value}",
    )


def license_inactive(record: JointRecord) -> RiskSignal | None:
    """《民办教育促进法》第十八条: a training institution operates only under a valid
    school licence (办学许可证)."""
    licence = record.institution.license
    if licence is None:
        detail = "no school licence on record"
    elif licence.status is not LicenseStatus.VALID:
        detail = f"school licence {licence.number} is {licence.status.value}"
    elif licence.valid_until is not None and licence.valid_until < record.today:
        detail = f"school licence {licence.number} expired on {licence.valid_until.isoformat()}"
    else:
        return None
    return RiskSignal(RiskCode.LICENSE_INACTIVE, Department.EDUCATION, detail)


def scope_mismatch(record: JointRecord) -> RiskSignal | None:
    """《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》(双减) §13: subject
    training institutions are registered as non-profit; any training needs it in scope."""
    registration = record.registration
    if registration is None:
        return None
    if not any(term in registration.business_scope for term in TRAINING_SCOPE_TERMS):
        detail = "registered business scope does not cover training"
    elif record.institution.category is InstitutionCategory.SUBJECT and not registration.non_profit:
        detail = "subject training under a for-profit registration"
    else:
        return None
    return RiskSignal(RiskCode.SCOPE_MISMATCH, Department.MARKET_SUPERVISION, detail)


def complaint_surge(record: JointRecord) -> RiskSignal | None:
    """《消费者权益保护法》与12315: repeated refund complaints in a short time are the usual
    first sign of an institution about to close with prepaid fees (跑路)."""
    registration = record.registration
    if registration is None:
        return None
    since = record.today - COMPLAINT_SURGE_WINDOW
    recent = [c for c in registration.complaints if c.filed_on >= since]
    if len(recent) < COMPLAINT_SURGE_COUNT:
        return None
    return RiskSignal(
        RiskCode.COMPLAINT_SURGE,
        Department.MARKET_SUPERVISION,
        f"{len(recent)} complaints in the last {COMPLAINT_SURGE_WINDOW.days} days",
    )


def unqualified_teacher(record: JointRecord) -> RiskSignal | None:
    """双减意见 §14: staff teaching subject courses hold a teacher certificate (教师资格)."""
    certified = {
        member.id_number for member in record.institution.staff if member.teacher_certificate
    }
    uncertified = sorted(
        course.name
        for course in record.institution.courses
        if course.subject and course.teacher_id_number not in certified
    )
    if not uncertified:
        return None
    return RiskSignal(
        RiskCode.UNQUALIFIED_TEACHER,
        Department.EDUCATION,
        f"subject course(s) taught without a teacher certificate: {', '.join(uncertified)}",
    )


def open_rectification(record: JointRecord) -> RiskSignal | None:
    """《校外培训行政处罚暂行办法》第十三条: a rectification notice (整改通知书) not
    complied with by its deadline."""
    notices = [
        *(notice for inspection in record.institution.inspections for notice in inspection.notices),
        *record.hub_notices,
    ]
    overdue = [
        notice
        for notice in notices
        if notice.status is RectificationStatus.OPEN and notice.deadline < record.today
    ]
    if not overdue:
        return None
    first = min(notice.deadline for notice in overdue)
    return RiskSignal(
        RiskCode.OPEN_RECTIFICATION,
        Department.EDUCATION,
        f"{len(overdue)} rectification notice(s) overdue since {first.isoformat()}",
    )


def tip_off_alert(record: JointRecord) -> RiskSignal | None:
    """教育部等《关于加强校外培训机构预收费监管工作的通知》: tip-offs that an institution
    absconds or refuses refunds are the early warning of a collapse (爆雷/冒烟), to act
    on before the prepaid fees are gone."""
    if record.tip_off_alerts == 0:
        return None
    return RiskSignal(
        RiskCode.TIP_OFF_ALERT,
        Department.EDUCATION,
        f"{record.tip_off_alerts} open tip-off(s) about absconding or refused refunds",
    )


RULES: tuple[Callable[[JointRecord], RiskSignal | None], ...] = (
    fund_shortfall,
    fire_non_compliant,
    unchecked_or_flagged_staff,
    registration_inactive,
    license_inactive,
    scope_mismatch,
    complaint_surge,
    unqualified_teacher,
    open_rectification,
    tip_off_alert,
)


DETAIL_FIELDS: Mapping[RiskCode, frozenset[str]] = {
    RiskCode.FUND_SHORTFALL: frozenset(
        {"FundSupervision.balance", "FundSupervision.outstandingPrepaid"}
    ),
    RiskCode.FIRE_NON_COMPLIANT: frozenset(
        {
            "FireSafetyRecord.acceptance",
            "FireSafetyRecord.acceptanceValidUntil",
            "FireSafetyRecord.openHazards",
            "FireSafetyRecord.sealed",
        }
    ),
    RiskCode.UNCHECKED_OR_FLAGGED_STAFF: frozenset(
        {"Institution.staff", "StaffMember.backgroundCheck", "BackgroundCheck.status"}
    ),
    RiskCode.REGISTRATION_INACTIVE: frozenset(
        {"BusinessRegistration.status", "SchoolLicense.status"}
    ),
    RiskCode.LICENSE_INACTIVE: frozenset(
        {"SchoolLicense.number", "SchoolLicense.status", "SchoolLicense.validUntil"}
    ),
    RiskCode.SCOPE_MISMATCH: frozenset(
        {
            "BusinessRegistration.businessScope",
            "BusinessRegistration.nonProfit",
            "Institution.category",
        }
    ),
    RiskCode.COMPLAINT_SURGE: frozenset({"Institution.complaints", "Complaint.filedOn"}),
    RiskCode.UNQUALIFIED_TEACHER: frozenset(
        {
            "Institution.courses",
            "Course.name",
            "Course.subject",
            "Course.teacherIdNumber",
            "Institution.staff",
            "StaffMember.idNumber",
            "StaffMember.teacherCertificate",
        }
    ),
    RiskCode.OPEN_RECTIFICATION: frozenset(
        {
            "Institution.inspections",
            "Inspection.notices",
            "RectificationNotice.deadline",
            "RectificationNotice.status",
        }
    ),
    RiskCode.TIP_OFF_ALERT: frozenset({"Case.tipOff", "TipOffDetails.concerns"}),
}
"""The ``Type.field`` coordinates each signal's detail quotes values of."""

ALL_DETAIL_FIELDS = frozenset().union(*DETAIL_FIELDS.values())

BASIS: Mapping[RiskCode, str] = {
    RiskCode(rule.__name__.upper()): (rule.__doc__ or "").split(":")[0].strip() for rule in RULES
}

HOLDERS = {
    Department.EDUCATION: "教育部门 / education",
    Department.MARKET_SUPERVISION: "市场监管部门 / market supervision",
    Department.PUBLIC_SECURITY: "公安部门 / public security",
    Department.FIRE_SAFETY: "消防部门 / fire safety",
    Department.FINANCE: "金融监管与存管银行 / finance and the custody banks",
}


def withheld_detail(department: Department) -> str:
    """What a reader who may not read the facts learns: who holds them."""
    holder = HOLDERS.get(department, str(department))
    chinese, _, english = holder.partition(" / ")
    return f"{chinese}持有详情 / details held by {english}"


def visible_detail(signal: RiskSignal, readable: frozenset[str]) -> str:
    """The signal's detail if ``readable`` (the coordinates the reader may read in
    full) covers every field it quotes, else who holds the facts."""
    if DETAIL_FIELDS[signal.code] <= readable:
        return signal.detail
    return withheld_detail(signal.department)


def assess(record: JointRecord) -> tuple[RiskLevel, list[RiskSignal]]:
    """HIGH on any severe signal or three signals at once; MEDIUM on any; else LOW."""
    signals = [signal for rule in RULES if (signal := rule(record)) is not None]
    if any(signal.code in _SEVERE for signal in signals) or len(signals) >= 3:
        return RiskLevel.HIGH, signals
    return (RiskLevel.MEDIUM if signals else RiskLevel.LOW), signals
