"""``statistics`` against a brute-force count over every joint record, under the same
scope and policy as the records themselves."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.auth.policy_oracle import DEMO_CLIENTS, ORACLE, ROLES, Effect
from tests.planner.support import every_joint_record
from tests.statistics.support import STATISTICS, answered, brute_force, leads
from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.adapters.config import SourceKind
from xietong.auth.policy import Effect as PolicyEffect
from xietong.auth.policy import load_policy
from xietong.cases.facts import hub_facts
from xietong.cases.store import CODES_LISTED_UP_TO
from xietong.domain.departments import Department
from xietong.domain.records import RectificationStatus
from xietong.domain.risk import JointRecord, assess
from xietong.kernel.identifiers import credit_code_check
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import SHIPPED_POLICY
from xietong.resolvers.statistics import COUNTED, MEASURES
from xietong.sandbox.reference import REFERENCE_DATE


def _credit_code(serial: int) -> str:
    body = f"52410200{serial:09d}"
    return body + credit_code_check(body)


AUDITOR = "demo-auditor"
"""Kaifeng (410200); may read every count, with a purpose."""


async def _compare(
    harness: HubHarness, records: list[JointRecord], region: str | None, group_by: str
) -> dict[str, Any]:
    body = (
        await harness.graphql(AUDITOR, STATISTICS, {"region": region, "groupBy": group_by})
    ).json()
    assert "errors" not in body, body["errors"]
    found = body["data"]["statistics"]
    counted = region or "410200"
    expected = brute_force(
        records, counted, group_by, await leads(harness, AUDITOR, counted), REFERENCE_DATE
    )
    assert answered(found["total"]) == expected["total"]
    assert [answered(group) for group in found["groups"]] == expected["groups"]
    assert (found["region"], found["groupBy"], found["asOf"]) == (
        counted,
        group_by,
        REFERENCE_DATE.isoformat(),
    )
    return dict(found)


async def test_a_citys_statistics_by_district_equal_a_count_of_every_joint_record(
    harness: HubHarness,
) -> None:
    records = await every_joint_record(harness.hub.adapters, REFERENCE_DATE)
    calm = await _alarming_tip_off_about_a_calm_institution(harness, records)
    await _market_serves_a_notice(harness, calm)
    hub = (await hub_facts(harness.hub.lookup_engine, [calm]))[calm]
    # Asked about a district's worth of codes, the hub reads its cases by kind: the same.
    many = [calm, *(_credit_code(n) for n in range(CODES_LISTED_UP_TO + 1))]
    assert await hub_facts(harness.hub.lookup_engine, many) == {calm: hub}
    records = [
        replace(record, tip_off_alerts=hub.tip_off_alerts, hub_notices=hub.notices)
        if record.institution.credit_code == calm
        else record
        for record in records
    ]

    found = await _compare(harness, records, None, "DISTRICT")

    total = found["total"]
    assert total["institutions"] > 50
    assert 0 < total["licensed"] < total["institutions"]
    assert total["unlicensedLeads"] > 0
    assert all(entry["count"] > 0 for entry in total["signals"]), (
        "the seed (and the tip-off) raise every signal"
    )
    signals = {entry["code"]: entry["count"] for entry in total["signals"]}
    assert signals["TIP_OFF_ALERT"] == 1, "the hub's tip-off is counted as risk shows it"
    assert [notice.issued_by for notice in hub.notices] == [Department.MARKET_SUPERVISION]
    own = sum(
        notice.status is RectificationStatus.OPEN
        for record in records
        if record.institution.region.startswith("4102")
        for inspection in record.institution.inspections
        for notice in inspection.notices
    )
    assert total["openRectifications"] == own + 1, "market's notice counts beside education's"
    assert {entry["level"]: entry["label"] for entry in total["riskLevels"]}["HIGH"] == "高风险"
    assert len(found["groups"]) > 3


async def _market_serves_a_notice(harness: HubHarness, credit_code: str) -> None:
    issue = """mutation($code: CreditCode!) { issueRectificationNotice(input: {
        creditCode: $code, basis: "《广告法》第二十四条", items: ["withdraw the leaflets"],
        deadline: "2099-12-31"}) { __typename } }"""
    body = (await harness.graphql("demo-market", issue, {"code": credit_code})).json()
    assert body["data"]["issueRectificationNotice"]["__typename"] == "Case", body


async def _alarming_tip_off_about_a_calm_institution(
    harness: HubHarness, records: list[JointRecord]
) -> str:
    """An open tip-off in the hub that a Kaifeng institution without any signal refuses
    refunds: its risk becomes MEDIUM with TIP_OFF_ALERT (the seed plants no hub case)."""
    calm = next(
        record.institution.credit_code
        for record in records
        if record.institution.region.startswith("4102") and not assess(record)[1]
    )
    submit = """mutation($code: CreditCode!) { submitTipOff(input: {
        subject: {creditCode: $code}, category: ILLEGAL_FEES, content: "refunds refused",
        channel: HOTLINE, concerns: [REFUND_REFUSED]}) { __typename } }"""
    body = (await harness.graphql("demo-education", submit, {"code": calm})).json()
    assert body["data"]["submitTipOff"]["__typename"] == "Case", body
    return calm


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    region=st.sampled_from([None, "410200", "410202", "410203", "410204", "410211", "410225"]),
    group_by=st.sampled_from(["DISTRICT", "DOMAIN", "CATEGORY"]),
)
async def test_any_region_and_grouping_equal_the_brute_force(
    sqlite_harness: HubHarness, region: str | None, group_by: str
) -> None:
    records = await every_joint_record(sqlite_harness.hub.adapters, REFERENCE_DATE)

    await _compare(sqlite_harness, records, region, group_by)


async def test_counted_from_the_departments_scans_the_counts_are_the_same(
    sqlite_harness: HubHarness,
) -> None:
    """A city too large to look its institutions up by key: every department scans
    (the registry once, for the counts and the risk rules alike), and the counts still
    equal the rules over every joint record."""
    records = await every_joint_record(sqlite_harness.hub.adapters, REFERENCE_DATE)
    scan_all = {SourceKind.SQL: 0, SourceKind.HTTP: 0}

    with patch.dict("xietong.planner.limits.AMONG_LIMITS", scan_all):
        found = await _compare(sqlite_harness, records, None, "CATEGORY")

    assert all(entry["count"] > 0 for entry in found["total"]["riskLevels"])


async def test_by_domain_an_institution_counts_in_each_of_its_domains(
    sqlite_harness: HubHarness,
) -> None:
    records = await every_joint_record(sqlite_harness.hub.adapters, REFERENCE_DATE)

    found = await _compare(sqlite_harness, records, None, "DOMAIN")

    labels = {group["key"]: group["label"] for group in found["groups"]}
    assert labels == {"ACADEMIC": "学科", "SPORTS": "体育", "CULTURE_ART": "文化艺术",
                      "SCIENCE_TECHNOLOGY": "科技"}  # fmt: skip
    assert all(group["unlicensedLeads"] is None for group in found["groups"])


async def test_a_region_outside_the_callers_is_out_of_scope(sqlite_harness: HubHarness) -> None:
    body = (
        await sqlite_harness.graphql(
            "demo-education-district", STATISTICS, {"region": "410203", "groupBy": "DISTRICT"}
        )
    ).json()

    [error] = body["errors"]
    assert error["extensions"]["code"] == "OUT_OF_SCOPE"
    assert body["data"]["statistics"] is None


async def test_a_district_client_counts_only_its_district(sqlite_harness: HubHarness) -> None:
    body = (
        await sqlite_harness.graphql("demo-education-district", STATISTICS, {"groupBy": "DISTRICT"})
    ).json()

    groups = body["data"]["statistics"]["groups"]
    assert [group["key"] for group in groups] == ["410202"]


@pytest.mark.parametrize("role", ["police.officer", "market.officer", "fire.officer"])
async def test_a_role_sees_a_count_only_where_it_may_read_what_is_counted(
    sqlite_harness: HubHarness, role: str
) -> None:
    body = (
        await sqlite_harness.graphql(DEMO_CLIENTS[role], STATISTICS, {"groupBy": "DISTRICT"})
    ).json()

    total = body["data"]["statistics"]["total"]
    refused = {
        error["path"][-1] for error in body["errors"] if error["extensions"]["code"] == "FORBIDDEN"
    }
    for coordinate, measure in MEASURES.items():
        name = coordinate.partition(".")[2]
        denied = ORACLE[coordinate][role].effect is Effect.DENY
        assert (total[name] is None) is denied, (coordinate, measure)
        assert (name in refused) is denied, coordinate


def test_the_policy_grants_a_count_only_to_roles_that_may_read_what_it_counts() -> None:
    policy = load_policy(SHIPPED_POLICY)

    wider = [
        f"{role} {count}"
        for count, counted in COUNTED.items()
        for role in ROLES
        if policy.grant([role], count).effect is not PolicyEffect.DENY
        and any(policy.grant([role], field).effect is PolicyEffect.DENY for field in counted)
    ]

    assert wider == []
    assert set(COUNTED) == set(MEASURES)


@pytest.fixture
def market_down(tmp_path: Path, world: SandboxWorld) -> SandboxWorld:
    """``world`` with the market registry unreachable."""
    text = world.sources_file.read_text(encoding="utf-8")
    text = re.sub(
        r'(name = "market-registry"(?:.|\n)*?url = )"[^"]+"', r'\1"http://127.0.0.1:9"', text
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(text, encoding="utf-8")
    return replace(world, sources_file=sources)


async def test_a_department_down_costs_only_the_counts_that_need_it(
    sqlite_url: str, market_down: SandboxWorld
) -> None:
    upgrade(sqlite_url)
    async with hub_harness(sqlite_url, market_down) as harness:
        body = (await harness.graphql(AUDITOR, STATISTICS, {"groupBy": "CATEGORY"})).json()

    total = body["data"]["statistics"]["total"]
    assert total["institutions"] > 0
    assert total["licensed"] > 0
    assert total["custodySupervised"] > 0
    assert total["openRectifications"] > 0
    for name in ("unlicensedLeads", "complaintsLast90Days", "riskLevels", "signals"):
        assert total[name] is None, name
    blamed = {
        (error["path"][-1], error["extensions"]["department"])
        for error in body["errors"]
        if error["path"][1] == "total"
    }
    assert blamed == {
        (name, "MARKET_SUPERVISION")
        for name in ("unlicensedLeads", "complaintsLast90Days", "riskLevels", "signals")
    }


async def test_a_region_counted_in_many_batches_counts_the_same(sqlite_harness: HubHarness) -> None:
    records = await every_joint_record(sqlite_harness.hub.adapters, REFERENCE_DATE)

    with (
        patch("xietong.adapters.education.adapter.SQL_BATCH", 7),
        patch("xietong.adapters.education.census.RANGE", 7),
        patch("xietong.adapters.education.census.RANGES_PER_CALL", 2),
    ):
        await _compare(sqlite_harness, records, None, "CATEGORY")
    # Ranges across districts: the other districts' codes sorting among a district's
    # are read too, and are neither counted nor in the census.
    education = sqlite_harness.hub.adapters.education
    alone = await education.census("410204", REFERENCE_DATE)
    with (
        patch("xietong.adapters.education.census.RANGE", 10**6),
        patch("xietong.adapters.education.census.CLUSTER", 0),
    ):
        assert await education.census("410204", REFERENCE_DATE) == alone
        await _compare(sqlite_harness, records, "410204", "DOMAIN")
