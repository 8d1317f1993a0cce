"""The hub as a federation subgraph (``XIETONG_FEDERATION_NAME``): what it publishes
to a gateway, and that its city field and its entity lookups answer under the same
policy, purpose rule, row scope and access log as its own root fields."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.auth.policy import Effect, load_policy
from xietong.kernel.settings import SHIPPED_POLICY
from xietong.kernel.store import AuditEvent
from xietong.schema.compat import graphql_schema_of
from xietong.schema.federation import subgraph_sdl
from xietong.schema.root import apply_policy, build_schema

ENTITIES = """query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Institution { creditCode name region staff { idNumber } }
    ... on Person { personName: name employments { institution { creditCode } } }
  }
}"""
PAGE = "edges { node { creditCode name region staff { idNumber } } }"


@pytest.fixture
async def kaifeng(
    prepared_sqlite_template: Path, tmp_path: Path, world: SandboxWorld
) -> AsyncIterator[HubHarness]:
    database = tmp_path / "hub.db"
    shutil.copyfile(prepared_sqlite_template, database)
    env = {"XIETONG_FEDERATION_NAME": "kaifeng"}
    async with hub_harness(
        f"sqlite:///{database}", world, env=env, register_clients=False
    ) as harness:
        yield harness


async def events(harness: HubHarness) -> int:
    async with harness.hub.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


async def last_event(harness: HubHarness) -> AuditEvent:
    async with harness.hub.sessions() as session:
        event = await session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert event is not None
    return event


async def codes(harness: HubHarness, client: str) -> dict[str, str]:
    """Credit code → region of the first institutions ``client`` sees."""
    response = await harness.graphql(
        client, "{ institutions(first: 200) { edges { node { creditCode region } } } }"
    )
    edges = response.json()["data"]["institutions"]["edges"]
    return {edge["node"]["creditCode"]: edge["node"]["region"] for edge in edges}


def data_of(response: Any) -> Any:
    body = response.json()
    assert response.status_code == 200, body
    return body


def test_the_subgraph_fields_take_the_policy_of_the_root_fields_they_stand_for() -> None:
    policy = load_policy(SHIPPED_POLICY)
    plain = apply_policy(build_schema(), policy)
    subgraph = apply_policy(build_schema(federation_name="kaifeng"), policy)
    roles = sorted(policy.roles)
    root_fields = [c.removeprefix("Query.") for c in plain.coordinates if c.startswith("Query.")]

    for role in roles:
        for field in root_fields:
            expected = plain.grant_for_role(role, f"Query.{field}")
            assert subgraph.grant_for_role(role, f"CityHub.{field}") == expected, (role, field)
        assert subgraph.grant_for_role(role, "Query.kaifeng").effect is Effect.ALLOW
        assert subgraph.grant_for_role(role, "Query._service").effect is Effect.ALLOW
    may_look_up = {
        role
        for role in roles
        if plain.grant_for_role(role, "Query.institution").effect is not Effect.DENY
        and plain.grant_for_role(role, "Query.person").effect is not Effect.DENY
    }
    entity_lookups = {
        role
        for role in roles
        if subgraph.grant_for_role(role, "Query._entities").effect is not Effect.DENY
    }
    assert entity_lookups == may_look_up == {"education.supervisor", "police.officer", "auditor"}
    assert subgraph.grant_for_role("auditor", "Query._entities").purpose_required


async def test_the_subgraph_publishes_one_root_field_shareable_types_and_keyed_entities(
    kaifeng: HubHarness,
) -> None:
    body = data_of(await kaifeng.graphql("demo-market", "{ _service { sdl } }"))
    sdl = body["data"]["_service"]["sdl"]

    assert sdl == subgraph_sdl(
        graphql_schema_of(build_schema(federation_name="kaifeng")), "kaifeng"
    )
    query = sdl[sdl.index("type Query {") :].split("}", 1)[0]
    assert "kaifeng: CityHub" in query
    assert "institutions" not in query
    assert "type Mutation" not in sdl
    assert 'type Institution @key(fields: "creditCode") @shareable' in sdl
    assert 'type Person @key(fields: "idNumber") @shareable' in sdl
    assert "type CityHub @shareable" in sdl


async def test_the_city_field_answers_as_the_hubs_own_root_fields_with_the_same_masks(
    kaifeng: HubHarness,
) -> None:
    own = data_of(
        await kaifeng.graphql("demo-market", f"{{ institutions(first: 5) {{ {PAGE} }} }}")
    )
    under_city = data_of(
        await kaifeng.graphql(
            "demo-market", f"{{ kaifeng {{ institutions(first: 5) {{ {PAGE} }} }} }}"
        )
    )

    assert under_city["data"]["kaifeng"] == own["data"]
    staff = under_city["data"]["kaifeng"]["institutions"]["edges"][0]["node"]["staff"]
    assert "*" in staff[0]["idNumber"]  # market supervision sees ID numbers masked
    event = await last_event(kaifeng)
    assert "CityHub.institutions" in event.fields_read
    assert "StaffMember.idNumber" in event.fields_masked


async def test_an_auditor_needs_a_purpose_under_the_city_field_too(kaifeng: HubHarness) -> None:
    body = data_of(
        await kaifeng.graphql(
            "demo-auditor", "{ kaifeng { institutions(first: 1) { totalCount } } }", purpose=None
        )
    )
    assert body["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"


async def test_an_entity_lookup_keeps_the_row_scope_and_logs_one_event(
    kaifeng: HubHarness,
) -> None:
    seen = await codes(kaifeng, "demo-education")
    inside = next(code for code, region in seen.items() if region == "410202")
    outside = next(code for code, region in seen.items() if region != "410202")
    before = await events(kaifeng)

    body = data_of(
        await kaifeng.graphql(
            "demo-education-district",
            ENTITIES,
            {
                "representations": [
                    {"__typename": "Institution", "creditCode": inside},
                    {"__typename": "Institution", "creditCode": outside},
                ]
            },
        )
    )

    assert body["data"]["_entities"][0]["creditCode"] == inside
    assert body["data"]["_entities"][1] is None
    (error,) = body["errors"]
    assert error["path"] == ["_entities", 1]
    assert error["extensions"]["code"] == "OUT_OF_SCOPE"
    assert await events(kaifeng) == before + 1
    event = await last_event(kaifeng)
    assert {f"asked:{inside}", f"asked:{outside}", f"returned:{inside}"} <= set(event.record_keys)
    assert "Query._entities" in event.fields_read
    assert event.outcome == "PARTIAL"


async def test_entity_lookups_are_refused_to_roles_that_may_not_look_up_people(
    kaifeng: HubHarness,
) -> None:
    code = next(iter(await codes(kaifeng, "demo-education")))
    representations = {"representations": [{"__typename": "Institution", "creditCode": code}]}

    market = data_of(await kaifeng.graphql("demo-market", ENTITIES, representations))
    auditor = data_of(
        await kaifeng.graphql("demo-auditor", ENTITIES, representations, purpose=None)
    )

    assert market["data"]["_entities"] is None
    assert market["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert auditor["errors"][0]["extensions"]["code"] == "PURPOSE_REQUIRED"


async def test_a_person_is_an_entity_by_id_number_and_a_bad_key_an_error_at_its_index(
    kaifeng: HubHarness,
) -> None:
    roster = data_of(
        await kaifeng.graphql(
            "demo-police", "{ institutions(first: 1) { edges { node { staff { idNumber } } } } }"
        )
    )
    id_number = roster["data"]["institutions"]["edges"][0]["node"]["staff"][0]["idNumber"]

    body = data_of(
        await kaifeng.graphql(
            "demo-police",
            ENTITIES,
            {
                "representations": [
                    {"__typename": "Person", "idNumber": id_number},
                    {"__typename": "Institution", "creditCode": "91310110666007217X"},
                    {"__typename": "Course", "id": "1"},
                ]
            },
        )
    )

    assert body["data"]["_entities"][0]["employments"]
    assert [error["path"] for error in body["errors"]] == [["_entities", 1], ["_entities", 2]]
    assert {error["extensions"]["code"] for error in body["errors"]} == {"BAD_USER_INPUT"}
