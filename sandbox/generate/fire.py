"""Rows of the fire database (``sandbox.schemas.fire``) for one plan."""

from __future__ import annotations

from xietong.sandbox.anomalies import Anomaly
from xietong.sandbox.generate.identity import REFERENCE_ORDINAL, ymd
from xietong.sandbox.generate.plan import InstitutionPlan
from xietong.sandbox.generate.rows import Rows
from xietong.sandbox.generate.vocabulary import FIRE_HAZARDS, FIRE_INSPECTORS, ROADS, SEAL_REASONS

_ACCEPTANCE_DAYS = 1826
_FAULTS = ("NOT_FILED", "FAILED", "EXPIRED", "OPEN_HAZARDS", "SEALED")
_FAULT_WEIGHTS = (0.25, 0.15, 0.25, 0.2, 0.15)


def emit_fire(plan: InstitutionPlan, rows: Rows) -> None:
    random = plan.rng.random
    premises = 2 if random() < 0.05 else 1
    fault = ""
    if Anomaly.FIRE_NON_COMPLIANT in plan.anomalies:
        fault = plan.rng.choices(_FAULTS, _FAULT_WEIGHTS)[0]
    short_city = "汴" if plan.region.startswith("4102") else "郑"
    authority = f"{'开封市' if short_city == '汴' else '郑州市'}住房和城乡建设局"
    faulty_campus = 1 if premises == 2 and plan.fire_on_second_campus else 0
    for number in range(premises):
        csid = plan.index * 10 + number
        this_fault = fault if number == faulty_campus else ""
        if number == 0:
            name, address = f"{plan.name}主校区", plan.address
        else:
            road = ROADS[int(random() * len(ROADS))]
            name = f"{plan.name}分校区"
            address = f"河南省{plan.district}{road}{1 + int(random() * 300)}号"
        status, number_text, accepted, valid_until = _acceptance(plan, csid, this_fault, short_city)
        rows["fire.xf_cs"].append((
            csid, plan.credit_code, name, address, plan.region,
            150 + int(random() * 1350), status, number_text, accepted, valid_until, authority,
        ))  # fmt: skip
        _inspections(plan, rows, csid, this_fault)


def _acceptance(
    plan: InstitutionPlan, csid: int, fault: str, short_city: str
) -> tuple[str, str, str, str]:
    random = plan.rng.random
    if fault == "NOT_FILED":
        return "3", "", "", ""
    if fault == "EXPIRED":
        accepted = REFERENCE_ORDINAL - _ACCEPTANCE_DAYS - 1 - int(random() * 500)
    else:
        accepted = REFERENCE_ORDINAL - 30 - int(random() * 1700)
    if fault == "FAILED":
        status = "4"
    else:
        status = "1" if random() < 0.55 else "2"
    kind = "消备" if status == "2" else "消验"
    number_text = f"{short_city}住建{kind}字〔{ymd(accepted)[:4]}〕第{csid % 100000:05d}号"
    valid_until = "" if status == "4" else ymd(accepted + _ACCEPTANCE_DAYS)
    return status, number_text, ymd(accepted), valid_until


def _inspections(plan: InstitutionPlan, rows: Rows, csid: int, fault: str) -> None:
    random = plan.rng.random
    count = 1 + int(random() * 2)
    for number in range(count):
        jcid = csid * 10 + number
        last = number == count - 1
        inspected = REFERENCE_ORDINAL - 10 - int(random() * 600)
        if last and fault == "SEALED":
            result = "3"
        elif (last and fault == "OPEN_HAZARDS") or random() < 0.15:
            result = "2"
        else:
            result = "1"
        inspectors = f"{FIRE_INSPECTORS[jcid % 5]}、{FIRE_INSPECTORS[(jcid + 2) % 5]}"
        rows["fire.xf_jc"].append((jcid, csid, ymd(inspected), result, inspectors))
        if result == "2":
            still_open = last and fault == "OPEN_HAZARDS"
            for hazard in range(1 + int(random() * (3 if still_open else 2))):
                description = FIRE_HAZARDS[int(random() * len(FIRE_HAZARDS))]
                rows["fire.xf_yh"].append((
                    jcid * 10 + hazard, csid, jcid, description, ymd(inspected + 15),
                    "0" if still_open else "1",
                ))  # fmt: skip
        if result == "3":
            reason = SEAL_REASONS[int(random() * len(SEAL_REASONS))]
            rows["fire.xf_cf"].append((jcid, csid, ymd(inspected), reason, ""))
