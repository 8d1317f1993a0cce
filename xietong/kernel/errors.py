"""Errors: the ones that stop the hub before it serves, and the coded ones clients see."""

import uuid
from enum import StrEnum


class ConfigError(Exception):
    """A setting, file or service the hub needs is wrong or unreachable.

    The message is one line that says what is wrong and where, so an operator can
    fix it without reading a traceback.
    """


class ErrorCode(StrEnum):
    """``errors[].extensions.code`` values (DESIGN §10; names are fixed)."""

    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    PURPOSE_REQUIRED = "PURPOSE_REQUIRED"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    BAD_REQUEST = "BAD_REQUEST"
    """A request the hub cannot take as sent: a header over its limit, text that is
    not UTF-8 (HTTP 400)."""
    SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE"
    INTERNAL = "INTERNAL"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    """A ``documentId`` that names no document registered for the client (the code
    Apollo's clients and router know for it)."""
    PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
    """A client that may run only its registered documents sent another one."""


class CodedError(Exception):
    """An expected failure that reaches the client as a GraphQL error with a code.

    graphql-core copies ``extensions`` from the original exception onto the error
    it reports, so raising one from a resolver is enough.
    """

    def __init__(self, code: ErrorCode, message: str, **extensions: object) -> None:
        super().__init__(message)
        self.code = code
        self.extensions: dict[str, object] = {"code": code.value, **extensions}


def new_correlation_id() -> str:
    """The id that ties an INTERNAL error a client sees to its details in the log."""
    return uuid.uuid4().hex
