"""The hub as an Apollo Federation 2 subgraph (``XIETONG_FEDERATION_NAME``).

Federation routes by *field*, not by key value: two city hubs publishing the same
``Query.institutions`` would be one shareable field, and the gateway would ask
only one of them. So a subgraph hub publishes one root field named for itself,

    type Query { kaifeng: CityHub }          # zhengzhou: CityHub on the other hub

whose fields are the hub's own root queries, and marks every object type
``@shareable`` (they are the same types on every hub). A province's gateway then
asks ``{ kaifeng { institutions {…} } zhengzhou { institutions {…} } }`` and the
query planner sends each part to the hub that owns its root field.
``Institution @key(fields: "creditCode")`` and ``Person @key(fields: "idNumber")``
are entities, looked up through ``_entities`` by the same loaders as
``institution(creditCode:)`` and ``person(idNumber:)``: the same row scope,
policy (``subgraph_policy``), purpose rule and access-log event.

The published SDL (``_service { sdl }``, ``xietong schema``) has only that root
field, no mutations: a province reads; its cities' hubs write. The hub still
answers its ordinary root fields at ``/graphql`` for its own clients.

Why not ``strawberry.federation.Schema``: its ``@key``/``@shareable`` are schema
directives on the shared type definitions, so they would appear in (and the plain
``strawberry.Schema`` warns about them in) the hub's own schema too; and its
``_service`` prints the whole schema, the hub's root fields included, which is the
field clash above. The SDL is therefore printed here, from the schema strawberry
built, with the directives added to the printed document.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Annotated, Any, NewType, Optional

import strawberry
from graphql import (
    ConstArgumentNode,
    ConstDirectiveNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    NameNode,
    ObjectTypeDefinitionNode,
    StringValueNode,
    parse,
    print_ast,
    print_schema,
)
from strawberry.types.scalar import ScalarDefinition

from xietong.auth.policy import Policy, Rule
from xietong.kernel.identifiers import credit_code_error, id_number_error
from xietong.resolvers import joint_record
from xietong.resolvers.context import HubInfo
from xietong.schema.compat import graphql_schema_of
from xietong.schema.education import Institution, Person, person_of
from xietong.schema.mapping import from_record
from xietong.schema.scalars import InvalidScalarError

FEDERATION_SPEC = "https://specs.apollo.dev/federation/v2.3"
CITY_HUB = "CityHub"
ENTITY_KEYS = {"Institution": "creditCode", "Person": "idNumber"}
ENTITY_LOOKUPS = {"Institution": "Query.institution", "Person": "Query.person"}
"""An entity fetch is a lookup by key: it may do what that root lookup may."""

Representation = NewType("Representation", object)
FEDERATION_SCALARS: dict[object, ScalarDefinition] = {
    Representation: strawberry.scalar(
        name="_Any",
        description="An entity's representation from the gateway: "
        '{"__typename": "Institution", "creditCode": "..."}.',
        serialize=lambda value: value,
        parse_value=lambda value: value,
    )
}


@strawberry.type(name="_Service", description="This subgraph, as a federation gateway sees it.")
class Service:
    sdl: str = strawberry.field(description="The subgraph schema (SDL) with its directives.")


Entity = Annotated[
    Institution | Person,
    strawberry.union("_Entity", description="The entities a gateway may look up by key."),
]


async def _entity(info: HubInfo, representation: object) -> Institution | Person | None:
    if not isinstance(representation, Mapping):
        raise InvalidScalarError("a representation is an object with __typename and its key")
    typename = representation.get("__typename")
    if typename == "Institution":
        code = _key(representation, "creditCode", credit_code_error)
        found = await joint_record.institution(info.context, code)
        return from_record(Institution, found) if found else None
    if typename == "Person":
        number = _key(representation, "idNumber", id_number_error)
        return person_of(number, await joint_record.employments(info.context, number))
    raise InvalidScalarError(f"{str(typename)[:40]!r} is not an entity of this hub")


def _key(
    representation: Mapping[str, object], name: str, error_of: Callable[[str], str | None]
) -> str:
    value = representation.get(name)
    reason = error_of(value) if isinstance(value, str) else "not a string"
    if reason:
        raise InvalidScalarError(f"the representation's {name} {str(value)[:40]!r}: {reason}")
    assert isinstance(value, str)
    return value


async def _entities(
    info: HubInfo,
    representations: Annotated[
        list[Representation],
        strawberry.argument(description="What the gateway knows of each entity: type and key."),
    ],
) -> list[Entity | None] | None:
    # A failed lookup is an error at its index, the others still answer.
    found = await asyncio.gather(
        *(_entity(info, item) for item in representations), return_exceptions=True
    )
    return list(found)  # type: ignore[arg-type]


def federated_query(query: type, name: str) -> type:
    """``query`` with the subgraph's fields: ``name: CityHub``, ``_service`` and
    ``_entities``."""
    city_hub = strawberry.type(
        type(CITY_HUB, (query,), {}),
        name=CITY_HUB,
        description="One city's (or province's) hub: its root queries, under the field named "
        "for it, so that a federation gateway asks each hub for its own part.",
    )

    def city(info: HubInfo) -> Any:
        return city_hub()

    def service(info: HubInfo) -> Service:
        return Service(sdl=subgraph_sdl(graphql_schema_of(info.schema), name))

    namespace = {
        "federation_city": strawberry.field(
            name=name,
            resolver=city,
            graphql_type=Optional[city_hub],  # noqa: UP045 (a runtime type, not an annotation)
            description=f"This hub's root queries (the hub {name}).",
        ),
        "federation_service": strawberry.field(
            name="_service", resolver=service, description="The subgraph's SDL, for a gateway."
        ),
        "federation_entities": strawberry.field(
            name="_entities",
            resolver=_entities,
            description="Institutions and people by key, under this hub's policy and scope.",
        ),
    }
    return strawberry.type(type("Query", (query,), namespace), name="Query")


@lru_cache(maxsize=8)
def subgraph_sdl(schema: GraphQLSchema, name: str) -> str:
    """The SDL a gateway composes: ``Query { <name>: CityHub }``, the types it
    reaches marked ``@shareable``, entities with their ``@key``."""
    query = GraphQLObjectType("Query", {name: schema.query_type.fields[name]})  # type: ignore[union-attr]
    published = GraphQLSchema(query=query)
    document = parse(print_schema(published))
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode) and definition.name.value != "Query":
            directives: list[ConstDirectiveNode] = [_directive("shareable")]
            key = ENTITY_KEYS.get(definition.name.value)
            if key is not None:
                directives.insert(0, _directive("key", fields=key))
            definition = ObjectTypeDefinitionNode(
                name=definition.name,
                description=definition.description,
                interfaces=definition.interfaces,
                directives=(*(definition.directives or ()), *directives),
                fields=definition.fields,
            )
        definitions.append(print_ast(definition))
    link = f'extend schema @link(url: "{FEDERATION_SPEC}", import: ["@key", "@shareable"])'
    return "\n\n".join([link, *definitions]) + "\n"


def _directive(name: str, **arguments: str) -> ConstDirectiveNode:
    return ConstDirectiveNode(
        name=NameNode(value=name),
        arguments=tuple(
            ConstArgumentNode(name=NameNode(value=key), value=StringValueNode(value=value))
            for key, value in arguments.items()
        ),
    )


def is_subgraph(schema: GraphQLSchema) -> bool:
    return CITY_HUB in schema.type_map


def subgraph_policy(policy: Policy, schema: GraphQLSchema) -> Policy:
    """``policy`` extended to the subgraph's fields, without a line in the file:
    ``CityHub.x`` as ``Query.x``; the city field and ``_service`` for every role
    (they read nothing of a department); ``_entities`` for the roles that may make
    every lookup by key it stands for, with a purpose if any of them needs one."""
    assert schema.query_type is not None
    city = next(f for f, field in schema.query_type.fields.items() if _named(field) == CITY_HUB)
    rules = []
    for rule in policy.rules:
        extra = tuple(
            f"{CITY_HUB}.{pattern.removeprefix('Query.')}"
            for pattern in rule.fields
            if pattern.startswith("Query.")
        )
        rules.append(Rule(**{**_fields_of(rule), "fields": rule.fields + extra}))
    lookups = [_rule_of(policy, coordinate) for coordinate in ENTITY_LOOKUPS.values()]
    allowed = frozenset.intersection(*(rule.allow | rule.mask for rule in lookups))
    rules.append(
        Rule(
            title="federation: the subgraph's own fields (no department data)",
            fields=(f"Query.{city}", "Query._service", "_Service.sdl"),
            allow=frozenset(policy.roles),
            mask=frozenset(),
            purpose=False,
            purpose_exempt=True,
        )
    )
    rules.append(
        Rule(
            title="federation: entity lookups, as institution(creditCode:) and person(idNumber:)",
            fields=("Query._entities",),
            allow=allowed,
            mask=frozenset(),
            purpose=any(rule.purpose for rule in lookups),
            purpose_exempt=all(rule.purpose_exempt for rule in lookups),
        )
    )
    return Policy(source=policy.source, roles=policy.roles, masks=policy.masks, rules=tuple(rules))


def _named(field: GraphQLField) -> str:
    type_: Any = field.type
    while hasattr(type_, "of_type"):
        type_ = type_.of_type
    return str(type_.name)


def _fields_of(rule: Rule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in Rule.__dataclass_fields__}


def _rule_of(policy: Policy, coordinate: str) -> Rule:
    """The rule that decides ``coordinate``: an explicit line beats a wildcard."""
    wildcard = f"{coordinate.partition('.')[0]}.*"
    for pattern in (coordinate, wildcard):
        for rule in policy.rules:
            if pattern in rule.fields:
                return rule
    raise LookupError(f"no rule of policy {policy.source} covers {coordinate}")
