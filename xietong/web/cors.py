"""Cross-origin calls from the pages of configured origins (a department's web
console, say), and from no other.

Outermost, so that a browser's preflight (``OPTIONS`` without a token, as browsers
send it) is answered before authentication, rate limits or the access log see it.
Bearer tokens, not cookies: credentials are never allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "X-Purpose",
    "X-Case-Id",
    "traceparent",
    "tracestate",
)
"""What a client sends the hub: the token, the body's type, the purpose and case id,
the W3C trace context."""
EXPOSED_HEADERS = ("WWW-Authenticate", "Retry-After")
"""Why a request was refused (401) or when to try again (429)."""
PREFLIGHT_MAX_AGE = 600


def cors_middleware(origins: Sequence[str]) -> list[Middleware]:
    """The CORS middleware for ``origins``; none at all when none is configured."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=list(ALLOWED_HEADERS),
            expose_headers=list(EXPOSED_HEADERS),
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE,
        )
    ]
