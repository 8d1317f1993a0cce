"""Risk assessment: fourteen rules, each a small pure function over canonical records.

A rule returns the signal it raises, or None. The regulatory basis of each rule
is the first line of its docstring. Rules see only what the sources returned:
a department that is down contributes no signal (its error says so).

A signal's code, level, department and basis are for every reader of ``risk`` (the
point of joint supervision); its detail quotes values of the joint record, so it is
shown only to a reader who may read every field it draws on (``DETAIL_FIELDS``),
and otherwise says which department holds the facts (``withheld_detail``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum, StrEnum
from itertools import chain

from xietong.domain.departments import Department
from xietong.domain.records import (
    BackgroundCheck,
    BackgroundCheckStatus,
    BusinessRegistration,
    Course,
    CustodyStatus,
    FireAcceptanceStatus,
    FireSafetyRecord,
    FundSupervision,
    Institution,
    InstitutionCategory,
    LicenseStatus,
    OrderStatus,
    PrepaidOrder,
    RectificationNotice,
    RectificationStatus,
    RegistrationStatus,
    TrainingDomain,
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
    BLACKLISTED = "BLACKLISTED"
    AD_VIOLATION = "AD_VIOLATION"
    FUND_ACCOUNT_FROZEN = "FUND_ACCOUNT_FROZEN"
    PREPAID_CAP_EXCEEDED = "PREPAID_CAP_EXCEEDED"
    NO_CUSTODY_ACCOUNT = "NO_CUSTODY_ACCOUNT"
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
        return RiskLevel.HIGH if self.code in SEVERE else RiskLevel.MEDIUM

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
    funds_answered: bool = True
    """Whether the banks answered: no ``funds`` then means no custody account at all."""
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


PREPAID_LESSONS_CAP = 60
"""No order may prepay more than 60 lessons (nor more than three months of lessons)."""
COMPLAINT_SURGE_COUNT = 3
COMPLAINT_SURGE_WINDOW = timedelta(days=90)
TRAINING_SCOPE_TERMS = ("培训", "教育咨询")
"""Words of a business scope that cover training at all (SCOPE_MISMATCH)."""
AD_VIOLATION_WINDOW = timedelta(days=365)
DOMAIN_SCOPE_TERMS: Mapping[TrainingDomain, tuple[str, ...]] = {
    TrainingDomain.ACADEMIC: ("学科类校外培训", "学科类培训", "文化课"),
    TrainingDomain.SPORTS: ("体育培训", "体育类校外培训"),
    TrainingDomain.CULTURE_ART: ("艺术培训", "文化艺术类校外培训"),
    TrainingDomain.SCIENCE_TECHNOLOGY: ("科技培训", "科技类校外培训"),
}
"""Business-scope items (经营范围规范表述) that cover courses of each training domain.
An exclusion in brackets — ``（不含学科类校外培训）`` — covers nothing."""
_EXCLUSION = re.compile(r"[（(]不含[^）)]*[）)]")
SEVERE = frozenset(
    {
        RiskCode.FUND_SHORTFALL,
        RiskCode.FIRE_NON_COMPLIANT,
        RiskCode.UNCHECKED_OR_FLAGGED_STAFF,
        RiskCode.LICENSE_INACTIVE,
        RiskCode.REGISTRATION_INACTIVE,
        RiskCode.BLACKLISTED,
        RiskCode.FUND_ACCOUNT_FROZEN,
        RiskCode.NO_CUSTODY_ACCOUNT,
    }
)
"""Signals that alone make an institution's risk HIGH."""


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
    acceptance or are filed, keep it valid, fix hazards, and are not in use when sealed.
    Every campus is judged on its own: one compliant campus does not cover another."""
    fire = record.fire_safety
    if fire is None:
        return None
    problems = []
    campuses = fire.premises or ()
    if campuses:
        for campus in campuses:
            problems += [
                f"{campus.name}: {problem}"
                for problem in _premises_problems(
                    campus.acceptance,
                    campus.acceptance_valid_until,
                    campus.open_hazards,
                    campus.sealed,
                    record.today,
                )
            ]
    else:
        problems = _premises_problems(
            fire.acceptance,
            fire.acceptance_valid_until,
            fire.open_hazards,
            fire.sealed,
            record.today,
        )
    if not problems:
        return None
    return RiskSignal(RiskCode.FIRE_NON_COMPLIANT, Department.FIRE_SAFETY, "; ".join(problems))


def _premises_problems(
    acceptance: FireAcceptanceStatus,
    valid_until: date | None,
    open_hazards: int,
    sealed: bool,
    today: date,
) -> list[str]:
    problems = []
    if acceptance not in (FireAcceptanceStatus.PASSED, FireAcceptanceStatus.FILED):
        problems.append(f"acceptance {acceptance.value}")
    elif valid_until is not None and valid_until < today:
        problems.append(f"acceptance expired on {valid_until.isoformat()}")
    if open_hazards:
        problems.append(f"{open_hazards} open hazard(s)")
    if sealed:
        problems.append("premises sealed")
    return problems


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
    training institutions are registered as non-profit; any training needs it in scope,
    and what is taught stays within the licence's approved domains and the scope."""
    registration, institution = record.registration, record.institution
    problems = []
    if registration is not None:
        if not any(term in registration.business_scope for term in TRAINING_SCOPE_TERMS):
            problems.append("registered business scope does not cover training")
        elif institution.category is InstitutionCategory.SUBJECT and not registration.non_profit:
            problems.append("subject training under a for-profit registration")
    for course in institution.courses:
        if course.domain is None:
            continue
        if course.domain not in institution.domains:
            problems.append(
                f"course {course.name} ({course.domain.value}) is outside the licence's "
                "approved domains"
            )
        elif registration is not None and not scope_covers(registration.business_scope, course):
            problems.append(
                f"course {course.name} ({course.domain.value}) is outside the registered "
                "business scope"
            )
    if not problems:
        return None
    return RiskSignal(RiskCode.SCOPE_MISMATCH, Department.MARKET_SUPERVISION, "; ".join(problems))


def scope_covers(business_scope: str, course: Course) -> bool:
    """Whether an item of the scope, exclusions struck out, covers the course's domain."""
    return course.domain is None or scope_covers_domain(business_scope, course.domain)


def scope_covers_domain(business_scope: str, domain: TrainingDomain) -> bool:
    """Whether an item of the scope, exclusions struck out, covers courses of ``domain``."""
    scope = _EXCLUSION.sub("", business_scope)
    return any(term in scope for term in DOMAIN_SCOPE_TERMS[domain])


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


def blacklisted(record: JointRecord) -> RiskSignal | None:
    """《校外培训行政处罚暂行办法》第二十二条与黑名单管理: a blacklisted institution, or
    one employing a person barred from the industry (从业禁止), may not be trusted with
    children or prepaid fees."""
    institution, today = record.institution, record.today
    problems = [
        f"blacklisted since {entry.listed_on.isoformat()} by {entry.listed_by}: {entry.reason}"
        for entry in institution.blacklist
        if entry.listed_as_of(today)
    ]
    barred = sorted({p.id_number for p in institution.barred_staff if p.barred_as_of(today)})
    if barred:
        problems.append(f"{len(barred)} staff barred from the industry")
    if not problems:
        return None
    return RiskSignal(RiskCode.BLACKLISTED, Department.EDUCATION, "; ".join(problems))


def ad_violation(record: JointRecord) -> RiskSignal | None:
    """《中华人民共和国广告法》第二十四条: education and training advertisements may not
    promise results or invent teachers; a violation found in the last year signals."""
    registration = record.registration
    if registration is None:
        return None
    since = record.today - AD_VIOLATION_WINDOW
    recent = sorted(
        (v for v in registration.advertising_violations if v.found_on >= since),
        key=lambda v: v.found_on,
    )
    if not recent:
        return None
    latest = recent[-1]
    return RiskSignal(
        RiskCode.AD_VIOLATION,
        Department.MARKET_SUPERVISION,
        f"{len(recent)} advertising violation(s) in the last {AD_VIOLATION_WINDOW.days} days,"
        f" latest {latest.found_on.isoformat()}: {latest.finding}",
    )


def fund_account_frozen(record: JointRecord) -> RiskSignal | None:
    """教育部等《关于加强校外培训机构预收费监管工作的通知》: a custody account frozen by
    its bank or a court holds the payers' money out of reach; lessons cannot be paid for."""
    funds = record.funds
    if funds is None or funds.status is not CustodyStatus.FROZEN:
        return None
    since = f" since {funds.status_since.isoformat()}" if funds.status_since else ""
    return RiskSignal(
        RiskCode.FUND_ACCOUNT_FROZEN, Department.FINANCE, f"custody account frozen{since}"
    )


def prepaid_cap(course_limits: Iterable[int | None]) -> int:
    """The most lessons an order may prepay: 60, or fewer if its course's prepaid terms
    (three months of lessons, ``Course.prepaid_limit_lessons``) say so."""
    return min([PREPAID_LESSONS_CAP, *(limit for limit in course_limits if limit)])


def peaks_over_cap(peaks: Mapping[str, int]) -> bool:
    """Whether any course's largest order (``peaks``: course → lessons, the banks'
    aggregate) is over the cap whatever the course's terms say: more lessons than
    ``PREPAID_LESSONS_CAP``."""
    return max(peaks.values(), default=0) > PREPAID_LESSONS_CAP


def over_cap_orders(funds: FundSupervision, courses: Sequence[Course]) -> list[PrepaidOrder]:
    """Orders, not refunded, of more lessons than may be prepaid."""
    return [
        order
        for order in funds.orders
        if order.status is not OrderStatus.REFUNDED
        and order.lessons_bought
        > prepaid_cap(c.prepaid_limit_lessons for c in courses if c.name == order.course)
    ]


def prepaid_cap_exceeded(record: JointRecord) -> RiskSignal | None:
    """教育部等《关于加强校外培训机构预收费监管工作的通知》: fees may not be collected for
    more than 60 lessons, nor for more than three months of lessons, in advance."""
    if record.funds is None:
        return None
    over = over_cap_orders(record.funds, record.institution.courses)
    if not over:
        return None
    first = over[0]
    return RiskSignal(
        RiskCode.PREPAID_CAP_EXCEEDED,
        Department.FINANCE,
        f"{len(over)} order(s) over the prepaid cap, e.g. {first.number}: "
        f"{first.lessons_bought} lessons",
    )


def no_custody_account(record: JointRecord) -> RiskSignal | None:
    """教育部等《关于加强校外培训机构预收费监管工作的通知》: an institution that collects
    fees in advance keeps them in a custody account at a supervising bank."""
    if record.funds is not None or not record.funds_answered:
        return None
    prepaid = [
        course
        for course in record.institution.courses
        if course.prepaid_limit_months or course.prepaid_limit_lessons
    ]
    if not prepaid:
        return None
    return RiskSignal(
        RiskCode.NO_CUSTODY_ACCOUNT,
        Department.FINANCE,
        f"{len(prepaid)} prepaid course(s) on sale, no custody account at any bank",
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
    blacklisted,
    ad_violation,
    fund_account_frozen,
    prepaid_cap_exceeded,
    no_custody_account,
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
            "Institution.premises",
            "Premises.name",
            "Premises.acceptance",
            "Premises.acceptanceValidUntil",
            "Premises.openHazards",
            "Premises.sealed",
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
            "Institution.domains",
            "Institution.courses",
            "Course.name",
            "Course.domain",
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
    RiskCode.BLACKLISTED: frozenset(
        {
            "Institution.blacklist",
            "BlacklistEntry.listedOn",
            "BlacklistEntry.listedBy",
            "BlacklistEntry.reason",
            "BlacklistEntry.until",
            "Institution.barredStaff",
            "BarredPerson.idNumber",
            "BarredPerson.until",
        }
    ),
    RiskCode.AD_VIOLATION: frozenset(
        {
            "Institution.advertisements",
            "AdvertisingViolation.foundOn",
            "AdvertisingViolation.finding",
        }
    ),
    RiskCode.FUND_ACCOUNT_FROZEN: frozenset(
        {"FundSupervision.status", "FundSupervision.statusSince"}
    ),
    RiskCode.PREPAID_CAP_EXCEEDED: frozenset(
        {"FundSupervision.orders", "PrepaidOrder.number", "PrepaidOrder.lessonsBought"}
    ),
    RiskCode.NO_CUSTODY_ACCOUNT: frozenset(
        {"Institution.courses", "Course.prepaidLimitMonths", "Institution.funds"}
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
    return level_of([signal.code for signal in signals]), signals


MANY_SIGNALS = 3
"""Signals that make an institution HIGH whatever they are."""


def level_of(codes: Collection[RiskCode]) -> RiskLevel:
    """The level of an institution raising the signals ``codes`` (``assess``'s rule;
    statistics count levels from the signals alone)."""
    if any(code in SEVERE for code in codes) or len(codes) >= MANY_SIGNALS:
        return RiskLevel.HIGH
    return RiskLevel.MEDIUM if codes else RiskLevel.LOW


def levels_of(raising: Mapping[RiskCode, AbstractSet[str]]) -> dict[RiskLevel, frozenset[str]]:
    """The institutions at HIGH and at MEDIUM, from those raising each signal
    (``raising``): ``level_of``'s rule over sets, for a city at once; the others are
    LOW."""
    times = Counter(chain.from_iterable(raising.values()))
    high = frozenset().union(
        *(codes for code, codes in raising.items() if code in SEVERE),
        (code for code, count in times.items() if count >= MANY_SIGNALS),
    )
    return {RiskLevel.HIGH: high, RiskLevel.MEDIUM: frozenset(times.keys() - high)}
