"""The GraphQL-over-HTTP rules strawberry leaves to us: picking the response media
type from ``Accept``, the status code each answer gets under it, and coded errors
for requests that are not well-formed GraphQL-over-HTTP requests.

https://graphql.github.io/graphql-over-http/draft/
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response
from starlette.types import Message, Receive

from xietong.kernel.errors import ErrorCode

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
SUPPORTED = (GRAPHQL_RESPONSE, JSON)
"""In the hub's order of preference, for a tie in the client's ``Accept``."""

MAX_BODY_BYTES = 256 * 1024
"""A request body larger than this is refused unread (413). Real requests are a
few kilobytes; the documents the caches keep stay small."""

_REQUEST_ERROR_STATUS = {ErrorCode.INTERNAL.value: 500}


class RequestProblem(Exception):
    """A request the hub cannot take as a GraphQL request, and how to say so."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: ErrorCode = ErrorCode.BAD_USER_INPUT,
        headers: Mapping[str, str] | None = None,
        graphql_request_error: bool = False,
        denied: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = dict(headers or {})
        self.denied = denied
        """Refused by rule (the access log's DENIED), not for a mistake (ERROR)."""
        self.graphql_request_error = graphql_request_error
        """A well-formed request GraphQL itself refused (the operation cannot be
        determined): 200 under ``application/json``, where status codes must not
        depend on GraphQL errors."""


class BodyTooLargeError(Exception):
    """Raised from ``receive`` once the body passes ``MAX_BODY_BYTES``."""


def negotiate(accept: str | None) -> str | None:
    """The media type to answer in, or ``None`` when the client accepts neither.

    No ``Accept`` at all, or one that names neither type but only a wildcard
    (``*/*``, ``application/*``), means ``application/json``: the type every
    client of the last decade understands (the spec's SHOULD, and the
    graphql-http audit's). Each supported type takes the quality of the most
    specific range that matches it; the higher quality wins; on a tie a type
    the client named beats one a wildcard matched, and between two named ones
    ``SUPPORTED``'s order decides; quality 0 means "not this one".
    """
    if accept is None or not accept.strip():
        return JSON
    ranges = [parsed for item in accept.split(",") if (parsed := _media_range(item))]
    best: tuple[float, int, int, str] | None = None
    for preference, media_type in enumerate(SUPPORTED):
        quality, specificity = _quality(media_type, ranges)
        named = specificity == _NAMED
        # Named: graphql-response+json first; by wildcard only: JSON first.
        rank = (quality, int(named), -preference if named else preference, media_type)
        if quality > 0 and (best is None or rank[:3] > best[:3]):
            best = rank
    return best[3] if best else None


def _media_range(item: str) -> tuple[str, str, float] | None:
    kind, _, parameters = item.strip().partition(";")
    main, slash, sub = kind.strip().lower().partition("/")
    if not slash or not main or not sub:
        return None
    quality = 1.0
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                quality = 0.0
    return main, sub, quality


_NAMED = 2
"""The specificity of a range that names the media type itself."""


def _quality(media_type: str, ranges: Sequence[tuple[str, str, float]]) -> tuple[float, int]:
    """The quality of the most specific range matching ``media_type``, and how specific."""
    main, sub = media_type.split("/")
    best_specificity, quality = -1, 0.0
    for range_main, range_sub, range_quality in ranges:
        if range_main == main and range_sub == sub:
            specificity = _NAMED
        elif range_main == main and range_sub == "*":
            specificity = 1
        elif range_main == "*" and range_sub == "*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, quality = specificity, range_quality
    return quality, best_specificity


def response_status(body: Mapping[str, Any], media_type: str) -> int:
    """The status of a GraphQL response: 200 whenever there is a ``data`` entry;
    without one (a request error) 400 under ``application/graphql-response+json``,
    or 500 for an internal error; 200 under ``application/json``, where the
    status must not depend on GraphQL errors."""
    if "data" in body or media_type == JSON:
        return 200
    codes = [_code(error) for error in body.get("errors") or ()]
    for code, status in _REQUEST_ERROR_STATUS.items():
        if code in codes:
            return status
    return 400


def _code(error: object) -> object:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return extensions.get("code") if isinstance(extensions, dict) else None


def problem_response(problem: RequestProblem, media_type: str | None) -> Response:
    """A request problem as a GraphQL response without ``data``."""
    status = 200 if problem.graphql_request_error and media_type == JSON else problem.status
    return error_response(
        status,
        str(problem),
        problem.code,
        media_type=media_type or JSON,
        headers=problem.headers,
    )


def error_response(
    status: int,
    message: str,
    code: ErrorCode,
    *,
    media_type: str = JSON,
    headers: Mapping[str, str] | None = None,
    **extensions: object,
) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code.value, **extensions}}]}
    return Response(
        json.dumps(body),
        status_code=status,
        headers=dict(headers or {}),
        media_type=f"{media_type}; charset=utf-8",
    )


def limited_receive(receive: Receive, limit: int = MAX_BODY_BYTES) -> Receive:
    """``receive`` that raises ``BodyTooLargeError`` once the body passes ``limit``."""
    received = 0

    async def receive_limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLargeError
        return message

    return receive_limited
