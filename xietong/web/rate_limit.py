"""The rate limits (``xietong.hub.rate_limits``) applied to requests: 429 with
``Retry-After`` for a client or address over its budget."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from limits.errors import StorageError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from xietong.audit.events import AuditOutcome, draft_of
from xietong.auth.backend import principal_of
from xietong.auth.principal import Principal
from xietong.hub.rate_limits import Budget, RateLimiter
from xietong.kernel.errors import ErrorCode
from xietong.web.graphql_http import JSON, error_response, negotiate
from xietong.web.metrics import RATE_LIMIT_REFUSALS

log = logging.getLogger("xietong.rate_limit")


class RateLimitMiddleware:
    """429 with ``Retry-After`` and ``RATE_LIMITED`` for a client over its budget.

    Sits inside the access log (which records the refusal as ``DENIED``) and after
    authentication: the budget is the client's, or the address's for requests
    without a token (all of them at ``/oauth/token``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter_of: Callable[[Scope], RateLimiter],
        budgets: Mapping[str, Budget],
    ) -> None:
        """``budgets``: the limited paths, and the budget each spends from."""
        self.app = app
        self.limiter_of = limiter_of
        self.budgets = dict(budgets)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        budget = self.budgets.get(scope["path"]) if scope["type"] == "http" else None
        if budget is None:
            await self.app(scope, receive, send)
            return
        key = client_key(principal_of(scope), scope)
        try:
            wait = await self.limiter_of(scope).admit(key, budget)
        except StorageError as error:
            log.error("rate-limit store failed (%s); letting %s through", error, key)
            wait = None
        if wait is None:
            await self.app(scope, receive, send)
            return
        RATE_LIMIT_REFUSALS.labels(budget.value).inc()
        draft = draft_of(scope)
        if draft is not None:
            draft.outcome = AuditOutcome.DENIED
            draft.error_codes = [ErrorCode.RATE_LIMITED.value]
        seconds = int(wait)
        message = f"too many requests from {key}; retry in {seconds} s"
        response: Response
        if budget is Budget.TOKENS:
            # A token client reads OAuth's error shape (RFC 6749 §5.2), not GraphQL's.
            response = JSONResponse(
                {"error": "slow_down", "error_description": message},
                status_code=429,
                headers={"Retry-After": str(seconds), "Cache-Control": "no-store"},
            )
        else:
            response = error_response(
                429,
                message,
                ErrorCode.RATE_LIMITED,
                media_type=negotiate(Headers(scope=scope).get("accept")) or JSON,
                headers={"Retry-After": str(seconds)},
                retryAfter=seconds,
            )
        await response(scope, receive, send)


def client_key(principal: Principal | None, scope: Scope) -> str:
    """Whose budget a request spends: the client's (an officer's own through the
    console), or the address's without a token."""
    if principal is not None and principal.subject != principal.client_id:
        # Officers through the console: each officer has a budget, not the console as a whole.
        return f"{principal.client_id}/{principal.subject}"
    if principal is not None:
        return principal.client_id
    client = scope.get("client")
    return f"address {client[0] if client else 'unknown'}"
