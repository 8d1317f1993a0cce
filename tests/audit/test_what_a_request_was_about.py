"""The access log says which records a request asked for and which it returned,
whatever the document's shape; ID numbers only as keyed pseudonyms; fields read
only when answered with a value (DESIGN §8)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from tests.support.harness import HubHarness
from xietong.kernel.canonical import sha256_hex
from xietong.kernel.store import AuditEvent

ROSTER = "{ institutions(first: 1) { edges { node { creditCode staff { idNumber } } } } }"


async def last_event(harness: HubHarness) -> AuditEvent:
    async with harness.hub.sessions() as session:
        event = await session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert event is not None
    return event


async def a_person(harness: HubHarness) -> tuple[str, str]:
    response = await harness.graphql("demo-education", ROSTER)
    node = response.json()["data"]["institutions"]["edges"][0]["node"]
    return node["creditCode"], node["staff"][0]["idNumber"]


async def found_by(harness: HubHarness, key: str) -> list[dict[str, Any]]:
    response = await harness.graphql(
        "demo-auditor",
        """query F($key: String) { auditEvents(filter: {recordKey: $key}, first: 50) {
           edges { node { seq clientId operationName recordKeys } } } }""",
        {"key": key},
        purpose="audit",
    )
    return [edge["node"] for edge in response.json()["data"]["auditEvents"]["edges"]]


async def test_a_person_looked_up_by_id_number_is_logged_asked_and_returned(
    harness: HubHarness,
) -> None:
    _, id_number = await a_person(harness)

    await harness.graphql(
        "demo-education",
        "query Who($id: IdNumber!) { person(idNumber: $id) { name } }",
        {"id": id_number},
    )

    event = await last_event(harness)
    tags = {key.split(":", 1)[0] for key in event.record_keys}
    assert tags == {"asked", "returned"}
    stored = json.dumps([event.record_keys, event.variables], ensure_ascii=False)
    assert id_number not in stored
    assert sha256_hex(id_number) not in stored
    found = await found_by(harness, id_number)
    assert found[0]["operationName"] == "Who"  # newest first
    assert len(found) == 2  # and the roster that returned the number


async def test_aliases_and_unselected_keys_hide_no_institution(harness: HubHarness) -> None:
    code, _ = await a_person(harness)

    await harness.graphql(
        "demo-market", f'{{ i: institution(creditCode: "{code}") {{ n: name }} }}'
    )
    by_lookup = await last_event(harness)
    await harness.graphql(
        "demo-market", "{ institutions(first: 3) { edges { node { cc: creditCode } } } }"
    )
    by_alias = await last_event(harness)
    await harness.graphql(
        "demo-market", "{ institutions(first: 3) { totalCount edges { node { name } } } }"
    )
    unselected = await last_event(harness)

    assert {f"asked:{code}", f"returned:{code}"} <= set(by_lookup.record_keys)
    assert len([k for k in by_alias.record_keys if k.startswith("returned:")]) == 3
    assert len([k for k in unselected.record_keys if k.startswith("returned:")]) == 3
    assert by_alias.record_keys == unselected.record_keys
    assert [e["seq"] for e in await found_by(harness, code)][:1] == [
        unselected.seq
    ] or code not in {k.split(":", 1)[1] for k in unselected.record_keys}


async def test_fields_read_are_only_those_answered_with_a_value(harness: HubHarness) -> None:
    code, _ = await a_person(harness)

    await harness.graphql(
        "demo-market",
        f"""{{ institution(creditCode: "{code}") {{
            name
            license @skip(if: true) {{ number }}
            courses @include(if: false) {{ name }}
            funds {{ balance }}
        }} }}""",
    )

    event = await last_event(harness)
    assert "Institution.name" in event.fields_read
    assert "Institution.license" not in event.fields_read
    assert "SchoolLicense.number" not in event.fields_read
    assert "Course.name" not in event.fields_read
    assert "FundSupervision.balance" not in event.fields_read
    assert "Institution.funds" in event.fields_denied


async def test_an_out_of_scope_lookup_lists_what_was_refused(harness: HubHarness) -> None:
    outside = await harness.graphql(
        "demo-education", "{ institutions(first: 500) { edges { node { creditCode region } } } }"
    )
    codes = [
        e["node"]["creditCode"]
        for e in outside.json()["data"]["institutions"]["edges"]
        if not e["node"]["region"].startswith("410202")
    ]

    response = await harness.graphql(
        "demo-education-district", f'{{ institution(creditCode: "{codes[0]}") {{ name }} }}'
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"
    event = await last_event(harness)
    assert "Query.institution" in event.fields_denied
    assert event.fields_read == []
    assert f"asked:{codes[0]}" in event.record_keys
    assert not [k for k in event.record_keys if k.startswith("returned:")]
