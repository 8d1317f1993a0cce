"""One institution's plan: who it is, what it teaches, who works there, what is wrong.

The department emitters (education, market, fire, finance, police) all render
the same plan, so the departments agree with each other about an institution
the way real systems mostly do, and disagree exactly where an anomaly says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from xietong.sandbox.anomalies import ANOMALY_RATES, LATER_ANOMALIES, LEDGER_ANOMALIES, Anomaly
from xietong.sandbox.generate.identity import (
    PERSON_SLOTS,
    REFERENCE_ORDINAL,
    Person,
    credit_code,
    institution_rng,
    later_rng,
    person,
    phone,
)
from xietong.sandbox.generate.vocabulary import (
    BRANDS,
    COURSE_LEVELS,
    DOMAIN_COURSES,
    DOMAIN_NAME_WORD,
    ROADS,
)
from xietong.sandbox.reference import KAIFENG, KAIFENG_DISTRICTS, ZHENGZHOU, ZHENGZHOU_DISTRICTS

SUBJECT_DOMAIN = "01"
NON_SUBJECT_DOMAINS = ("02", "03", "04")
_ANOMALY_ORDER = tuple(
    kind for kind in Anomaly if kind not in LATER_ANOMALIES and kind not in LEDGER_ANOMALIES
)
_KAIFENG_WEIGHTED = (
    ("410202",) * 4 + ("410203",) * 3 + ("410204",) * 4 + ("410205",) * 3 + ("410211",) * 2
    + ("410212",) * 2 + ("410221",) + ("410222",) + ("410223",) + ("410225",)
)  # fmt: skip
_ZHENGZHOU = tuple(ZHENGZHOU_DISTRICTS)
_LICENCE_DAYS = 1826  # school licences run five years
_OTHER_POSTS = ("2", "2", "2", "3", "4", "5")  # slots 3+: mostly teachers


@dataclass(slots=True)
class StaffMember:
    person: Person
    post: str
    """``jzg.gwlb``: 1 head, 2 teacher, 3 assistant, 4 administration, 5 finance."""
    certificate: str
    started: int
    """Ordinal of ``rzrq``."""
    owned: bool = True
    """False for a teacher borrowed from another institution's roster: that
    institution submits the person's background check, not this one."""


@dataclass(slots=True)
class Course:
    course_id: int
    name: str
    subject: bool
    lessons: int
    price_per_lesson: int
    """Fen."""
    teacher: StaffMember
    max_months: int
    max_lessons: int
    domain: str
    """``kc.pxly``: the training domain the course is filed under."""


@dataclass(slots=True)
class InstitutionPlan:
    index: int
    rng: Random
    credit_code: str
    region: str
    district: str
    subject: bool
    non_profit: bool
    domains: tuple[str, ...]
    anomalies: frozenset[Anomaly]
    founded: int
    """Ordinal of the founding / registration date."""
    licence_status: str
    """``bxxkz.xkzzt``: 1 valid, 2 suspended, 3 revoked, 4 expired."""
    licence_issued: int
    licence_valid_until: int
    name: str
    address: str
    phone: str
    staff: list[StaffMember] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    bank_is_sql: bool = True
    later: Random = field(default_factory=Random)
    """``identity.later_rng``: draws for what the seed learnt to plant later."""
    blacklist_form: str = ""
    """How BLACKLISTED shows besides a revoked licence's entry: ``LISTED`` (an entry
    for another reason) or ``BARRED`` (the head is barred from the industry)."""
    fire_on_second_campus: bool = False
    """FIRE_NON_COMPLIANT sits on the second campus, the first being compliant."""
    outside_course: Course | None = None
    """SCOPE_MISMATCH as practice: a subject course at a non-subject institution."""

    @property
    def head(self) -> StaffMember:
        return self.staff[0]


def plan_institution(
    seed: int, index: int, institutions: int, city: str = KAIFENG
) -> InstitutionPlan:
    """Everything about institution ``index`` of ``institutions``, from its own generator;
    in a Zhengzhou sandbox (``city``) every institution is in Zhengzhou."""
    rng = institution_rng(seed, index)
    random = rng.random
    anomalies = {kind for kind in _ANOMALY_ORDER if random() < ANOMALY_RATES[kind]}
    if index < len(_ANOMALY_ORDER):
        anomalies.add(_ANOMALY_ORDER[index])  # every kind shows, even in a tiny seed
    later = later_rng(seed, index)
    anomalies |= {kind for kind in LATER_ANOMALIES if later.random() < ANOMALY_RATES[kind]}
    if 0 <= index - len(_ANOMALY_ORDER) < len(LATER_ANOMALIES):
        anomalies.add(LATER_ANOMALIES[index - len(_ANOMALY_ORDER)])
    subject = random() < 0.22 or Anomaly.UNQUALIFIED_TEACHER in anomalies
    if subject:
        domains: tuple[str, ...] = (SUBJECT_DOMAIN,)
        # Subject training may only be run as non-profit (双减); a for-profit
        # registration of a subject school is one form of SCOPE_MISMATCH.
        non_profit = not (Anomaly.SCOPE_MISMATCH in anomalies and random() < 0.5)
    else:
        first = NON_SUBJECT_DOMAINS[int(random() * 3)]
        domains = (first,)
        if random() < 0.15:
            second = NON_SUBJECT_DOMAINS[int(random() * 3)]
            if second != first:
                domains = tuple(sorted((first, second)))
        non_profit = random() < 0.1
    if random() < 0.05 or city == ZHENGZHOU:
        region = _ZHENGZHOU[int(random() * len(_ZHENGZHOU))]
        district, city = ZHENGZHOU_DISTRICTS[region], "郑州市"
    else:
        region = _KAIFENG_WEIGHTED[int(random() * len(_KAIFENG_WEIGHTED))]
        district, city = KAIFENG_DISTRICTS[region], "开封市"
    licence_status = "1"
    if Anomaly.LICENSE_INACTIVE in anomalies:
        draw = random()
        licence_status = "2" if draw < 0.35 else "3" if draw < 0.6 else "4"
    blacklist_form = ""
    if licence_status == "3":
        anomalies.add(Anomaly.BLACKLISTED)  # a revoked licence is always blacklisted
    elif Anomaly.BLACKLISTED in anomalies:
        blacklist_form = "LISTED" if later.random() < 0.5 else "BARRED"
    if licence_status == "4":
        issued = REFERENCE_ORDINAL - _LICENCE_DAYS - 1 - int(random() * 600)
    else:
        issued = REFERENCE_ORDINAL - 30 - int(random() * 1700)
    founded = min(REFERENCE_ORDINAL - 400 - int(random() * 5000), issued - 10)
    brand = BRANDS[int(random() * len(BRANDS))]
    word = DOMAIN_NAME_WORD[domains[0]]
    kind = f"{word}培训学校" if non_profit else f"{word}培训有限公司"
    plan = InstitutionPlan(
        index=index,
        rng=rng,
        credit_code=credit_code(seed, index, region, non_profit=non_profit),
        region=region,
        district=district,
        subject=subject,
        non_profit=non_profit,
        domains=domains,
        anomalies=frozenset(anomalies),
        founded=founded,
        licence_status=licence_status,
        licence_issued=issued,
        licence_valid_until=issued + _LICENCE_DAYS,
        name=f"{city}{district}{brand}{kind}",
        address=f"河南省{city}{district}{ROADS[int(random() * len(ROADS))]}"
        f"{1 + int(random() * 300)}号",
        phone=phone(rng),
        bank_is_sql=random() < 0.6,
        later=later,
        blacklist_form=blacklist_form,
        fire_on_second_campus=later.random() < 0.5,
    )
    _plan_staff(plan, seed, institutions)
    _plan_courses(plan)
    if Anomaly.SCOPE_MISMATCH in anomalies and not subject and later.random() < 0.5:
        plan.outside_course = _outside_course(plan)
    return plan


def _plan_staff(plan: InstitutionPlan, seed: int, institutions: int) -> None:
    random = plan.rng.random
    needs_slot3 = bool(
        plan.anomalies & {Anomaly.UNCHECKED_OR_FLAGGED_STAFF, Anomaly.UNQUALIFIED_TEACHER}
    )
    size = 3 + int(random() * 4)
    if needs_slot3 and size < 4:
        size = 4
    base = plan.index * PERSON_SLOTS
    for slot in range(size):
        who = person(seed, base + slot)
        if slot == 0:
            post, certified = "1", who.certified
        elif slot <= 2:
            # Slots 1-2 are certified, checked teachers: the only ones other
            # institutions borrow, so borrowing never spreads an anomaly.
            post, certified = "2", True
        elif slot == 3 and Anomaly.UNQUALIFIED_TEACHER in plan.anomalies:
            post, certified = "2", False
        else:
            post = _OTHER_POSTS[int(random() * len(_OTHER_POSTS))]
            certified = (plan.subject or who.certified) if post == "2" else False
        started = max(plan.founded, REFERENCE_ORDINAL - 30 - int(random() * 3000))
        plan.staff.append(StaffMember(who, post, who.certificate if certified else "", started))
    if institutions > 1 and random() < 0.06:
        # A teacher who also works at a nearby institution (兼职).
        other = (plan.index + 1 + int(random() * min(institutions - 1, 40))) % institutions
        if other != plan.index:
            slot = 1 + int(random() * 2)
            who = person(seed, other * PERSON_SLOTS + slot)
            started = REFERENCE_ORDINAL - 30 - int(random() * 700)
            plan.staff.append(StaffMember(who, "2", who.certificate, started, owned=False))


def _plan_courses(plan: InstitutionPlan) -> None:
    random = plan.rng.random
    teachers = [m for m in plan.staff if m.post == "2"]
    certified = [m for m in teachers if m.certificate]
    uncertified = [m for m in teachers if not m.certificate]
    count = 2 + int(random() * 3)
    for number in range(count):
        domain = plan.domains[number % len(plan.domains)]
        pool = DOMAIN_COURSES[domain]
        name = pool[int(random() * len(pool))] + COURSE_LEVELS[int(random() * len(COURSE_LEVELS))]
        if plan.subject:
            lessons = 16 + 4 * int(random() * 9)
            # 40-89 yuan a lesson: subject training is priced by government guidance.
            price = 100 * (40 + int(random() * 50))
            if number == 0 and Anomaly.UNQUALIFIED_TEACHER in plan.anomalies and uncertified:
                teacher = uncertified[0]
            else:
                teacher = certified[int(random() * len(certified))]
        else:
            lessons = 12 + 4 * int(random() * 15)
            price = 100 * (50 + int(random() * 150))
            teacher = teachers[int(random() * len(teachers))]
        plan.courses.append(
            Course(
                course_id=plan.index * 10 + number,
                name=name,
                subject=plan.subject,
                lessons=lessons,
                price_per_lesson=price,
                teacher=teacher,
                max_months=3,  # 预收费不得超过3个月或60课时
                max_lessons=min(lessons, 60),
                domain=domain,
            )
        )


def _outside_course(plan: InstitutionPlan) -> Course:
    """A subject course (学科类) at a non-subject institution, taught by one of its
    certified teachers: outside its approved domains and its business scope alone."""
    later = plan.later.random
    pool = DOMAIN_COURSES[SUBJECT_DOMAIN]
    name = pool[int(later() * len(pool))] + "冲刺班"
    return Course(
        course_id=plan.index * 10 + 9,
        name=name,
        subject=True,
        lessons=24,
        price_per_lesson=100 * (60 + int(later() * 40)),
        teacher=plan.staff[1],
        max_months=3,
        max_lessons=24,
        domain=SUBJECT_DOMAIN,
    )
