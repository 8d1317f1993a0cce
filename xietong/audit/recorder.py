"""What the access log learns of a GraphQL operation: its outcome, its variables
as logged (personal values pseudonymised) and the record keys it asked for and
returned (``xietong.audit.reads``), tagged ``asked:`` / ``returned:``."""

from __future__ import annotations

from collections.abc import Callable
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
from xietong.kernel.errors import ErrorCode
from xietong.kernel.identifiers import id_number_error

# Personal values never reach the log in clear: variables of these types are replaced.
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


Pseudonym = Callable[[str], str]
"""A personal value → what the log keeps of it (``Pseudonyms.of``)."""


def logged_variables(
    document: DocumentNode | None, variables: dict[str, Any], pseudonym: Pseudonym
) -> dict[str, Any]:
    """Variables as logged: personal values replaced by their pseudonym.

    Without a parsed document the types are unknown, so every string is replaced.
    """
    operation = operation_of(document, None) if document else None
    if operation is None:
        return {name: _replace_strings(value, pseudonym) for name, value in variables.items()}
    personal = {
        definition.variable.name.value
        for definition in operation.variable_definitions or ()
        if _named(definition.type) in PERSONAL_SCALARS
    }
    return {
        name: _replace_strings(value, pseudonym) if name in personal else value
        for name, value in variables.items()
    }


def _replace_strings(value: Any, pseudonym: Pseudonym) -> Any:
    if isinstance(value, str):
        return pseudonym(value)
    if isinstance(value, list):
        return [_replace_strings(item, pseudonym) for item in value]
    if isinstance(value, dict):
        return {key: _replace_strings(item, pseudonym) for key, item in value.items()}
    return value


ASKED = "asked:"
RETURNED = "returned:"


def tagged_record_keys(asked: set[str], returned: set[str], pseudonym: Pseudonym) -> list[str]:
    """The keys as the log keeps them: credit codes and ids in the clear, ID numbers
    by their pseudonym, each tagged with whether it was asked for or returned."""

    def kept(key: str) -> str:
        return pseudonym(key) if not id_number_error(key) else key

    return sorted({ASKED + kept(key) for key in asked} | {RETURNED + kept(key) for key in returned})
