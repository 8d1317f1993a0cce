"""The joint record through GraphQL: batched, scoped, and partial when a department fails."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.adapters.config import load_sources
from xietong.adapters.departments import build_adapters
from xietong.adapters.sources.registry import SourceRegistry
from xietong.cases import facts
from xietong.domain.departments import Department
from xietong.domain.scope import Scope
from xietong.kernel.db import lookup
from xietong.resolvers.loaders import Loaders
from xietong.sandbox.layout import sandbox_files

EVERY_SECTION = """
query Page($first: Int!, $after: String) {
  institutions(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      creditCode name region
      license { status } courses { name } inspections { result }
      staff { idNumber backgroundCheck { status } }
      registration { status } complaints { filedOn }
      fireSafety { acceptance } funds { coverageRatio }
      risk { level signals { code } unavailable }
    } }
  }
}
"""


async def test_a_page_reads_the_hubs_own_cases_once(
    harness: HubHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inspections, notices and risk of a page (or of one institution) all take what the
    hub's store holds from one read beside the departments', not one read each."""
    reads = 0

    def counting(*arguments: Any) -> Any:
        nonlocal reads
        reads += 1
        return lookup(*arguments)

    monkeypatch.setattr(facts, "lookup", counting)
    selection = "creditCode inspections { result } rectificationNotices { status } risk { level }"
    page = await harness.graphql(
        "demo-education", f"{{ institutions(first: 20) {{ edges {{ node {{ {selection} }} }} }} }}"
    )
    assert "errors" not in page.json()
    assert reads == 1
    code = page.json()["data"]["institutions"]["edges"][0]["node"]["creditCode"]
    one = await harness.graphql(
        "demo-education",
        f"query ($c: CreditCode!) {{ institution(creditCode: $c) {{ {selection} }} }}",
        {"c": code},
    )
    assert (
        one.json()["data"]["institution"] == page.json()["data"]["institutions"]["edges"][0]["node"]
    )
    assert reads == 2


def native_regions(world: SandboxWorld) -> dict[str, str]:
    """Credit code → region, straight from the education bureau's own database."""
    with sqlite3.connect(sandbox_files(world.data_dir).education) as connection:
        return dict(connection.execute("SELECT tyshxydm, xzqh FROM jg_jbxx"))


async def test_a_page_with_every_section_costs_one_call_per_source(harness: HubHarness) -> None:
    before = {source.config.name: source.calls for source in harness.hub.sources}

    response = await harness.graphql("demo-education", EVERY_SECTION, {"first": 100})

    body = response.json()
    assert "errors" not in body
    assert len(body["data"]["institutions"]["edges"]) == 100
    calls = {s.config.name: s.calls - before[s.config.name] for s in harness.hub.sources}
    assert calls == dict.fromkeys(calls, 1)
    assert len(calls) == 6


async def test_funds_read_alone_or_with_their_orders_give_the_same_figures(
    harness: HubHarness,
) -> None:
    """Without orders or refunds selected, the banks are asked for the accounts alone."""
    figures = "bank balance outstandingPrepaid releasedTotal refundedTotal coverageRatio"
    answers = []
    for ledger in ("", "orders(first: 1) { totalCount } refunds(first: 1) { totalCount }"):
        node = f"creditCode funds {{ {figures} {ledger} }}"
        query = f"{{ institutions(first: 100) {{ edges {{ node {{ {node} }} }} }} }}"
        body = (await harness.graphql("demo-education", query)).json()
        assert "errors" not in body, body["errors"][:2]
        answers.append(
            {
                e["node"]["creditCode"]: e["node"]["funds"]
                for e in body["data"]["institutions"]["edges"]
            }
        )
    alone, with_ledger = answers
    assert sum(funds is not None for funds in alone.values()) > 50
    assert any(funds and funds["orders"]["totalCount"] for funds in with_ledger.values())
    assert alone == {
        code: funds and {name: funds[name] for name in figures.split()}
        for code, funds in with_ledger.items()
    }


async def test_paging_walks_every_institution_in_scope_once(
    harness: HubHarness, world: SandboxWorld
) -> None:
    seen: list[str] = []
    after = None
    while True:
        body = (
            await harness.graphql("demo-education", EVERY_SECTION, {"first": 25, "after": after})
        ).json()
        connection = body["data"]["institutions"]
        seen += [edge["node"]["creditCode"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    in_city = sorted(code for code, region in native_regions(world).items() if region[:4] == "4102")
    assert seen == in_city
    assert connection["totalCount"] == len(in_city)


async def test_a_district_sees_only_its_district_in_lists_counts_and_lookups(
    harness: HubHarness, world: SandboxWorld
) -> None:
    regions = native_regions(world)
    district = sorted(code for code, region in regions.items() if region == "410202")
    elsewhere = next(code for code, region in sorted(regions.items()) if region == "410203")

    page = await harness.graphql("demo-education-district", EVERY_SECTION, {"first": 500})
    lookup = await harness.graphql(
        "demo-education-district",
        "query ($c: CreditCode!) { institution(creditCode: $c) { name } }",
        {"c": elsewhere},
    )

    connection = page.json()["data"]["institutions"]
    assert [edge["node"]["creditCode"] for edge in connection["edges"]] == district
    assert connection["totalCount"] == len(district)
    assert lookup.json()["data"] == {"institution": None}
    [error] = lookup.json()["errors"]
    assert error["extensions"]["code"] == "OUT_OF_SCOPE"
    assert error["path"] == ["institution"]


async def test_a_person_is_found_only_where_the_principal_sees_them_work(
    harness: HubHarness, world: SandboxWorld
) -> None:
    with sqlite3.connect(sandbox_files(world.data_dir).education) as connection:
        id_number, credit_code = connection.execute(
            "SELECT jzg.sfzh, jzg.tyshxydm FROM jzg JOIN jg_jbxx USING (tyshxydm)"
            " WHERE jg_jbxx.xzqh = '410203' ORDER BY jzg.sfzh LIMIT 1"
        ).fetchone()
    query = """query ($p: IdNumber!) {
      person(idNumber: $p) { employments { institution { creditCode } } }
    }"""

    city = await harness.graphql("demo-education", query, {"p": id_number})
    district = await harness.graphql("demo-education-district", query, {"p": id_number})

    places = city.json()["data"]["person"]["employments"]
    assert {"institution": {"creditCode": credit_code}} in places
    assert district.json()["data"] == {"person": None}
    assert district.json()["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"


async def test_zhengzhou_is_outside_kaifeng_scope(harness: HubHarness, world: SandboxWorld) -> None:
    outside = next(
        code for code, region in sorted(native_regions(world).items()) if region[:4] == "4101"
    )

    lookup = await harness.graphql(
        "demo-education",
        "query ($c: CreditCode!) { institution(creditCode: $c) { name } }",
        {"c": outside},
    )
    operators = await harness.graphql(
        "demo-education", '{ unlicensedOperators(region: "410100") { totalCount } }'
    )

    assert lookup.json()["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"
    assert operators.json()["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"


async def test_an_unknown_institution_is_null_without_error(harness: HubHarness) -> None:
    response = await harness.graphql(
        "demo-education", '{ institution(creditCode: "91310110666007217T") { name } }'
    )

    assert response.json() == {"data": {"institution": None}}


async def test_unlicensed_operators_hold_no_education_licence(
    harness: HubHarness, world: SandboxWorld
) -> None:
    response = await harness.graphql(
        "demo-market",
        """{ unlicensedOperators(first: 500) {
            totalCount edges { node { creditCode businessScope } } } }""",
    )

    connection = response.json()["data"]["unlicensedOperators"]
    codes = [edge["node"]["creditCode"] for edge in connection["edges"]]
    licensed = native_regions(world)
    assert codes
    assert connection["totalCount"] == len(codes)
    assert not set(codes) & set(licensed)
    assert all(re.search("培训|教育咨询", e["node"]["businessScope"]) for e in connection["edges"])


@pytest.fixture
def broken_world(tmp_path: Path, world: SandboxWorld) -> SandboxWorld:
    """``world`` with the market registry down and the fire database gone."""
    text = world.sources_file.read_text(encoding="utf-8")
    text = re.sub(
        r'(name = "market-registry"(?:.|\n)*?url = )"[^"]+"', r'\1"http://127.0.0.1:9"', text
    )
    text = text.replace(str(sandbox_files(world.data_dir).fire), str(tmp_path / "gone.db"))
    sources = tmp_path / "sources.toml"
    sources.write_text(text, encoding="utf-8")
    return replace(world, sources_file=sources)


@pytest.fixture
async def broken_harness(
    hub_database_url: str, broken_world: SandboxWorld
) -> AsyncIterator[HubHarness]:
    async with hub_harness(hub_database_url, broken_world) as opened:
        yield opened


async def test_a_department_that_is_down_costs_only_its_own_fields(
    broken_harness: HubHarness,
) -> None:
    response = await broken_harness.graphql("demo-education", EVERY_SECTION, {"first": 3})

    body = response.json()
    nodes = [edge["node"] for edge in body["data"]["institutions"]["edges"]]
    assert len(nodes) == 3
    for node in nodes:
        assert node["registration"] is None
        assert node["complaints"] is None
        assert node["fireSafety"] is None
        assert node["license"] is not None
        assert node["funds"] is not None
        assert sorted(node["risk"]["unavailable"]) == ["FIRE_SAFETY", "MARKET_SUPERVISION"]
    failures: dict[str, Any] = {error["path"][-1]: error["extensions"] for error in body["errors"]}
    assert failures["registration"] == {
        "code": "SOURCE_UNAVAILABLE",
        "department": "MARKET_SUPERVISION",
        "source": "market-registry",
    }
    assert failures["fireSafety"]["department"] == "FIRE_SAFETY"
    assert failures["fireSafety"]["source"] == "fire-records"
    assert {error["extensions"]["code"] for error in body["errors"]} == {"SOURCE_UNAVAILABLE"}


async def test_sources_and_readiness_name_the_department_that_is_down(
    broken_harness: HubHarness,
) -> None:
    await broken_harness.graphql("demo-education", EVERY_SECTION, {"first": 1})

    sources = await broken_harness.graphql(
        "demo-fire", "{ sources { name department healthy latencyMs lastError } }"
    )
    ready = await broken_harness.http.get("/readyz")

    by_name = {s["name"]: s for s in sources.json()["data"]["sources"]}
    assert by_name["market-registry"]["healthy"] is False
    assert by_name["market-registry"]["lastError"]
    assert by_name["fire-records"]["healthy"] is False
    assert by_name["education-platform"]["healthy"] is True
    assert by_name["education-platform"]["latencyMs"] > 0
    assert ready.status_code == 200  # the hub still answers, without those departments
    unavailable = {
        name for name, state in ready.json()["sources"].items() if state["status"] != "ok"
    }
    assert unavailable == {"market-registry", "fire-records"}


SAME_INSTITUTION_TWICE = """
query ($code: CreditCode!) {
  institution(creditCode: $code) { funds { bank } fireSafety { acceptance } }
  page: institutions(first: 4) {
    edges { node { creditCode funds { bank } fireSafety { acceptance } inspections { result } } }
  }
}
"""


async def test_a_field_that_fails_beside_a_shared_answer_costs_only_its_own_path(
    sqlite_harness: HubHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's first institution is also the root field's: both wait for the same
    department answers. When the hub's own store fails under the page (inspections,
    which may not be null, so graphql-core gives up the rest of that node), the root
    field still gets its answers: before, it got a CancelledError and the request
    failed as a whole."""
    first = await sqlite_harness.graphql(
        "demo-education", "{ institutions(first: 1) { edges { node { creditCode } } } }"
    )
    code = first.json()["data"]["institutions"]["edges"][0]["node"]["creditCode"]

    async def store_down(*_: Any) -> Any:
        raise RuntimeError("the hub store is down")

    monkeypatch.setattr(facts, "hub_cases", store_down)
    monkeypatch.setattr(facts, "hub_inspections", store_down)
    response = await sqlite_harness.graphql(
        "demo-education", SAME_INSTITUTION_TWICE, {"code": code}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["data"]["institution"]["funds"] is not None
    assert body["data"]["institution"]["fireSafety"] is not None
    failed = {tuple(error["path"]) for error in body["errors"]}
    assert ("page", "edges", 0, "node", "inspections") in failed
    assert {error["extensions"]["code"] for error in body["errors"]} == {"INTERNAL"}


async def test_an_account_read_with_its_ledger_is_the_one_read_alone_after(
    sqlite_harness: HubHarness, world: SandboxWorld
) -> None:
    """Within one request an account reads the same whatever asks: a review's snapshot
    reads it with its ledger, the institution shown beside it without (banks not
    cached, so that only the request's loaders can make them agree)."""
    hub = sqlite_harness.hub
    sources = SourceRegistry.open(
        [replace(config, cache_ttl=0) for config in load_sources(world.sources_file)]
    )
    try:
        adapters = build_adapters(sources)
        page, _ = await adapters.education.page("4102", None, 50)
        codes = [record.credit_code for record in page]

        def loaders() -> Loaders:
            return Loaders(adapters, hub.sessions, hub.lookup_engine, Scope("410200"))

        def bank_calls() -> int:
            return sum(s.calls for s in sources if s.config.department is Department.FINANCE)

        request = loaders()
        with_ledger = await request.funds.load_many(codes)
        asked = bank_calls()
        alone = await request.custody_accounts.load_many(codes)
        asked_again = bank_calls()
        elsewhere = await loaders().custody_accounts.load_many(codes)
        asked_elsewhere = bank_calls()
    finally:
        await sources.close()

    assert any(account is not None and account.orders for account in with_ledger)
    assert all(a is b for a, b in zip(alone, with_ledger, strict=True))
    assert asked_again == asked
    # Another request asks the banks, for the accounts alone.
    assert asked_elsewhere > asked
    assert not any(account is not None and account.orders for account in elsewhere)
    assert [a and a.balance for a in elsewhere] == [a and a.balance for a in with_ledger]
