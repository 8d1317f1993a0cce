"""Discovery documents: the JWKS and the RFC 8414 authorization server metadata."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from xietong.auth.console_client import OFFICER_SCOPES
from xietong.auth.keys import ACCEPTED_ALGORITHMS, SIGNING_ALGORITHM
from xietong.auth.officer_grant import AUTHORIZATION_CODE
from xietong.auth.token_endpoint import ASSERTION_ALGORITHMS, AUTH_METHODS, GRANT_TYPE
from xietong.auth.token_service import TokenService

# Short, so verifiers elsewhere pick up a rotated-in key soon; they should also
# refetch when a token names a kid they have not seen.
_JWKS_CACHE = "public, max-age=60"


class Discovery:
    def __init__(self, service: TokenService) -> None:
        self._service = service

    async def jwks(self, request: Request) -> JSONResponse:
        """``GET /.well-known/jwks.json``: every hub key, retired ones included, so
        that review signatures made before a rotation still verify offline."""
        await self._service.keys.ensure_signing_key()
        return JSONResponse(await self._service.keys.jwks(), headers={"Cache-Control": _JWKS_CACHE})

    async def metadata(self, request: Request) -> JSONResponse:
        """``GET /.well-known/oauth-authorization-server`` (RFC 8414 §2)."""
        service = self._service
        return JSONResponse(
            {
                "issuer": service.issuer,
                "token_endpoint": service.token_endpoint,
                "jwks_uri": service.jwks_uri,
                "authorization_endpoint": service.authorization_endpoint,
                "grant_types_supported": [GRANT_TYPE, AUTHORIZATION_CODE],
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": list(OFFICER_SCOPES),
                "token_endpoint_auth_methods_supported": [*AUTH_METHODS, "none"],
                "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
                "access_token_signing_alg_values_supported": sorted(ACCEPTED_ALGORITHMS),
            },
            headers={"Cache-Control": "public, max-age=3600"},
        )

    async def openid(self, request: Request) -> JSONResponse:
        """``GET /.well-known/openid-configuration`` (OpenID Connect Discovery 1.0 §3):
        the hub's own provider, where officers sign in to the console."""
        service = self._service
        return JSONResponse(
            {
                "issuer": service.issuer,
                "authorization_endpoint": service.authorization_endpoint,
                "token_endpoint": service.token_endpoint,
                "jwks_uri": service.jwks_uri,
                "response_types_supported": ["code"],
                "grant_types_supported": [AUTHORIZATION_CODE],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [SIGNING_ALGORITHM],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": list(OFFICER_SCOPES),
                "token_endpoint_auth_methods_supported": ["none"],
                "claims_supported": ["sub", "name", "dept", "roles", "region", "auth_time"],
            },
            headers={"Cache-Control": "public, max-age=3600"},
        )
