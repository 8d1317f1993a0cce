"""The wiring the app factory needs: OAuth routes and the authentication middleware.

Example::

    service = TokenService(engine, settings)
    app = Starlette(
        routes=[*oauth_routes(service), Route("/graphql", graphql_app)],
        middleware=authentication_middleware(service.verifier),
    )
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import Route

from xietong.auth.authorize_endpoint import AUTHORIZE_ENDPOINT, AuthorizeEndpoint
from xietong.auth.backend import BearerTokenBackend, RefuseBadTokens, on_authentication_error
from xietong.auth.discovery import Discovery
from xietong.auth.token_endpoint import TokenEndpoint
from xietong.auth.token_service import TokenService
from xietong.auth.verifier import AccessTokenVerifier

TOKEN_ENDPOINT = "/oauth/token"


def oauth_routes(service: TokenService) -> list[Route]:
    """``POST /oauth/token``, ``/oauth/authorize`` (officers), ``GET /.well-known/jwks.json``,
    ``/.well-known/oauth-authorization-server`` and ``/.well-known/openid-configuration``."""
    discovery = Discovery(service)
    tokens = TokenEndpoint(service)
    return [
        Route(TOKEN_ENDPOINT, tokens.handle, methods=["POST"]),
        Route(
            AUTHORIZE_ENDPOINT,
            AuthorizeEndpoint(service, tokens.server).handle,
            methods=["GET", "POST"],
        ),
        Route("/.well-known/jwks.json", discovery.jwks, methods=["GET"]),
        Route("/.well-known/oauth-authorization-server", discovery.metadata, methods=["GET"]),
        Route("/.well-known/openid-configuration", discovery.openid, methods=["GET"]),
    ]


def authentication_middleware(
    verifier: AccessTokenVerifier, *, rate_limit: Middleware | None = None
) -> list[Middleware]:
    """Sets ``request.user`` (a ``PrincipalUser`` or anonymous); a bad token is a 401,
    after ``rate_limit`` (if given) has charged the request like any other."""
    return [
        Middleware(
            AuthenticationMiddleware,
            backend=BearerTokenBackend(verifier),
            on_error=on_authentication_error,
        ),
        *([rate_limit] if rate_limit is not None else []),
        Middleware(RefuseBadTokens),
    ]
