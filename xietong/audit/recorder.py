"""What the access log learns of a GraphQL operation: its outcome, its variables
as logged (personal values hashed) and the record keys it returned."""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
)

from xietong.audit.events import AuditOutcome
from xietong.kernel.canonical import sha256_hex
from xietong.kernel.errors import ErrorCode

# Personal values never reach the log in clear: variables of these types are hashed.
PERSONAL_SCALARS = frozenset({"IdNumber"})
_REFUSALS = frozenset({ErrorCode.FORBIDDEN, ErrorCode.PURPOSE_REQUIRED, ErrorCode.OUT_OF_SCOPE})
_PARTIAL = _REFUSALS | {ErrorCode.SOURCE_UNAVAILABLE, ErrorCode.NOT_FOUND}


def outcome(data: Any, errors: list[GraphQLError]) -> AuditOutcome:
    if not errors:
        return AuditOutcome.OK
    codes = {ErrorCode(e.extensions["code"]) for e in errors if e.extensions}
    answered = isinstance(data, dict) and any(value is not None for value in data.values())
    if codes <= _REFUSALS and not answered:
        return AuditOutcome.DENIED
    if answered and codes <= _PARTIAL:
        return AuditOutcome.PARTIAL
    return AuditOutcome.ERROR


def operation_of(document: DocumentNode | None, name: str | None) -> OperationDefinitionNode | None:
    if document is None:
        return None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name is not None and definition.name.value == name)
        ):
            return definition
    return None


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, ListTypeNode | NonNullTypeNode):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def hashed_variables(document: DocumentNode | None, variables: dict[str, Any]) -> dict[str, Any]:
    """Variables as logged: personal values replaced by their SHA-256.

    Without a parsed document the types are unknown, so every string is hashed.
    """
    operation = operation_of(document, None) if document else None
    if operation is None:
        return {name: _hash_strings(value) for name, value in variables.items()}
    personal = {
        definition.variable.name.value
        for definition in operation.variable_definitions or ()
        if _named(definition.type) in PERSONAL_SCALARS
    }
    return {
        name: _hash_strings(value) if name in personal else value
        for name, value in variables.items()
    }


def _hash_strings(value: Any) -> Any:
    if isinstance(value, str):
        return "sha256:" + sha256_hex(value)
    if isinstance(value, list):
        return [_hash_strings(item) for item in value]
    if isinstance(value, dict):
        return {key: _hash_strings(item) for key, item in value.items()}
    return value


def record_keys(data: Any) -> set[str]:
    """Credit codes returned, and ID numbers returned in full (hashed; a masked one
    such as ``410202********123X`` identifies no one and is left out)."""
    codes: set[str] = set()
    people: set[str] = set()
    pending = [data]
    while pending:
        value = pending.pop()
        if type(value) is dict:
            for key, item in value.items():
                if type(item) is str:
                    if key == "creditCode":
                        codes.add(item)
                    elif key == "idNumber" and "*" not in item:
                        people.add(item)
                elif type(item) is dict or type(item) is list:
                    pending.append(item)
        elif type(value) is list:
            pending.extend(item for item in value if type(item) is dict or type(item) is list)
    return codes | {"sha256:" + sha256_hex(person) for person in people}
