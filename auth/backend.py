"""Where a bearer token becomes a user: Starlette's ``AuthenticationBackend`` seam.

No ``Authorization`` header → anonymous (``None``): the GraphQL layer answers
``UNAUTHENTICATED`` itself and still writes its audit event. A bad token → a
``RefusedUser``, which ``refuse_bad_tokens`` answers with a 401 (an RFC 6750
challenge and a GraphQL-shaped error body, so every client sees the same error
format whichever layer refused) once the rate limiter has charged the request to
its address: guessing tokens costs the guesser its budget.
"""

from __future__ import annotations

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from xietong.auth.identity_errors import InvalidTokenError, error_description
from xietong.auth.principal import Principal
from xietong.auth.verifier import AccessTokenVerifier
from xietong.kernel.errors import ErrorCode

REALM = "xietong"


class PrincipalUser(BaseUser):
    """The authenticated user of a request: ``request.user.principal``."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.principal.subject

    @property
    def identity(self) -> str:
        return self.principal.client_id


class RefusedUser(BaseUser):
    """A request whose bearer token was refused, on its way to a 401."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    @property
    def is_authenticated(self) -> bool:
        return False

    @property
    def display_name(self) -> str:
        return ""


def principal_of(scope: Scope) -> Principal | None:
    """The principal the authentication middleware put on an ASGI request, if any."""
    user = scope.get("user")
    return user.principal if isinstance(user, PrincipalUser) else None


class BearerTokenBackend(AuthenticationBackend):
    """Verifies ``Authorization: Bearer <token>``; credentials' scopes are the roles.

    HTTP Basic passes through untouched: it is how clients authenticate to the
    token endpoint, which sits behind the same middleware.
    """

    def __init__(self, verifier: AccessTokenVerifier) -> None:
        self._verifier = verifier

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if header is None:
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() == "basic":
            return None
        if scheme.lower() != "bearer":
            raise AuthenticationError(
                f"unsupported authorization scheme {scheme[:20]!r}; use Bearer"
            )
        token = token.strip()
        if not token or " " in token:
            raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
        try:
            principal = await self._verifier.verify(token)
        except InvalidTokenError as error:
            return AuthCredentials(), RefusedUser(str(error) or "the bearer token was refused")
        return AuthCredentials(list(principal.roles)), PrincipalUser(principal)


def unauthenticated_response(description: str, *, invalid_token: bool = True) -> Response:
    """401 with an RFC 6750 challenge and a GraphQL-style ``UNAUTHENTICATED`` body.

    ``invalid_token=False`` is for a request that carried no token at all: RFC 6750
    §3.1 says the challenge then names no error.
    """
    challenge = f'Bearer realm="{REALM}"'
    if invalid_token:
        challenge += (
            f', error="invalid_token", error_description="{error_description(description)}"'
        )
    return JSONResponse(
        {"errors": [{"message": description, "extensions": {"code": ErrorCode.UNAUTHENTICATED}}]},
        status_code=401,
        headers={"WWW-Authenticate": challenge, "Cache-Control": "no-store"},
    )


def on_authentication_error(conn: HTTPConnection, error: AuthenticationError) -> Response:
    """``AuthenticationMiddleware(on_error=...)``: a malformed Authorization header is a 401."""
    return unauthenticated_response(str(error) or "the bearer token was refused")


class RefuseBadTokens:
    """Answers a request whose token the backend refused (``RefusedUser``) with a 401."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        if isinstance(user, RefusedUser):
            await unauthenticated_response(user.reason)(scope, receive, send)
            return
        await self.app(scope, receive, send)
