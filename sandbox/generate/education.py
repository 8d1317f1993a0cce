"""Rows of the education platform (``sandbox.schemas.education``) for one plan."""

from __future__ import annotations

from xietong.sandbox.anomalies import Anomaly
from xietong.sandbox.generate.identity import REFERENCE_ORDINAL, phone, random_name, ymd
from xietong.sandbox.generate.plan import InstitutionPlan
from xietong.sandbox.generate.rows import Rows
from xietong.sandbox.generate.vocabulary import (
    BARRED_REASONS,
    BLACKLIST_REASONS,
    EDU_INSPECTORS,
    INSPECTION_REMARKS,
    RECTIFICATION_ITEMS,
    TIP_OFFS,
)

_SUPERVISOR_OF_DOMAIN = {"01": "1", "02": "4", "03": "2", "04": "3"}
_INSTITUTION_STATUS_OF_LICENCE = {"1": "1", "2": "2", "3": "3", "4": "1"}


def emit_education(plan: InstitutionPlan, rows: Rows) -> None:
    code = plan.credit_code
    rows["education.jg_jbxx"].append((
        plan.index + 1, code, plan.name, plan.region, "1" if plan.subject else "2",
        _INSTITUTION_STATUS_OF_LICENCE[plan.licence_status], plan.address,
        plan.head.person.name, plan.phone, ymd(plan.founded),
    ))  # fmt: skip
    supervisors = {"1"}
    for domain in plan.domains:
        rows["education.jg_pxly"].append((code, domain))
        supervisors.add(_SUPERVISOR_OF_DOMAIN[domain])
    rows["education.jg_zgbm"].extend((code, bureau) for bureau in sorted(supervisors))
    city = "汴" if plan.region.startswith("4102") else "郑"
    rows["education.bxxkz"].append((
        code, f"教民1{plan.region}7{plan.index:07d}号", plan.licence_status,
        ymd(plan.licence_issued), ymd(plan.licence_valid_until),
        f"{plan.district}教育局",
    ))  # fmt: skip
    rows["education.kc"].extend(
        (
            course.course_id,
            code,
            course.name,
            "1" if course.subject else "0",
            course.lessons,
            course.price_per_lesson,
            course.lessons * course.price_per_lesson,
            course.max_months,
            course.max_lessons,
            course.teacher.person.id_number,
            course.domain,
        )
        for course in (*plan.courses, *([plan.outside_course] if plan.outside_course else []))
    )
    rows["education.jzg"].extend(
        (
            plan.index * 10 + number,
            code,
            member.person.name,
            member.person.id_number,
            member.post,
            member.certificate,
            ymd(member.started),
        )
        for number, member in enumerate(plan.staff)
    )
    _inspections(plan, rows, city)
    _tip_offs(plan, rows)
    authority = f"{plan.district}教育局"
    if plan.licence_status == "3" or plan.rng.random() < 0.005:
        listed = REFERENCE_ORDINAL - 5 - int(plan.rng.random() * 300)
        # A revoked licence lists the institution for five years; the rare other
        # entry was removed again after half a year at most.
        if plan.licence_status == "3":
            removed = ymd(listed + 1826)
        else:
            removed = ymd(min(listed + 180, REFERENCE_ORDINAL))
        reason = BLACKLIST_REASONS[0 if plan.licence_status == "3" else 1]
        rows["education.hmd"].append(
            (plan.index + 1, code, ymd(listed), authority, reason, removed)
        )
    _later_blacklist(plan, rows, authority)


def _later_blacklist(plan: InstitutionPlan, rows: Rows, authority: str) -> None:
    """BLACKLISTED besides a revoked licence: an entry of its own, or a barred head."""
    later = plan.later.random
    listed = REFERENCE_ORDINAL - 5 - int(later() * 400)
    # Listed for three years, or with no end set.
    until = "" if later() < 0.5 else ymd(listed + 1095)
    if plan.blacklist_form == "LISTED":
        reason = BLACKLIST_REASONS[1 + int(later() * (len(BLACKLIST_REASONS) - 1))]
        rows["education.hmd"].append(
            (10**9 + plan.index, plan.credit_code, ymd(listed), authority, reason, until)
        )
    elif plan.blacklist_form == "BARRED":
        head = plan.head.person
        reason = BARRED_REASONS[int(later() * len(BARRED_REASONS))]
        rows["education.cyjz"].append(
            (plan.index + 1, head.id_number, head.name, ymd(listed), authority, reason, until)
        )


def _inspections(plan: InstitutionPlan, rows: Rows, city: str) -> None:
    random = plan.rng.random
    overdue = Anomaly.OPEN_RECTIFICATION in plan.anomalies
    count = 1 + int(random() * 3)
    for number in range(count):
        jcid = plan.index * 10 + number
        last = number == count - 1
        if overdue and last:
            inspected = REFERENCE_ORDINAL - 45 - int(random() * 250)
            result = "2"
        else:
            inspected = REFERENCE_ORDINAL - 5 - int(random() * 700)
            draw = random()
            result = "1" if draw < 0.78 else "2" if draw < 0.96 else "3"
        first = (plan.index + number) % len(EDU_INSPECTORS)
        second = (first + 3) % len(EDU_INSPECTORS)
        inspectors = f"{EDU_INSPECTORS[first]}、{EDU_INSPECTORS[second]}"
        rows["education.jcjl"].append(
            (jcid, plan.credit_code, ymd(inspected), inspectors, result, INSPECTION_REMARKS[result])
        )
        if result == "1":
            continue
        deadline = inspected + 30
        if overdue and last:
            status, closed = "0", ""
        elif deadline >= REFERENCE_ORDINAL:
            status, closed = "0", ""  # still within its deadline: open, not overdue
        else:
            status, closed = "1", ymd(deadline - int(random() * 20))
        item = RECTIFICATION_ITEMS[int(random() * len(RECTIFICATION_ITEMS))]
        rows["education.zgtzs"].append((
            jcid, f"{city}教整改〔{ymd(inspected)[:4]}〕{jcid}号", jcid, plan.credit_code,
            ymd(inspected), ymd(deadline), status, item, closed,
        ))  # fmt: skip


def _tip_offs(plan: InstitutionPlan, rows: Rows) -> None:
    rng = plan.rng
    count = 0
    if rng.random() < 0.1:
        count = 1 + int(rng.random() * 2)
    if plan.anomalies & {Anomaly.COMPLAINT_SURGE, Anomaly.UNQUALIFIED_TEACHER}:
        count += 1
    for number in range(count):
        received = REFERENCE_ORDINAL - 1 - int(rng.random() * 400)
        status = "2" if received < REFERENCE_ORDINAL - 60 else "01"[int(rng.random() * 2)]
        rows["education.jb"].append((
            plan.index * 10 + number, plan.credit_code, ymd(received),
            TIP_OFFS[int(rng.random() * len(TIP_OFFS))], random_name(rng), phone(rng), status,
        ))  # fmt: skip
