"""The risk rules, each on its edge: one step inside is quiet, one step over signals."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xietong.domain import risk
from xietong.domain.departments import Department
from xietong.domain.records import (
    AdvertisingViolation,
    BackgroundCheck,
    BackgroundCheckStatus,
    BarredPerson,
    BlacklistEntry,
    BusinessRegistration,
    Complaint,
    Course,
    CustodyStatus,
    FireAcceptanceStatus,
    FireSafetyRecord,
    FundSupervision,
    Inspection,
    Institution,
    InstitutionCategory,
    LicenseStatus,
    OrderStatus,
    Premises,
    PrepaidOrder,
    RectificationNotice,
    RectificationStatus,
    RegistrationStatus,
    SchoolLicense,
    StaffMember,
    TrainingDomain,
)
from xietong.domain.risk import JointRecord, RiskCode, RiskLevel, assess

TODAY = date(2026, 11, 1)
CODE = "91310110666007217T"
TEACHER = "11010519491231002X"


def clean_record() -> JointRecord:
    """An institution every department is content with."""
    institution = Institution(
        credit_code=CODE,
        name="开封市启明培训学校",
        region="410202",
        category=InstitutionCategory.SUBJECT,
        domains=(TrainingDomain.ACADEMIC,),
        supervisors=(Department.EDUCATION,),
        license=SchoolLicense("教民141020270000001号", LicenseStatus.VALID, None, date(2028, 1, 1)),
        courses=(Course("初中数学", True, 40, Decimal("3200.00"), 3, TEACHER),),
        staff=(StaffMember("张三", TEACHER, "teacher", "20194100000001", CODE),),
        inspections=(),
        tip_offs=(),
    )
    return JointRecord(
        institution=institution,
        registration=BusinessRegistration(
            credit_code=CODE,
            name=institution.name,
            region="410202",
            status=RegistrationStatus.ACTIVE,
            business_scope="文化教育培训",
            legal_representative="李四",
            registered_on=date(2020, 1, 1),
            non_profit=True,
            complaints=(),
            penalties=(),
        ),
        fire_safety=FireSafetyRecord(
            CODE, FireAcceptanceStatus.PASSED, date(2027, 1, 1), date(2026, 6, 1), 0, False
        ),
        funds=FundSupervision(
            credit_code=CODE,
            bank="金明银行",
            account_number="6222020200112233445",
            balance=Decimal("1000.00"),
            risk_deposit=Decimal("500.00"),
            outstanding_prepaid=Decimal("1000.00"),
            released_total=Decimal("0"),
            refunded_total=Decimal("0"),
        ),
        background_checks={
            TEACHER: BackgroundCheck(TEACHER, BackgroundCheckStatus.CLEAR, date(2025, 1, 1), ())
        },
        today=TODAY,
    )


def with_institution(record: JointRecord, **changes: Any) -> JointRecord:
    return dataclasses.replace(
        record, institution=dataclasses.replace(record.institution, **changes)
    )


def codes(record: JointRecord) -> set[RiskCode]:
    return {signal.code for signal in assess(record)[1]}


def test_a_clean_institution_is_low_risk() -> None:
    assert assess(clean_record()) == (RiskLevel.LOW, [])


def test_fund_shortfall_starts_one_fen_below_outstanding_prepaid() -> None:
    record = clean_record()
    assert record.funds is not None
    short = dataclasses.replace(record.funds, balance=Decimal("999.99"))

    assert risk.fund_shortfall(record) is None
    signal = risk.fund_shortfall(dataclasses.replace(record, funds=short))
    assert signal is not None
    assert signal.department is Department.FINANCE


@pytest.mark.parametrize(
    ("changes", "signals"),
    [
        ({"acceptance_valid_until": TODAY}, False),
        ({"acceptance_valid_until": TODAY - timedelta(days=1)}, True),
        ({"acceptance": FireAcceptanceStatus.FILED}, False),
        ({"acceptance": FireAcceptanceStatus.NOT_FILED}, True),
        ({"acceptance": FireAcceptanceStatus.FAILED}, True),
        ({"open_hazards": 1}, True),
        ({"sealed": True}, True),
    ],
)
def test_fire_non_compliant(changes: dict[str, Any], signals: bool) -> None:
    record = clean_record()
    assert record.fire_safety is not None
    fire = dataclasses.replace(record.fire_safety, **changes)

    assert (
        risk.fire_non_compliant(dataclasses.replace(record, fire_safety=fire)) is not None
    ) is signals


@pytest.mark.parametrize(
    ("status", "signals"),
    [
        (BackgroundCheckStatus.CLEAR, False),
        (BackgroundCheckStatus.RECORD_FOUND, True),
        (BackgroundCheckStatus.PENDING, True),
        (None, True),  # never submitted for a check
    ],
)
def test_unchecked_or_flagged_staff(status: BackgroundCheckStatus | None, signals: bool) -> None:
    checks = {} if status is None else {TEACHER: BackgroundCheck(TEACHER, status, TODAY, ())}
    record = dataclasses.replace(clean_record(), background_checks=checks)

    assert (risk.unchecked_or_flagged_staff(record) is not None) is signals


def test_unchecked_staff_is_not_judged_when_public_security_is_down() -> None:
    record = dataclasses.replace(clean_record(), background_checks=None)

    assert risk.unchecked_or_flagged_staff(record) is None


@pytest.mark.parametrize(
    ("registration", "licence", "signals"),
    [
        (RegistrationStatus.REVOKED, LicenseStatus.VALID, True),
        (RegistrationStatus.CANCELLED, LicenseStatus.VALID, True),
        (RegistrationStatus.ACTIVE, LicenseStatus.VALID, False),
        (RegistrationStatus.REVOKED, LicenseStatus.REVOKED, False),  # not licensed any more
    ],
)
def test_registration_inactive(
    registration: RegistrationStatus, licence: LicenseStatus, signals: bool
) -> None:
    record = clean_record()
    assert record.registration is not None
    assert record.institution.license is not None
    record = dataclasses.replace(
        with_institution(
            record, license=dataclasses.replace(record.institution.license, status=licence)
        ),
        registration=dataclasses.replace(record.registration, status=registration),
    )

    assert (risk.registration_inactive(record) is not None) is signals


@pytest.mark.parametrize(
    ("licence", "signals"),
    [
        (SchoolLicense("n", LicenseStatus.VALID, None, TODAY), False),
        (SchoolLicense("n", LicenseStatus.VALID, None, TODAY - timedelta(days=1)), True),
        (SchoolLicense("n", LicenseStatus.SUSPENDED, None, None), True),
        (SchoolLicense("n", LicenseStatus.EXPIRED, None, None), True),
        (None, True),
    ],
)
def test_license_inactive(licence: SchoolLicense | None, signals: bool) -> None:
    record = with_institution(clean_record(), license=licence)

    assert (risk.license_inactive(record) is not None) is signals


@pytest.mark.parametrize(
    ("scope", "non_profit", "category", "signals"),
    [
        ("文化教育培训", True, InstitutionCategory.SUBJECT, False),
        ("教育咨询；文化艺术交流", True, InstitutionCategory.SUBJECT, False),
        ("餐饮服务", True, InstitutionCategory.SUBJECT, True),
        ("文化教育培训", False, InstitutionCategory.SUBJECT, True),
        ("体育培训", False, InstitutionCategory.NON_SUBJECT, False),
    ],
)
def test_scope_mismatch(
    scope: str, non_profit: bool, category: InstitutionCategory, signals: bool
) -> None:
    record = clean_record()
    assert record.registration is not None
    record = dataclasses.replace(
        with_institution(record, category=category),
        registration=dataclasses.replace(
            record.registration, business_scope=scope, non_profit=non_profit
        ),
    )

    assert (risk.scope_mismatch(record) is not None) is signals


@pytest.mark.parametrize(
    ("ages_in_days", "signals"),
    [((1, 10, 90), True), ((1, 10, 91), False), ((1, 10), False)],
)
def test_complaint_surge_counts_the_last_ninety_days(
    ages_in_days: tuple[int, ...], signals: bool
) -> None:
    record = clean_record()
    assert record.registration is not None
    complaints = tuple(
        Complaint(TODAY - timedelta(days=age), "REFUND", Decimal("100"), "received", "退费")
        for age in ages_in_days
    )
    record = dataclasses.replace(
        record, registration=dataclasses.replace(record.registration, complaints=complaints)
    )

    assert (risk.complaint_surge(record) is not None) is signals


def test_unqualified_teacher_is_a_subject_course_without_a_certified_teacher() -> None:
    record = clean_record()
    uncertified = (dataclasses.replace(record.institution.staff[0], teacher_certificate=None),)
    non_subject = (dataclasses.replace(record.institution.courses[0], subject=False),)

    assert risk.unqualified_teacher(record) is None
    assert risk.unqualified_teacher(with_institution(record, staff=uncertified)) is not None
    assert (
        risk.unqualified_teacher(with_institution(record, staff=uncertified, courses=non_subject))
        is None
    )


@pytest.mark.parametrize(
    ("deadline", "status", "signals"),
    [
        (TODAY, RectificationStatus.OPEN, False),
        (TODAY - timedelta(days=1), RectificationStatus.OPEN, True),
        (TODAY - timedelta(days=1), RectificationStatus.CLOSED, False),
    ],
)
def test_open_rectification_is_an_open_notice_past_its_deadline(
    deadline: date, status: RectificationStatus, signals: bool
) -> None:
    notice = RectificationNotice(date(2026, 9, 1), deadline, status, "消防通道堵塞")
    inspection = Inspection(date(2026, 9, 1), "王五", "rectification ordered", (notice,))
    record = with_institution(clean_record(), inspections=(inspection,))

    assert (risk.open_rectification(record) is not None) is signals


def test_levels_one_mild_signal_is_medium_a_severe_one_is_high() -> None:
    record = clean_record()
    assert record.registration is not None
    assert record.funds is not None
    mild = dataclasses.replace(
        record, registration=dataclasses.replace(record.registration, non_profit=False)
    )
    severe = dataclasses.replace(
        record, funds=dataclasses.replace(record.funds, balance=Decimal("1"))
    )

    assert codes(mild) == {RiskCode.SCOPE_MISMATCH}
    assert assess(mild)[0] is RiskLevel.MEDIUM
    assert assess(severe)[0] is RiskLevel.HIGH


def test_a_fund_shortfall_names_no_amount_or_bank() -> None:
    """Roles denied the funds section still see risk: the detail must not leak it."""
    record = clean_record()
    assert record.funds is not None
    short = dataclasses.replace(record.funds, balance=Decimal("12.34"))

    signal = risk.fund_shortfall(dataclasses.replace(record, funds=short))

    assert signal is not None
    assert "12.34" not in signal.detail
    assert record.funds.bank not in signal.detail


@pytest.mark.parametrize(
    ("until", "signals"),
    [(None, True), (TODAY + timedelta(days=1), True), (TODAY, False)],
)
def test_blacklisted_while_an_entry_holds(until: date | None, signals: bool) -> None:
    entry = BlacklistEntry(date(2026, 1, 5), "龙亭区教育局", "违规收费并拒不退费", until)
    record = with_institution(clean_record(), blacklist=(entry,))

    signal = risk.blacklisted(record)
    assert (signal is not None) is signals
    assert risk.blacklisted(clean_record()) is None
    if signal is not None:
        assert signal.level is RiskLevel.HIGH
        assert "龙亭区教育局" in signal.detail


def test_a_barred_person_on_the_roster_is_blacklisted_until_the_bar_ends() -> None:
    barred = BarredPerson("张三", TEACHER, date(2025, 3, 1), "龙亭区教育局", "师德", None)
    ended = dataclasses.replace(barred, until=TODAY)

    assert risk.blacklisted(with_institution(clean_record(), barred_staff=(barred,))) is not None
    assert risk.blacklisted(with_institution(clean_record(), barred_staff=(ended,))) is None


@pytest.mark.parametrize(("age", "signals"), [(365, True), (366, False)])
def test_ad_violation_counts_the_last_year(age: int, signals: bool) -> None:
    record = clean_record()
    assert record.registration is not None
    violation = AdvertisingViolation(
        TODAY - timedelta(days=age), "宣传单", "宣传“提分30分”", "责令停止发布，罚款", None
    )
    record = dataclasses.replace(
        record,
        registration=dataclasses.replace(record.registration, advertising_violations=(violation,)),
    )

    assert (risk.ad_violation(record) is not None) is signals


@pytest.mark.parametrize(
    ("domain", "scope", "named"),
    [
        (TrainingDomain.ACADEMIC, "开展义务教育阶段学科类校外培训（非营利性）", None),
        (TrainingDomain.CULTURE_ART, "学科类校外培训；文化艺术培训", "approved domains"),
        (TrainingDomain.ACADEMIC, "文化艺术培训（不含学科类校外培训）", "business scope"),
        (None, "文化艺术培训（不含学科类校外培训）", None),  # a course filed without a domain
    ],
)
def test_scope_mismatch_names_a_course_outside_the_licence_or_the_scope(
    domain: TrainingDomain | None, scope: str, named: str | None
) -> None:
    record = clean_record()
    assert record.registration is not None
    course = dataclasses.replace(record.institution.courses[0], domain=domain)
    record = dataclasses.replace(
        with_institution(record, courses=(course,)),
        registration=dataclasses.replace(record.registration, business_scope=scope),
    )

    signal = risk.scope_mismatch(record)
    if named is None:
        assert signal is None
    else:
        assert signal is not None
        assert f"course 初中数学 ({domain}) is outside" in signal.detail
        assert named in signal.detail


def campus(acceptance: FireAcceptanceStatus, valid_until: date | None, name: str) -> Premises:
    return Premises(
        name, "河南省开封市龙亭区中山路1号", 300, acceptance, valid_until, None, 0, False
    )


def test_the_worst_campus_decides_the_acceptance_and_a_faulty_one_signals() -> None:
    record = clean_record()
    assert record.fire_safety is not None
    passed = campus(FireAcceptanceStatus.PASSED, date(2027, 1, 1), "主校区")
    filed = campus(FireAcceptanceStatus.FILED, date(2030, 1, 1), "分校区")
    lapsed = campus(FireAcceptanceStatus.PASSED, TODAY - timedelta(days=1), "分校区")
    failed = campus(FireAcceptanceStatus.FAILED, None, "分校区")

    def fire(*campuses: Premises) -> FireSafetyRecord:
        assert record.fire_safety is not None
        return dataclasses.replace(record.fire_safety, premises=campuses)

    assert fire(passed, filed).acceptance_on(TODAY) is FireAcceptanceStatus.FILED
    assert fire(filed, lapsed).acceptance_on(TODAY) is FireAcceptanceStatus.EXPIRED
    assert fire(lapsed, failed).acceptance_on(TODAY) is FireAcceptanceStatus.FAILED
    assert (
        risk.fire_non_compliant(dataclasses.replace(record, fire_safety=fire(passed, filed)))
        is None
    )
    signal = risk.fire_non_compliant(dataclasses.replace(record, fire_safety=fire(passed, failed)))
    assert signal is not None
    assert signal.detail == "分校区: acceptance FAILED"


def with_funds(record: JointRecord, **changes: Any) -> JointRecord:
    assert record.funds is not None
    return dataclasses.replace(record, funds=dataclasses.replace(record.funds, **changes))


def order(
    lessons: int, *, course: str = "初中数学", status: OrderStatus = OrderStatus.RUNNING
) -> PrepaidOrder:
    return PrepaidOrder(
        number="JM20261001000000001",
        course=course,
        student_name="王小明",
        amount=Decimal(lessons * 80),
        lessons_bought=lessons,
        lessons_released=0,
        amount_released=Decimal(0),
        ordered_on=date(2026, 10, 1),
        status=status,
    )


def test_a_frozen_custody_account_is_a_high_risk() -> None:
    frozen = with_funds(
        clean_record(), status=CustodyStatus.FROZEN, status_since=date(2026, 10, 20)
    )
    assert codes(frozen) == {RiskCode.FUND_ACCOUNT_FROZEN}
    assert assess(frozen)[0] is RiskLevel.HIGH
    assert "2026-10-20" in assess(frozen)[1][0].detail
    closed = with_funds(clean_record(), status=CustodyStatus.CLOSED)
    assert codes(closed) == set()


def test_prepaid_cap_is_sixty_lessons_or_the_course_terms_whichever_is_fewer() -> None:
    record = clean_record()
    assert codes(with_funds(record, orders=(order(60, course="other"),))) == set()
    assert codes(with_funds(record, orders=(order(61, course="other"),))) == {
        RiskCode.PREPAID_CAP_EXCEEDED
    }
    limited = with_institution(
        record,
        courses=(Course("初中数学", True, 40, Decimal("3200.00"), 3, TEACHER, 24),),
    )
    assert codes(with_funds(limited, orders=(order(24),))) == set()
    assert codes(with_funds(limited, orders=(order(25),))) == {RiskCode.PREPAID_CAP_EXCEEDED}
    refunded = order(90, status=OrderStatus.REFUNDED)
    assert codes(with_funds(limited, orders=(refunded,))) == set()


def test_no_custody_account_needs_prepaid_courses_and_banks_that_answered() -> None:
    record = dataclasses.replace(clean_record(), funds=None)
    assert codes(record) == {RiskCode.NO_CUSTODY_ACCOUNT}
    assert assess(record)[0] is RiskLevel.HIGH
    assert codes(dataclasses.replace(record, funds_answered=False)) == set()
    no_prepaid = with_institution(
        record, courses=(Course("初中数学", True, 40, Decimal("3200.00"), None, TEACHER),)
    )
    assert codes(no_prepaid) == set()


@given(
    st.dictionaries(
        st.sampled_from(RiskCode),
        st.frozensets(st.sampled_from(["A", "B", "C", "D", "E"])),
    )
)
def test_levels_of_a_city_at_once_are_each_institutions_level(
    raising: dict[RiskCode, frozenset[str]],
) -> None:
    """Statistics count levels from who raises each signal, by sets: the same levels as
    judging each institution by its own signals."""
    signals_of: dict[str, set[RiskCode]] = {}
    for signal, codes in raising.items():
        for code in codes:
            signals_of.setdefault(code, set()).add(signal)
    levels = risk.levels_of(raising)
    assert not levels[RiskLevel.HIGH] & levels[RiskLevel.MEDIUM]
    for code in ["A", "B", "C", "D", "E"]:
        expected = risk.level_of(signals_of.get(code, set()))
        found = next((level for level, codes in levels.items() if code in codes), RiskLevel.LOW)
        assert found is expected, (code, signals_of.get(code))
