"""Every field and every enum value of the schema says what it is, and every enum value
has a Chinese label a client can show (``labels``), as clients' tooling reads them."""

from __future__ import annotations

import re

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

from tests.support.harness import HubHarness
from xietong.domain.records import RectificationStatus
from xietong.schema.compat import graphql_schema_of
from xietong.schema.enums import REGISTERED
from xietong.schema.labels import GLOSSARY, label_of
from xietong.schema.root import build_schema

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("federation_name", [None, "kaifeng"], ids=["hub", "subgraph"])
def test_every_field_and_input_field_has_a_description(federation_name: str | None) -> None:
    schema = graphql_schema_of(build_schema(federation_name=federation_name))

    undescribed = [
        f"{name}.{field_name}"
        for name, type_ in schema.type_map.items()
        if not name.startswith("__")
        and isinstance(type_, GraphQLObjectType | GraphQLInputObjectType)
        for field_name, field in type_.fields.items()
        if not (field.description or "").strip()
    ]

    assert undescribed == [], "add description= to these fields"


def test_every_enum_value_has_a_description() -> None:
    schema = graphql_schema_of(build_schema())

    undescribed = [
        f"{name}.{value_name}"
        for name, type_ in schema.type_map.items()
        if not name.startswith("__") and isinstance(type_, GraphQLEnumType)
        for value_name, value in type_.values.items()
        if not (value.description or "").strip()
    ]

    assert undescribed == [], "add these values to schema/labels.py's GLOSSARY"


def test_every_enum_value_of_the_schema_has_a_chinese_label() -> None:
    schema = graphql_schema_of(build_schema())
    enums = {
        name: type_
        for name, type_ in schema.type_map.items()
        if not name.startswith("__") and isinstance(type_, GraphQLEnumType)
    }
    registered = {enum.__name__: enum for enum in REGISTERED}

    assert sorted(enums) == sorted(registered), "register every enum with schema.enums.register"
    unlabelled = [
        f"{name}.{value}"
        for name, type_ in enums.items()
        for value in type_.values
        if not CHINESE.search(GLOSSARY.get(registered[name], {}).get(value, ("", ""))[0])
    ]
    assert unlabelled == [], "add a Chinese label to schema/labels.py's GLOSSARY"
    stale = [
        f"{enum.__name__}.{name}"
        for enum, terms in GLOSSARY.items()
        for name in terms
        if name not in enum.__members__
    ]
    assert stale == [], "glossary entries for values that no longer exist"


def test_a_value_shows_its_label() -> None:
    assert label_of(RectificationStatus.OPEN) == "整改中"


async def test_a_client_reads_the_labels_of_an_enum_or_of_all(sqlite_harness: HubHarness) -> None:
    one = await sqlite_harness.graphql(
        "demo-market",
        '{ labels(enum: "RectificationStatus") { enum values { code label description } } }',
        purpose=None,
    )
    every = await sqlite_harness.graphql("demo-admin", "{ labels { enum values { code } } }")

    assert one.json()["data"]["labels"] == [
        {
            "enum": "RectificationStatus",
            "values": [
                {"code": "OPEN", "label": "整改中", "description": "Not yet rectified."},
                {"code": "CLOSED", "label": "已整改", "description": "Rectified."},
            ],
        }
    ]
    listed = {entry["enum"] for entry in every.json()["data"]["labels"]}
    assert {"ReviewStatus", "RiskCode", "AuditOutcome", "Department"} <= listed


async def test_an_unknown_enum_is_bad_user_input_naming_the_argument(
    sqlite_harness: HubHarness,
) -> None:
    body = (
        await sqlite_harness.graphql("demo-education", '{ labels(enum: "Nope") { enum } }')
    ).json()

    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "enum" in error["message"]
