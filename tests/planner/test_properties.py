"""Any combination of filter predicates answers exactly what a brute-force evaluation
over every institution's joint record answers, whichever way the planner asks the
departments (scanning them, or looking up the candidates left)."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.planner.support import brute_force, every_joint_record, walk
from tests.support.harness import HubHarness
from xietong.adapters.config import SourceKind
from xietong.domain.risk import JointRecord, RiskCode
from xietong.sandbox.reference import REFERENCE_DATE

STATUSES = {
    "licenseStatus": ["VALID", "SUSPENDED", "REVOKED", "EXPIRED"],
    "registrationStatus": ["ACTIVE", "REVOKED", "CANCELLED"],
    "fireAcceptance": ["PASSED", "FILED", "NOT_FILED", "FAILED", "EXPIRED"],
}
PREDICATES: dict[str, st.SearchStrategy[Any]] = {
    # Districts of Kaifeng, and the city itself: all within the auditor's scope.
    "region": st.sampled_from(["410200", "410202", "410203", "410204", "410211"]),
    "category": st.sampled_from(["SUBJECT", "NON_SUBJECT"]),
    "domain": st.sampled_from(["ACADEMIC", "SPORTS", "CULTURE_ART", "SCIENCE_TECHNOLOGY"]),
    "supervisor": st.sampled_from(
        ["EDUCATION", "CULTURE_TOURISM", "SCIENCE_TECHNOLOGY", "SPORTS", "FINANCE"]
    ),
    **{
        name: st.lists(st.sampled_from(values), unique=True, max_size=len(values) - 1)
        for name, values in STATUSES.items()
    },
    "coverageBelow": st.one_of(
        st.sampled_from([0.5, 1.0, 1.2, 100.0]), st.floats(min_value=0.01, max_value=3.0)
    ),
    "hasUncheckedOrFlaggedStaff": st.booleans(),
    "minComplaints": st.integers(min_value=0, max_value=6),
    "riskAtLeast": st.sampled_from(["LOW", "MEDIUM", "HIGH"]),
    "riskSignals": st.lists(st.sampled_from([code.value for code in RiskCode]), max_size=3),
    "nameContains": st.one_of(
        st.sampled_from(["启航", "开封市", "龙亭区", "艺术培训", "有限公司", "学校", "无此名"]),
        st.text(
            alphabet="开封市龙亭区启航博雅明德培训学校艺术体育科技有限公司", min_size=1, max_size=3
        ),
    ),
    "address": st.sampled_from(["中山路", "鼓楼街", "河南省开封市", "郑州市", "1号", "无此路"]),
    "blacklisted": st.booleans(),
}


@st.composite
def filters(draw: st.DrawFn) -> dict[str, Any]:
    """One to three predicates: more would leave too few institutions to tell much."""
    names = draw(st.lists(st.sampled_from(sorted(PREDICATES)), min_size=1, max_size=3, unique=True))
    return {name: draw(PREDICATES[name]) for name in names}


SCAN_ALL = {SourceKind.SQL: 0, SourceKind.HTTP: 0}
"""Every department that can scan, scans."""
LOOK_UP_ALL = {SourceKind.SQL: 10_000, SourceKind.HTTP: 10_000}
"""Every department after the first looks up the candidates left."""
LOOKUP_LIMITS = st.sampled_from([SCAN_ALL, LOOK_UP_ALL, {SourceKind.SQL: 30, SourceKind.HTTP: 10}])


class Opened:
    """The hub and every joint record, printed short: hypothesis prints the arguments
    of every explicit example, and 120 joint records take seconds to print."""

    def __init__(self, harness: HubHarness, records: list[JointRecord]) -> None:
        self.harness = harness
        self.records = records

    def __repr__(self) -> str:
        return f"Opened({len(self.records)} joint records)"


@pytest.fixture
async def opened(sqlite_harness: HubHarness) -> Opened:
    assert sqlite_harness.hub.today() == REFERENCE_DATE
    return Opened(
        sqlite_harness, await every_joint_record(sqlite_harness.hub.adapters, REFERENCE_DATE)
    )


@pytest.mark.slow
@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(filter_=filters(), limits=LOOKUP_LIMITS, first=st.sampled_from([7, 500]))
# Second campuses (their worst premises decides), and two departments at once.
@example(filter_={"fireAcceptance": ["FILED"]}, limits=SCAN_ALL, first=500)
@example(filter_={"fireAcceptance": ["FILED"]}, limits=LOOK_UP_ALL, first=500)
@example(filter_={"fireAcceptance": ["PASSED", "EXPIRED"]}, limits=SCAN_ALL, first=500)
@example(
    filter_={"fireAcceptance": ["FILED", "NOT_FILED", "FAILED", "EXPIRED"], "coverageBelow": 1},
    limits=SCAN_ALL,
    first=7,
)
@example(filter_={}, limits=SCAN_ALL, first=500)
@example(filter_={"nameContains": "启航", "blacklisted": False}, limits=LOOK_UP_ALL, first=7)
@example(filter_={"address": "中山路", "blacklisted": True}, limits=SCAN_ALL, first=500)
async def test_a_filter_answers_what_brute_force_over_every_record_answers(
    opened: Opened,
    filter_: dict[str, Any],
    limits: dict[SourceKind, int],
    first: int,
) -> None:
    with patch.dict("xietong.planner.plan.AMONG_LIMITS", limits):
        found = await walk(opened.harness, filter_, first=first)

    expected = brute_force(opened.records, filter_)
    assert found.codes == expected
    assert set(found.totals) == {len(expected)}


async def test_the_brute_force_is_not_trivial(opened: Opened) -> None:
    """The seed plants every anomaly, so the predicates split the institutions."""
    records = opened.records
    everyone = brute_force(records, {})

    for name, value in [
        ("fireAcceptance", ["EXPIRED"]),
        ("fireAcceptance", ["NOT_FILED", "FAILED"]),
        ("coverageBelow", 1.0),
        ("hasUncheckedOrFlaggedStaff", True),
        ("minComplaints", 3),
        ("riskAtLeast", "HIGH"),
        ("registrationStatus", ["REVOKED", "CANCELLED"]),
        ("licenseStatus", ["SUSPENDED", "REVOKED", "EXPIRED"]),
        ("nameContains", "启航"),
        ("address", "中山路"),
        ("blacklisted", True),
    ]:
        assert 0 < len(brute_force(records, {name: value})) < len(everyone), name


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=PREDICATES["nameContains"], limits=LOOKUP_LIMITS)
async def test_name_contains_answers_what_a_scan_of_every_name_answers(
    opened: Opened, text: str, limits: dict[SourceKind, int]
) -> None:
    with patch.dict("xietong.planner.plan.AMONG_LIMITS", limits):
        found = await walk(opened.harness, {"nameContains": text})

    assert found.codes == brute_force(opened.records, {"nameContains": text})


async def test_each_text_filter_and_the_blacklist_answer_what_brute_force_answers(
    opened: Opened,
) -> None:
    """The new predicates alone and next to a scanning department, on values the
    sandbox holds: a legal representative's full name, a brand, a road, the blacklist."""
    kaifeng = [r for r in opened.records if r.institution.region.startswith("4102")]
    person = next(r.registration.legal_representative for r in kaifeng if r.registration)
    for filter_ in (
        {"legalRepresentative": person},
        {"legalRepresentative": person, "minComplaints": 0},
        {"legalRepresentative": "无此人"},
        {"nameContains": "启航"},
        {"nameContains": " 启航 "},
        {"address": "中山路", "fireAcceptance": ["PASSED", "FILED"]},
        {"blacklisted": True},
        {"blacklisted": False, "licenseStatus": ["REVOKED"]},
    ):
        expected = brute_force(opened.records, filter_)
        assert (await walk(opened.harness, filter_)).codes == expected, filter_
    assert brute_force(opened.records, {"legalRepresentative": person})
    assert brute_force(opened.records, {"blacklisted": False, "licenseStatus": ["REVOKED"]}) == []


RISK_FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "riskAtLeast": st.sampled_from(["LOW", "MEDIUM", "HIGH"]),
        "riskSignals": st.lists(
            st.sampled_from([code.value for code in RiskCode]), min_size=1, max_size=4
        ),
        "region": PREDICATES["region"],
        "category": PREDICATES["category"],
        "hasUncheckedOrFlaggedStaff": st.booleans(),
    },
).filter(lambda f: "riskAtLeast" in f or "riskSignals" in f)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(filter_=RISK_FILTERS, limits=LOOKUP_LIMITS)
@example(filter_={"riskAtLeast": "HIGH"}, limits=SCAN_ALL)
@example(filter_={"riskAtLeast": "MEDIUM", "riskSignals": ["COMPLAINT_SURGE"]}, limits=SCAN_ALL)
@example(
    filter_={"riskSignals": ["UNCHECKED_OR_FLAGGED_STAFF", "AD_VIOLATION"]}, limits=LOOK_UP_ALL
)
# High only with the staff check, and one of the last round's signals wanted.
@example(filter_={"riskAtLeast": "HIGH", "riskSignals": ["SCOPE_MISMATCH"]}, limits=SCAN_ALL)
@example(
    filter_={"riskAtLeast": "HIGH", "riskSignals": ["PREPAID_CAP_EXCEEDED"]}, limits=LOOK_UP_ALL
)
async def test_risk_pushed_down_answers_what_the_rules_over_every_joint_record_answer(
    opened: Opened, filter_: dict[str, Any], limits: dict[SourceKind, int]
) -> None:
    """Each department asked for its signals (scanning, or looking up the candidates),
    joined per institution, equals ``assess`` over every joint record."""
    with patch.dict("xietong.planner.plan.AMONG_LIMITS", limits):
        found = await walk(opened.harness, filter_)

    assert found.codes == brute_force(opened.records, filter_)


@pytest.mark.parametrize("limits", [SCAN_ALL, LOOK_UP_ALL], ids=["scanned", "looked-up"])
async def test_each_signal_alone_finds_what_the_rules_find(
    opened: Opened, limits: dict[SourceKind, int]
) -> None:
    """Every signal the seed raises, one at a time, scanned and looked up: a rule whose
    department facts drifted from ``domain.risk`` fails here by name."""
    raised_somewhere = 0
    with patch.dict("xietong.planner.plan.AMONG_LIMITS", limits):
        for code in RiskCode:
            filter_ = {"riskSignals": [code.value]}
            expected = brute_force(opened.records, filter_)
            assert (await walk(opened.harness, filter_)).codes == expected, code
            raised_somewhere += bool(expected)
        for level in ("MEDIUM", "HIGH"):
            expected = brute_force(opened.records, {"riskAtLeast": level})
            assert (await walk(opened.harness, {"riskAtLeast": level})).codes == expected
    # TIP_OFF_ALERT comes from the hub's own cases alone: none in this sandbox.
    assert raised_somewhere == len(RiskCode) - 1
