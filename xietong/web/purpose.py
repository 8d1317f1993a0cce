"""Why a request reads what it reads: its purpose and case id (DESIGN §8).

Preferred in the GraphQL request body, ``extensions: {"purpose": "…", "caseId": "…"}``
(JSON is UTF-8, so Chinese needs nothing special); else the ``X-Purpose`` and
``X-Case-Id`` headers, as RFC 8187 (``UTF-8''%E5%B9%B4%E6%A3%80``), percent-encoded
UTF-8, or raw UTF-8 bytes (which HTTP libraries hand over as Latin-1, so they are
decoded back, never stored as mojibake).

A purpose of whitespace, zero-width characters or punctuation alone is no purpose.
Values over their limit are refused (400 ``BAD_REQUEST`` naming the limit); the
refusal is logged with the values cut to their limits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from xietong.kernel.errors import ErrorCode
from xietong.web.graphql_http import RequestProblem

PURPOSE_LIMIT = 500
CASE_ID_LIMIT = 100
OPERATION_NAME_LIMIT = 200
STATEMENT_KEY = "statement"
"""Where the GraphQL view leaves the statement it took, in the request's ``state``,
for the access log to record."""


@dataclass(frozen=True, slots=True)
class RequestBody:
    """What the access log needs of a GraphQL request body, even when the request
    is refused before it runs."""

    extensions: Mapping[str, Any] | None = None
    operation_name: str | None = None


BODY: ContextVar[RequestBody | None] = ContextVar("xietong_request_body", default=None)
"""Set by the GraphQL view as it parses the body, in the request's own task."""

_RFC8187_UTF8 = "utf-8''"


@dataclass(frozen=True, slots=True)
class Statement:
    purpose: str | None = None
    case_id: str | None = None


def stated(headers: Mapping[str, str], extensions: Mapping[str, Any] | None = None) -> Statement:
    """The request's purpose and case id; RequestProblem (400) if over a limit or
    not text."""
    purpose = _given(extensions, "purpose", headers, "x-purpose")
    case_id = _given(extensions, "caseId", headers, "x-case-id")
    _within("purpose", purpose, PURPOSE_LIMIT)
    _within("case id", case_id, CASE_ID_LIMIT)
    return Statement(meaningful(purpose), meaningful(case_id))


def logged(headers: Mapping[str, str], extensions: Mapping[str, Any] | None = None) -> Statement:
    """The statement as the access log records it, even for a refused request:
    never raises, values cut to their limits."""
    try:
        purpose = _given(extensions, "purpose", headers, "x-purpose")
        case_id = _given(extensions, "caseId", headers, "x-case-id")
    except RequestProblem:
        return Statement()
    return Statement(
        meaningful(purpose[:PURPOSE_LIMIT] if purpose else None),
        meaningful(case_id[:CASE_ID_LIMIT] if case_id else None),
    )


def check_operation_name(name: str | None) -> None:
    if name is not None and len(name) > OPERATION_NAME_LIMIT:
        raise _too_long("operationName", OPERATION_NAME_LIMIT)


def meaningful(text: str | None) -> str | None:
    """``text`` without surrounding whitespace, or None unless it holds at least one
    letter or digit (invisible and punctuation-only "purposes" state nothing)."""
    if text is None:
        return None
    start, end = 0, len(text)
    while start < end and _blank(text[start]):
        start += 1
    while end > start and _blank(text[end - 1]):
        end -= 1
    trimmed = text[start:end]
    if not any(unicodedata.category(c)[0] in "LN" for c in trimmed):
        return None
    return trimmed


def _blank(character: str) -> bool:
    """Whitespace of every kind, control characters, and the invisible format
    characters (zero-width space and joiners, BOM, word joiner)."""
    return character.isspace() or unicodedata.category(character) in {"Cf", "Cc"}


def header_text(raw: str) -> str:
    """A header value as the sender meant it (see the module docstring)."""
    if raw[: len(_RFC8187_UTF8)].lower() == _RFC8187_UTF8:
        return unquote(raw[len(_RFC8187_UTF8) :], errors="strict")
    try:
        text = raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        text = raw
    return unquote(text, errors="strict") if "%" in text else text


def _given(
    extensions: Mapping[str, Any] | None, key: str, headers: Mapping[str, str], header: str
) -> str | None:
    if extensions is not None and extensions.get(key) is not None:
        value = extensions[key]
        if not isinstance(value, str):
            raise RequestProblem(
                400, f"extensions.{key} must be a string", code=ErrorCode.BAD_REQUEST
            )
        return value
    raw = headers.get(header)
    if raw is None:
        return None
    try:
        return header_text(raw)
    except UnicodeDecodeError:
        raise RequestProblem(
            400, f"the {header} header is not UTF-8 (RFC 8187)", code=ErrorCode.BAD_REQUEST
        ) from None


def _within(what: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise _too_long(what, limit)


def _too_long(what: str, limit: int) -> RequestProblem:
    return RequestProblem(
        400, f"the {what} is over its limit of {limit} characters", code=ErrorCode.BAD_REQUEST
    )
