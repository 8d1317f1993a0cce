"""Rows of the two supervising banks' custody systems for one plan.

Jinming (``sandbox.schemas.bank_sql``) and Songdu (``sandbox.schemas.bank_http``)
hold the same kind of facts in different shapes; an institution banks at one.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def emit_finance(plan: InstitutionPlan, rows: Rows) -> None:
    orders = _orders(plan)
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
    frozen = random() < 0.02
    if plan.bank_is_sql:
        account = luhn_complete(f"621723{plan.index:012d}")
        rows["bank_sql.jgzh"].append((
            plan.index + 1, account, plan.name, plan.credit_code, ymd(opened),
            "1" if frozen else "0", balance, deposit, collected, released, refunded,
            outstanding, ymd(REFERENCE_ORDINAL - 1),
        ))  # fmt: skip
        for order in orders:
            number = f"JM{ymd(order.ordered)}{order.order_id:09d}"
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
        account = f"8101{plan.index:013d}"
        rows["bank_http.CUST_ACCT"].append((
            plan.index + 1, account, plan.name, plan.credit_code, iso(ymd(opened)),
            "F" if frozen else "A", balance, deposit, collected, released, refunded,
            outstanding,
        ))  # fmt: skip
        for order in orders:
            number = f"SD{order.order_id:012d}"
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
            )
        )
    return orders
