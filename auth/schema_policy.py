"""Binding the policy to the schema: check it at start-up, and guard the fields
whose answer depends on who asks.

A field is *guarded* when the roles that can reach its type do not all get it
plainly (allowed, no purpose). Only guarded fields get a wrapper around their
resolver; every other field resolves exactly as strawberry made it, so an
allowed field costs nothing extra on the hot path.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    default_field_resolver,
    get_named_type,
)

from xietong.auth.masking import MASKS, MaskKind
from xietong.auth.policy import DENIED, Effect, Grant, Policy
from xietong.kernel.errors import CodedError, ConfigError, ErrorCode

Resolver = Callable[..., Any]
DecisionsOf = Callable[[GraphQLResolveInfo[Any]], "Decisions"]


def object_types(schema: GraphQLSchema) -> dict[str, GraphQLObjectType]:
    """Every object type a client can select fields of (introspection excluded)."""
    return {
        name: type_
        for name, type_ in schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and not name.startswith("__")
    }


def bind_policy(policy: Policy, schema: GraphQLSchema) -> Policy:
    """Expand the rules over the schema's fields and check the result.

    Raises ConfigError for an unknown type or field, a field two rules claim, a field
    no rule covers, a masked field without a mask kind, and a field that some role
    reaching it may be refused but that the schema declares non-null.
    """
    types = object_types(schema)
    where = f"policy {policy.source}"
    owner: dict[str, tuple[str, bool]] = {}  # coordinate -> (rule title, from a wildcard)
    grants: dict[str, dict[str, Grant]] = {}
    for rule in policy.rules:
        for pattern in rule.fields:
            for coordinate, wildcard in _expand(where, rule.title, pattern, types):
                previous = owner.get(coordinate)
                if previous and previous[1] == wildcard:
                    raise ConfigError(
                        f"{where}: {coordinate} is in both rule {previous[0]!r} "
                        f"and rule {rule.title!r}"
                    )
                if previous and not previous[1]:
                    continue  # an explicit line beats a wildcard
                owner[coordinate] = (rule.title, wildcard)
                grants[coordinate] = {
                    role: _grant(policy, rule, role, coordinate) for role in rule.allow | rule.mask
                }
    all_fields = {f"{name}.{field}" for name, type_ in types.items() for field in type_.fields}
    uncovered = sorted(all_fields - set(owner))
    if uncovered:
        raise ConfigError(f"{where}: fields without a policy line: {', '.join(uncovered)}")
    unknown_masks = sorted(set(policy.masks) - all_fields)
    if unknown_masks:
        raise ConfigError(f"{where}: [masks] names unknown fields {unknown_masks}")
    bound = dataclasses.replace(policy, grants=grants, _combined={})
    _check_nullability(where, bound, schema)
    return bound


def _expand(
    where: str, title: str, pattern: str, types: dict[str, GraphQLObjectType]
) -> list[tuple[str, bool]]:
    type_name, _, field_name = pattern.partition(".")
    type_ = types.get(type_name)
    if type_ is None:
        raise ConfigError(f"{where}, rule {title!r}: unknown type {type_name!r} in {pattern!r}")
    if field_name == "*":
        return [(f"{type_name}.{name}", True) for name in type_.fields]
    if field_name not in type_.fields:
        raise ConfigError(f"{where}, rule {title!r}: {type_name} has no field {field_name!r}")
    return [(pattern, False)]


def _grant(policy: Policy, rule: Any, role: str, coordinate: str) -> Grant:
    masked = role in rule.mask
    if masked and coordinate not in policy.masks:
        raise ConfigError(
            f"policy {policy.source}: rule {rule.title!r} masks {coordinate} "
            "but [masks] does not say how"
        )
    purpose = rule.purpose or (policy.roles[role].purpose_always and not rule.purpose_exempt)
    return Grant(
        effect=Effect.MASK if masked else Effect.ALLOW,
        purpose_required=purpose,
        mask=policy.masks[coordinate] if masked else None,
    )


def _reach(policy: Policy, schema: GraphQLSchema, *, through_purpose: bool) -> dict[str, set[str]]:
    """Type name → roles that can get to it through fields granted to them (and,
    unless ``through_purpose``, needing no purpose on the way)."""
    reach: dict[str, set[str]] = {}
    roots = [
        t
        for t in (schema.query_type, schema.mutation_type, schema.subscription_type)
        if t is not None
    ]
    for role in policy.roles:
        pending = [root.name for root in roots]
        while pending:
            name = pending.pop()
            if role in reach.setdefault(name, set()):
                continue
            reach[name].add(role)
            type_ = schema.type_map[name]
            assert isinstance(type_, GraphQLObjectType)
            for field_name, field in type_.fields.items():
                target = get_named_type(field.type)
                grant = policy.grant_for_role(role, f"{name}.{field_name}")
                passable = grant is not DENIED and (through_purpose or not grant.purpose_required)
                if passable:
                    pending.extend(_object_names(target))
    return reach


def _object_names(type_: Any) -> list[str]:
    """The object types a field's named type stands for (a union's members)."""
    if isinstance(type_, GraphQLObjectType):
        return [type_.name]
    if isinstance(type_, GraphQLUnionType):
        return [member.name for member in type_.types]
    return []


def effective_grants(policy: Policy, schema: GraphQLSchema) -> dict[str, dict[str, Grant]]:
    """Coordinate → role → the grant as it can actually play out.

    Only roles that can reach the field's type count. A purpose requirement is
    moot for a role whose every way to the type already needed a purpose: the
    request that got there has one.
    """
    reach_any = _reach(policy, schema, through_purpose=True)
    reach_free = _reach(policy, schema, through_purpose=False)
    effective: dict[str, dict[str, Grant]] = {}
    for type_name, roles in reach_any.items():
        type_ = schema.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType)
        for field_name in type_.fields:
            coordinate = f"{type_name}.{field_name}"
            by_role = effective.setdefault(coordinate, {})
            for role in roles:
                grant = policy.grant_for_role(role, coordinate)
                if grant.purpose_required and role not in reach_free.get(type_name, set()):
                    grant = dataclasses.replace(grant, purpose_required=False)
                by_role[role] = grant
    return effective


def guarded_coordinates(policy: Policy, schema: GraphQLSchema) -> set[str]:
    """Fields whose answer differs among the roles that can reach them."""
    plain = {Grant(Effect.ALLOW)}
    return {
        coordinate
        for coordinate, by_role in effective_grants(policy, schema).items()
        if set(by_role.values()) != plain
    }


def _check_nullability(where: str, policy: Policy, schema: GraphQLSchema) -> None:
    for coordinate, by_role in sorted(effective_grants(policy, schema).items()):
        refused_to = sorted(
            role
            for role, grant in by_role.items()
            if grant.effect is Effect.DENY or grant.purpose_required
        )
        type_name, field_name = coordinate.split(".")
        type_ = schema.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType)
        if refused_to and isinstance(type_.fields[field_name].type, GraphQLNonNull):
            raise ConfigError(
                f"{where}: {coordinate} may be refused to {', '.join(refused_to)}, so the "
                "schema must declare it nullable (a refused field is null with an error)"
            )


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    code: ErrorCode
    message: str


@dataclasses.dataclass(slots=True)
class Decisions:
    """The policy's answer for one operation, by coordinate."""

    refused: dict[str, Refusal] = dataclasses.field(default_factory=dict)
    masked: dict[str, MaskKind] = dataclasses.field(default_factory=dict)
    read: set[str] = dataclasses.field(default_factory=set)
    tested: frozenset[str] = frozenset()
    """Fields a filter tested: read without being answered (the access log lists them)."""


def install_guards(policy: Policy, schema: GraphQLSchema, decisions_of: DecisionsOf) -> set[str]:
    """Wrap the resolvers of guarded fields; returns the coordinates wrapped."""
    guarded = guarded_coordinates(policy, schema)
    for coordinate in guarded:
        type_name, field_name = coordinate.split(".")
        type_ = schema.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType)
        field: GraphQLField = type_.fields[field_name]
        field.resolve = _guard(coordinate, field.resolve or default_field_resolver, decisions_of)
        if field.subscribe is not None:
            # A refused subscription is refused before it starts, not at each event.
            field.subscribe = _guard(coordinate, field.subscribe, decisions_of)
    return guarded


_GUARDS: WeakKeyDictionary[Resolver, tuple[str, Resolver]] = WeakKeyDictionary()


def guard_of(resolve: object) -> tuple[str, Resolver] | None:
    """The coordinate a guard resolver guards and the resolver it wraps; None for a
    resolver that is not a guard. What a guard does is ``guarded`` below: an executor
    may do the same without calling it (``xietong.schema.execution``)."""
    return _GUARDS.get(resolve) if callable(resolve) else None


def _guard(coordinate: str, resolve: Resolver, decisions_of: DecisionsOf) -> Resolver:
    def guarded(root: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        decisions = decisions_of(info)
        refusal = decisions.refused.get(coordinate)
        if refusal is not None:
            raise CodedError(refusal.code, refusal.message, field=coordinate)
        result = resolve(root, info, **arguments)
        mask = decisions.masked.get(coordinate)
        if mask is None:
            return result
        if inspect.isawaitable(result):
            return _masked_later(result, mask)
        return apply_mask(result, mask)

    _GUARDS[guarded] = (coordinate, resolve)
    return guarded


async def _masked_later(result: Awaitable[Any], mask: MaskKind) -> Any:
    return apply_mask(await result, mask)


def apply_mask(value: Any, mask: MaskKind) -> Any:
    if isinstance(value, str):
        return MASKS[mask](value)
    if isinstance(value, list):
        return [apply_mask(item, mask) for item in value]
    return value
