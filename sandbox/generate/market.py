"""Rows of the enterprise credit registry (``sandbox.schemas.market``)."""

from __future__ import annotations

from random import Random

from xietong.sandbox.anomalies import Anomaly
from xietong.sandbox.generate.identity import (
    PERSON_SLOTS,
    REFERENCE_ORDINAL,
    credit_code,
    institution_rng,
    person,
    ymd,
)
from xietong.sandbox.generate.plan import InstitutionPlan
from xietong.sandbox.generate.rows import Rows
from xietong.sandbox.generate.vocabulary import (
    AD_MEDIA,
    AD_VIOLATIONS,
    BRANDS,
    COMPLAINTS,
    DOMAIN_SCOPE,
    ROADS,
    SCOPE_EXTRAS,
    SCOPE_WITHOUT_TRAINING,
    UNLICENSED_NAMES,
    UNLICENSED_SCOPES,
)
from xietong.sandbox.reference import (
    AD_VIOLATION_DAYS,
    COMPLAINT_SURGE_DAYS,
    KAIFENG,
    KAIFENG_DISTRICTS,
    ZHENGZHOU,
    ZHENGZHOU_DISTRICTS,
)

_FOR_PROFIT_SUBJECT_SCOPE = "中小学文化课辅导培训；教育咨询服务"


def emit_market(plan: InstitutionPlan, rows: Rows) -> None:
    rng = plan.rng
    random = rng.random
    code = plan.credit_code
    trains = True
    if plan.subject and not plan.non_profit:
        scope = _FOR_PROFIT_SUBJECT_SCOPE
    elif Anomaly.SCOPE_MISMATCH in plan.anomalies and plan.outside_course is None:
        scope = SCOPE_WITHOUT_TRAINING[int(random() * len(SCOPE_WITHOUT_TRAINING))]
        trains = False
    else:
        items = [DOMAIN_SCOPE[domain] for domain in plan.domains]
        items.append(SCOPE_EXTRAS[int(random() * len(SCOPE_EXTRAS))])
        scope = "；".join(items)
    status, ended = "1", ""
    if Anomaly.REGISTRATION_INACTIVE in plan.anomalies:
        status = "2" if random() < 0.55 else "3"
        ended = ymd(REFERENCE_ORDINAL - 10 - int(random() * 300))
    city = "开封市" if plan.region.startswith("4102") else "郑州市"
    authority = f"{city}{plan.district}{'民政局' if plan.non_profit else '市场监督管理局'}"
    rows["market.qydj"].append((
        plan.index + 1, code, plan.name,
        "民办非企业单位" if plan.non_profit else "有限责任公司(自然人投资或控股)",
        "2" if plan.non_profit else "1", status, scope, "1" if trains else "0",
        plan.head.person.name, plan.head.person.id_number, ymd(plan.founded), ended,
        authority, plan.address, plan.region,
    ))  # fmt: skip
    market_bureau = f"{city}{plan.district}市场监督管理局"
    if status == "2":
        rows["market.xzcf"].append((
            plan.index * 10, f"{city[:2]}市监处罚〔{ended[:4]}〕{plan.index:06d}号", code,
            ended, "未按规定年报且经营异常", "3", 0, market_bureau,
            "《中华人民共和国市场主体登记管理条例》第四十四条",
        ))  # fmt: skip
    surge = Anomaly.COMPLAINT_SURGE in plan.anomalies
    _complaints(rng, plan.index, code, rows, surge=surge)
    drew = random() < 0.03
    planted = Anomaly.AD_VIOLATION in plan.anomalies
    if drew or planted:
        draw = random if drew else plan.later.random
        # Planted: opened within AD_VIOLATION_DAYS; otherwise older than that.
        if planted:
            opened = REFERENCE_ORDINAL - 40 - int(draw() * (AD_VIOLATION_DAYS - 41))
        else:
            opened = REFERENCE_ORDINAL - AD_VIOLATION_DAYS - 1 - int(draw() * 500)
        violation = AD_VIOLATIONS[int(draw() * len(AD_VIOLATIONS))]
        medium = AD_MEDIA[int(plan.later.random() * len(AD_MEDIA))]
        decision = f"{city[:2]}市监处罚〔{ymd(opened + 30)[:4]}〕{plan.index:06d}-1号"
        rows["market.ggwf"].append(
            (plan.index * 10, code, ymd(opened), violation, medium, "责令停止发布，罚款", decision)
        )
        rows["market.xzcf"].append((
            plan.index * 10 + 1, decision, code, ymd(opened + 30), f"发布违法广告：{violation}",
            "2", 100 * (5000 + int(draw() * 45000)), market_bureau,
            "《中华人民共和国广告法》第二十四条、第五十八条",
        ))  # fmt: skip


def _complaints(rng: Random, index: int, code: str, rows: Rows, *, surge: bool) -> None:
    random = rng.random
    if surge:
        count, window = 5 + int(random() * 8), COMPLAINT_SURGE_DAYS - 1
    elif random() < 0.25:
        count, window = 1 + int(random() * 2), 700  # at most two: never a surge
    else:
        return
    for number in range(count):
        received = REFERENCE_ORDINAL - int(random() * window)
        tsid = index * 100 + number
        age = REFERENCE_ORDINAL - received
        status = "3" if age > 60 else "123"[int(random() * 3)]
        rows["market.tfts"].append((
            tsid, f"12315{ymd(received)}{tsid:09d}", code, ymd(received),
            100 * (300 + int(random() * 7700)), COMPLAINTS[int(random() * len(COMPLAINTS))], status,
        ))  # fmt: skip


def emit_unlicensed_operator(seed: int, index: int, rows: Rows, city: str = KAIFENG) -> None:
    """A registration whose scope covers training, unknown to the education bureau."""
    rng = institution_rng(seed, index)
    random = rng.random
    districts, city_name = (
        (ZHENGZHOU_DISTRICTS, "郑州市") if city == ZHENGZHOU else (KAIFENG_DISTRICTS, "开封市")
    )
    regions = tuple(districts)
    region = regions[int(random() * len(regions))]
    district = districts[region]
    brand = BRANDS[int(random() * len(BRANDS))]
    name = f"{city_name}{brand}{UNLICENSED_NAMES[int(random() * len(UNLICENSED_NAMES))]}"
    owner = person(seed, index * PERSON_SLOTS)
    founded = REFERENCE_ORDINAL - 60 - int(random() * 1500)
    active = random() < 0.9
    code = credit_code(seed, index, region, non_profit=False)
    rows["market.qydj"].append((
        index + 1, code, name, "有限责任公司(自然人投资或控股)", "1", "1" if active else "3",
        UNLICENSED_SCOPES[int(random() * len(UNLICENSED_SCOPES))], "1", owner.name,
        owner.id_number, ymd(founded), "" if active else ymd(REFERENCE_ORDINAL - 30),
        f"{city_name}{district}市场监督管理局",
        f"河南省{city_name}{district}{ROADS[int(random() * len(ROADS))]}"
        f"{1 + int(random() * 300)}号",
        region,
    ))  # fmt: skip
    if random() < 0.3:
        _complaints(rng, index, code, rows, surge=False)
