"""Rows of the two supervising banks' custody systems for one plan.

Jinming (``sandbox.schemas.bank_sql``) and Songdu (``sandbox.schemas.bank_http``)
hold the same kind of facts in different shapes; an institution banks at one, or,
for a few (``NO_CUSTODY_RATE``), at none. The lessons given on each order are
reported to the education platform (``education.xkjl``): those released already,
and some given since, confirmed or not, that wait for the bureau's approval.

What the custody ledger adds (frozen accounts, orders over the prepaid cap, no
custody, deliveries) is drawn from a second generator of its own, so that the
draws of the plan's generator, and so every other department's rows, are those of
seeds made before the ledger existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from xietong.sandbox.anomalies import Anomaly
from xietong.sandbox.generate.identity import REFERENCE_ORDINAL, luhn_complete, random_name, ymd
from xietong.sandbox.generate.plan import InstitutionPlan
from xietong.sandbox.generate.rows import Rows, iso


@dataclass(slots=True)
class _Order:
    order_id: int
    student: str
    course: str
    amount: int
    lessons: int
    released_lessons: int
    released_amount: int
    refunded: int
    ordered: int
    refunded_on: int
    status: str
    """1 running, 2 completed, 3 refunded (jinming's codes)."""
    price: int = 0


NO_CUSTODY_RATE = 0.03
"""Institutions selling prepaid courses without a custody account (NO_CUSTODY_ACCOUNT)."""
OVER_CAP_RATE = 0.02
"""Orders of more lessons than may be prepaid (PREPAID_CAP_EXCEEDED)."""
FROZEN_RATE = 0.02


def ledger_rng(plan: InstitutionPlan) -> Random:
    """The ledger's own generator for this institution (see the module's docstring)."""
    return Random(f"custody-{plan.credit_code}")


def emit_finance(plan: InstitutionPlan, rows: Rows) -> None:
    ledger = ledger_rng(plan)
    orders = _orders(plan)
    _over_cap(orders, ledger)
    collected = sum(order.amount for order in orders)
    released = sum(order.released_amount for order in orders)
    refunded = sum(order.refunded for order in orders)
    outstanding = collected - released - refunded
    random = plan.rng.random
    if Anomaly.FUND_SHORTFALL in plan.anomalies:
        balance = int(outstanding * (0.25 + 0.6 * random()))
    else:
        balance = outstanding + int(outstanding * 0.08 * random()) + int(random() * 50_000)
    deposit = 100 * 10_000 * (5 + int(random() * 46))  # 50k-500k yuan
    opened = max(plan.founded, REFERENCE_ORDINAL - 200 - int(random() * 1300))
    random()  # was the frozen draw; kept so that later draws stay where they were
    frozen = ledger.random() < FROZEN_RATE
    closed = not frozen and ledger.random() < 0.005
    since = opened if not (frozen or closed) else REFERENCE_ORDINAL - 5 - int(ledger.random() * 60)
    uncovered = Anomaly.FUND_SHORTFALL not in plan.anomalies and ledger.random() < NO_CUSTODY_RATE
    if plan.bank_is_sql:
        account = luhn_complete(f"621723{plan.index:012d}")
        numbers = [f"JM{ymd(order.ordered)}{order.order_id:09d}" for order in orders]
    else:
        account = f"8101{plan.index:013d}"
        numbers = [f"SD{order.order_id:012d}" for order in orders]
    _deliveries(plan, orders, numbers, ledger, rows)
    if uncovered:
        return  # fees taken, but no bank holds them
    if plan.bank_is_sql:
        rows["bank_sql.jgzh"].append((
            plan.index + 1, account, plan.name, plan.credit_code, ymd(opened),
            "1" if frozen else "2" if closed else "0", ymd(since), balance, deposit,
            collected, released, refunded, outstanding, ymd(REFERENCE_ORDINAL - 1),
        ))  # fmt: skip
        for order, number in zip(orders, numbers, strict=True):
            rows["bank_sql.yfdd"].append((
                order.order_id, number, account, order.student, order.course, order.amount,
                order.lessons, order.released_lessons, order.released_amount,
                ymd(order.ordered), order.status,
            ))  # fmt: skip
            if order.refunded:
                rows["bank_sql.tkjl"].append(
                    (order.order_id, number, account, order.refunded, ymd(order.refunded_on))
                )
    else:
        rows["bank_http.CUST_ACCT"].append((
            plan.index + 1, account, plan.name, plan.credit_code, iso(ymd(opened)),
            "F" if frozen else "C" if closed else "A", iso(ymd(since)), balance, deposit,
            collected, released, refunded, outstanding,
        ))  # fmt: skip
        for order, number in zip(orders, numbers, strict=True):
            clock = f"{9 + order.order_id % 11:02d}:{order.order_id * 7 % 60:02d}:00"
            rows["bank_http.PREPAY_ORD"].append((
                order.order_id, number, account, order.student, order.course, order.amount,
                order.lessons, order.released_lessons, order.released_amount,
                f"{iso(ymd(order.ordered))} {clock}", "ODR"[int(order.status) - 1],
            ))  # fmt: skip
            if order.refunded:
                rows["bank_http.RFD_TXN"].append((
                    order.order_id, f"RF{order.order_id:012d}", number, account,
                    order.refunded, f"{iso(ymd(order.refunded_on))} 15:30:00",
                ))  # fmt: skip


def _orders(plan: InstitutionPlan) -> list[_Order]:
    rng = plan.rng
    random = rng.random
    shortfall = Anomaly.FUND_SHORTFALL in plan.anomalies
    orders = []
    for number in range(3 + int(random() * 6)):
        course = plan.courses[int(random() * len(plan.courses))]
        lessons = course.max_lessons if random() < 0.6 else max(4, course.max_lessons // 2)
        ordered = REFERENCE_ORDINAL - 1 - int(random() * 150)
        progress = (REFERENCE_ORDINAL - ordered) / 90 * (0.6 + 0.5 * random())
        released_lessons = min(lessons, int(lessons * progress))
        if shortfall and number == 0:
            released_lessons = min(released_lessons, lessons // 2)  # money is still owed
        price = course.price_per_lesson
        refunded = 0
        status = "2" if released_lessons == lessons else "1"
        if status == "1" and random() < 0.07 and not (shortfall and number == 0):
            refunded = (lessons - released_lessons) * price
            status = "3"
        orders.append(
            _Order(
                order_id=plan.index * 10 + number,
                student=random_name(rng, child=True),
                course=course.name,
                amount=lessons * price,
                lessons=lessons,
                released_lessons=released_lessons,
                released_amount=released_lessons * price,
                refunded=refunded,
                ordered=ordered,
                refunded_on=min(ordered + 10 + int(random() * 30), REFERENCE_ORDINAL - 1),
                status=status,
                price=price,
            )
        )
    return orders


def _over_cap(orders: list[_Order], ledger: Random) -> None:
    """Now and then an order of more lessons than may be prepaid (预收费不得超过60课时
    或3个月): 61-80 lessons, at the course's price, still running."""
    for order in orders:
        if ledger.random() < OVER_CAP_RATE and order.status != "3":
            order.lessons = 61 + int(ledger.random() * 20)
            order.amount = order.lessons * order.price
            order.status = "2" if order.released_lessons == order.lessons else "1"


def _deliveries(
    plan: InstitutionPlan, orders: list[_Order], numbers: list[str], ledger: Random, rows: Rows
) -> None:
    """消课记录: the lessons released so far, reported and confirmed in a few records,
    and on some running orders lessons given since: confirmed (awaiting the bureau's
    approval) or not yet confirmed by the payer."""
    table = rows["education.xkjl"]
    for order, number in zip(orders, numbers, strict=True):
        base = order.order_id * 4
        given = order.released_lessons
        if given:  # reported in two reports at most: the first weeks, then the rest
            first = given if given < 8 else given // 2
            day = min(order.ordered + 14 + int(ledger.random() * 20), REFERENCE_ORDINAL - 3)
            table.append((base, plan.credit_code, number, first, "1", ymd(day)))
            if first < given:
                day = min(day + 20 + int(ledger.random() * 30), REFERENCE_ORDINAL - 2)
                table.append((base + 1, plan.credit_code, number, given - first, "1", ymd(day)))
        parts = 2
        left = order.lessons - order.released_lessons
        if order.status != "1" or left <= 0 or ledger.random() >= 0.35:
            continue
        confirmed = min(left, 1 + int(ledger.random() * 4))
        table.append(
            (base + parts, plan.credit_code, number, confirmed, "1", ymd(REFERENCE_ORDINAL - 1))
        )
        if confirmed < left and ledger.random() < 0.5:
            table.append(
                (base + parts + 1, plan.credit_code, number, 1, "0", ymd(REFERENCE_ORDINAL - 1))
            )
