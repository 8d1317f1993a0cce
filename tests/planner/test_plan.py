"""Filtered ``institutions``: scoped, refused where the policy says so, paged exactly,
and asking each department only what it must (public security: never a scan)."""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.planner.support import (
    AUDITOR,
    FILTERED,
    brute_force,
    every_joint_record,
    walk,
)
from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.adapters.sources.http import HttpSource
from xietong.domain.departments import Department
from xietong.domain.records import InstitutionCategory
from xietong.domain.risk import JointRecord
from xietong.kernel.identifiers import id_number_error
from xietong.sandbox.reference import REFERENCE_DATE

NOT_PASSED = ["FILED", "NOT_FILED", "FAILED", "EXPIRED"]


@pytest.fixture
def harness(sqlite_harness: HubHarness) -> HubHarness:
    """The planner does not touch the hub database: SQLite is enough."""
    return sqlite_harness


@pytest.fixture
async def records(harness: HubHarness) -> list[JointRecord]:
    return await every_joint_record(harness.hub.adapters, REFERENCE_DATE)


async def ask(harness: HubHarness, filter_: dict[str, Any], **options: Any) -> dict[str, Any]:
    client = options.pop("client", AUDITOR)
    response = await harness.graphql(client, FILTERED, {"filter": filter_, "first": 500}, **options)
    body: dict[str, Any] = response.json()
    return body


def calls_by_source(harness: HubHarness) -> dict[str, int]:
    return {source.config.name: source.calls for source in harness.hub.sources}


async def test_a_two_department_filter_answers_the_joint_records_that_meet_it(
    harness: HubHarness, records: list[JointRecord]
) -> None:
    filter_ = {"fireAcceptance": NOT_PASSED, "coverageBelow": 1}

    found = await walk(harness, filter_)

    assert found.codes == brute_force(records, filter_)
    assert found.codes  # the seed plants both anomalies together in a few institutions


@pytest.mark.parametrize(
    "filter_",
    [
        {"custody": ["FROZEN"]},
        {"custody": ["NONE"]},
        {"custody": ["NONE", "FROZEN"], "category": "NON_SUBJECT"},
        {"prepaidCapExceeded": True},
        {"prepaidCapExceeded": False, "custody": ["NORMAL"]},
    ],
)
async def test_custody_and_prepaid_cap_filters_answer_what_the_ledger_shows(
    harness: HubHarness, records: list[JointRecord], filter_: dict[str, Any]
) -> None:
    found = await walk(harness, filter_)

    assert found.codes == brute_force(records, filter_)
    assert found.codes  # the seed plants each of them


async def test_an_empty_filter_is_the_plain_list(harness: HubHarness) -> None:
    plain = await harness.graphql(AUDITOR, "{ institutions(first: 500) { totalCount } }")
    empty = await ask(harness, {})
    empty_lists = await ask(harness, {"licenseStatus": [], "fireAcceptance": []})

    total = plain.json()["data"]["institutions"]["totalCount"]
    assert empty["data"]["institutions"]["totalCount"] == total
    assert empty_lists["data"]["institutions"]["totalCount"] == total


async def test_paging_a_filter_walks_each_match_once_with_an_exact_total(
    harness: HubHarness, records: list[JointRecord]
) -> None:
    filter_ = {"category": "NON_SUBJECT", "registrationStatus": ["ACTIVE"]}
    expected = brute_force(records, filter_)

    found = await walk(harness, filter_, first=4)

    assert found.codes == expected
    assert len(set(found.codes)) == len(found.codes)
    assert set(found.totals) == {len(expected)}
    assert found.pages == math.ceil(len(expected) / 4)


@pytest.mark.parametrize(
    ("client", "region"),
    [
        (AUDITOR, "410100"),  # Zhengzhou, from Kaifeng
        (AUDITOR, "410000"),  # the province, from one of its cities
        ("demo-education-district", "410200"),  # the city, from one of its districts
    ],
)
async def test_a_filter_region_outside_the_callers_scope_is_out_of_scope(
    harness: HubHarness, client: str, region: str
) -> None:
    body = await ask(harness, {"region": region, "minComplaints": 1}, client=client)

    assert body["data"] == {"institutions": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "OUT_OF_SCOPE"
    assert error["extensions"]["argument"] == "filter.region"
    assert error["path"] == ["institutions"]


async def test_a_district_filters_within_its_district(
    harness: HubHarness, records: list[JointRecord]
) -> None:
    filter_ = {"registrationStatus": ["ACTIVE"], "region": "410202"}

    found = await walk(
        harness, {"registrationStatus": ["ACTIVE"]}, client="demo-education-district"
    )

    assert found.codes == brute_force(records, filter_)
    assert all(
        r.institution.region == "410202"
        for r in records
        if r.institution.credit_code in found.codes
    )


async def test_the_access_log_lists_the_fields_a_filter_tested(harness: HubHarness) -> None:
    await ask(harness, {"coverageBelow": 1, "hasUncheckedOrFlaggedStaff": True})

    events = await harness.graphql(
        AUDITOR, "{ auditEvents(first: 1) { edges { node { fieldsRead recordKeys } } } }"
    )

    [event] = [edge["node"] for edge in events.json()["data"]["auditEvents"]["edges"]]
    assert {"FundSupervision.coverageRatio", "BackgroundCheck.status"} <= set(event["fieldsRead"])
    assert "Query.institutions" in event["fieldsRead"]


@pytest.mark.parametrize(
    ("client", "filter_", "purpose", "code", "argument"),
    [
        # Market officers may not read funds, so they may not filter on them.
        ("demo-market", {"coverageBelow": 1}, "test", "FORBIDDEN", "filter.coverageBelow"),
        ("demo-fire", {"minComplaints": 1}, "test", "FORBIDDEN", "filter.minComplaints"),
        (
            "demo-market",
            {"hasUncheckedOrFlaggedStaff": True},
            "test",
            "FORBIDDEN",
            "filter.hasUncheckedOrFlaggedStaff",
        ),
        # Background checks are read for a stated purpose only.
        (
            "demo-education",
            {"hasUncheckedOrFlaggedStaff": True},
            None,
            "PURPOSE_REQUIRED",
            "filter.hasUncheckedOrFlaggedStaff",
        ),
    ],
)
async def test_a_filter_on_a_field_the_caller_may_not_read_is_refused(
    harness: HubHarness,
    client: str,
    filter_: dict[str, Any],
    purpose: str | None,
    code: str,
    argument: str,
) -> None:
    before = calls_by_source(harness)

    body = await ask(harness, filter_, client=client, purpose=purpose)

    assert body["data"] == {"institutions": None}
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["argument"]) == (code, argument)
    assert calls_by_source(harness) == before  # refused before any department is asked


@pytest.mark.parametrize(
    ("filter_", "argument"),
    [
        ({"coverageBelow": 0}, "filter.coverageBelow"),
        ({"coverageBelow": -1.5}, "filter.coverageBelow"),
        ({"coverageBelow": 100.5}, "filter.coverageBelow"),
        ({"minComplaints": -1}, "filter.minComplaints"),
    ],
)
async def test_a_value_out_of_range_is_bad_user_input(
    harness: HubHarness, filter_: dict[str, Any], argument: str
) -> None:
    body = await ask(harness, filter_)

    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


async def test_public_security_is_only_asked_about_the_staff_of_candidates_left(
    harness: HubHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    [police] = harness.hub.sources.for_department(Department.PUBLIC_SECURITY)
    assert isinstance(police, HttpSource)
    asked: list[tuple[str, str, Any]] = []
    original = police.request_json

    async def spy(method: str, path: str, **request: Any) -> Any:
        asked.append((method, path, request.get("json")))
        return await original(method, path, **request)

    monkeypatch.setattr(police, "request_json", spy)
    filter_ = {"category": "SUBJECT", "hasUncheckedOrFlaggedStaff": True, "riskAtLeast": "HIGH"}

    found = await walk(harness, filter_)

    monkeypatch.undo()
    records = await every_joint_record(harness.hub.adapters, REFERENCE_DATE)
    assert found.codes == brute_force(records, filter_)
    assert asked
    for method, path, body in asked:
        assert (method, path) == ("POST", "/api/check/batch")
        assert set(body) == {"sfzh"}
        assert all(id_number_error(person) is None for person in body["sfzh"])
    subject_staff = {
        member.id_number
        for record in records
        if record.institution.category is InstitutionCategory.SUBJECT
        and record.institution.region.startswith("4102")
        for member in record.institution.staff
    }
    people = {person for _method, _path, body in asked for person in body["sfzh"]}
    assert people <= subject_staff


async def test_no_department_is_asked_once_no_candidate_is_left(harness: HubHarness) -> None:
    before = calls_by_source(harness)
    filter_ = {
        "supervisor": "FINANCE",  # never a competent department: nobody is left
        "fireAcceptance": NOT_PASSED,
        "coverageBelow": 1,
        "minComplaints": 1,
        "hasUncheckedOrFlaggedStaff": True,
        "riskAtLeast": "MEDIUM",
    }

    body = await ask(harness, filter_)

    assert body["data"]["institutions"]["totalCount"] == 0
    calls = {name: n - before[name] for name, n in calls_by_source(harness).items()}
    assert calls == dict.fromkeys(calls, 0)


@pytest.fixture
async def market_down(
    world: SandboxWorld, migrated_sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[HubHarness]:
    text = world.sources_file.read_text(encoding="utf-8")
    text = re.sub(
        r'(name = "market-registry"(?:.|\n)*?url = )"[^"]+"', r'\1"http://127.0.0.1:9"', text
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(text, encoding="utf-8")
    database = tmp_path / "hub.db"
    shutil.copyfile(migrated_sqlite_template, database)
    broken = replace(world, sources_file=sources)
    async with hub_harness(f"sqlite:///{database}", broken) as opened:
        yield opened


async def test_a_filter_needing_a_department_that_is_down_names_it(
    market_down: HubHarness,
) -> None:
    body = await ask(market_down, {"category": "SUBJECT", "minComplaints": 2})

    assert body["data"] == {"institutions": None}
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "SOURCE_UNAVAILABLE",
        "department": "MARKET_SUPERVISION",
        "source": "market-registry",
    }


async def test_a_signal_filter_is_open_to_every_reader_of_risk_not_to_the_operator(
    harness: HubHarness, records: list[JointRecord]
) -> None:
    """A signal's code is for every role that reads ``risk`` (DESIGN §8), so a market
    officer, who may not read balances or filter on ``coverageBelow``, may find the
    institutions raising FUND_SHORTFALL: the same as ``risk { signals { code } }``
    shows them. The hub operator reads no department data, signals included."""
    filter_ = {"riskSignals": ["FUND_SHORTFALL"]}

    found = await walk(harness, filter_, client="demo-market")
    refused = await ask(harness, filter_, client="demo-admin")

    assert found.codes == brute_force(records, filter_)
    assert found.codes, "the seed raises a shortfall"
    assert refused["data"] is None or refused["data"]["institutions"] is None
    assert {error["extensions"]["code"] for error in refused["errors"]} == {"FORBIDDEN"}
