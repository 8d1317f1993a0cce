"""Discovery documents: the JWKS and the RFC 8414 authorization server metadata."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from xietong.auth.keys import ACCEPTED_ALGORITHMS
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
                "grant_types_supported": [GRANT_TYPE],
                "response_types_supported": [],
                "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
                "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
                "access_token_signing_alg_values_supported": sorted(ACCEPTED_ALGORITHMS),
            },
            headers={"Cache-Control": "public, max-age=3600"},
        )
