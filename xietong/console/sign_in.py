"""The console's side of OpenID Connect: authorization code + PKCE with authlib's
client, against the provider named by the hub's discovery document.

``start`` makes the authorization URL (state, nonce, S256 challenge) for the
browser; ``finish`` redeems the code and checks the ID token (signature against
the provider's JWKS, issuer, audience, expiry, nonce) before anyone is signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.errors import JoseError
from starlette.types import ASGIApp

from xietong.auth.console_client import CONSOLE_CLIENT_ID, console_redirect_uri
from xietong.auth.keys import SIGNING_ALGORITHM
from xietong.auth.oidc_client import AsyncOAuth2Client
from xietong.kernel.jws import load_key_set

DISCOVERY_PATH = "/.well-known/openid-configuration"
ID_TOKEN_ALGORITHMS = [SIGNING_ALGORITHM, "ES384", "RS256", "PS256", "EdDSA"]
"""Asymmetric only (an external provider may sign with RSA); never ``none`` or HMAC."""


class SignInFailed(Exception):
    """The provider's answer could not be trusted or redeemed; the message says why."""


@dataclass(frozen=True, slots=True)
class Started:
    url: str
    state: str
    verifier: str
    nonce: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    access_token: str
    expires_in: int
    username: str
    name: str
    department: str
    roles: tuple[str, ...]
    region: str


class OfficerSignIn:
    """The console's OpenID Connect client, over the hub app it is mounted in.

    Its token requests are made in the name of the officer's browser address (the
    ASGI ``client``), so the token endpoint's per-address budget counts each
    officer's sign-ins, not every sign-in of the hub as one address's.
    """

    def __init__(
        self,
        issuer: str,
        app: ASGIApp | None,
        *,
        client_id: str = CONSOLE_CLIENT_ID,
        redirect_uri: str | None = None,
    ) -> None:
        """``app``: the hub this console is mounted in, whose own provider it uses;
        None: an external provider at ``issuer``, reached over the network."""
        self._issuer = issuer.rstrip("/")
        self._app = app
        self._client_id = client_id
        self._redirect_uri = redirect_uri or console_redirect_uri(self._issuer)
        self._transport: httpx.AsyncBaseTransport = (
            httpx.ASGITransport(app=app) if app is not None else httpx.AsyncHTTPTransport()
        )
        self._metadata: dict[str, Any] | None = None

    def _client(self, address: str | None = None) -> AsyncOAuth2Client:
        transport = (
            httpx.ASGITransport(app=self._app, client=(address, 0))
            if address is not None and self._app is not None
            else self._transport
        )
        return AsyncOAuth2Client(
            client_id=self._client_id,
            redirect_uri=self._redirect_uri,
            scope="openid profile",
            code_challenge_method="S256",
            token_endpoint_auth_method="none",
            transport=transport,
            base_url=self._issuer,
        )

    async def _discovery(self) -> dict[str, Any]:
        if self._metadata is None:
            async with httpx.AsyncClient(transport=self._transport, base_url=self._issuer) as http:
                response = await http.get(DISCOVERY_PATH)
            response.raise_for_status()
            self._metadata = dict(response.json())
        return self._metadata

    async def start(self) -> Started:
        metadata = await self._discovery()
        verifier, nonce = generate_token(48), generate_token(24)
        async with self._client() as client:
            url, state = client.create_authorization_url(
                metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
            )
        return Started(url=url, state=state, verifier=verifier, nonce=nonce)

    async def claims(
        self, code: str, *, verifier: str, nonce: str, address: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The token response and the checked ID token's claims."""
        metadata = await self._discovery()
        async with self._client(address) as client:
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"], code=code, code_verifier=verifier
                )
            except Exception as error:  # authlib raises OAuthError and httpx errors
                raise SignInFailed(f"the code was not redeemed: {error}") from None
            jwks = (await client.get(metadata["jwks_uri"])).json()
        return dict(token), self._id_token_claims(str(token.get("id_token", "")), jwks, nonce)

    async def finish(
        self, code: str, *, verifier: str, nonce: str, address: str | None = None
    ) -> SignedIn:
        token, claims = await self.claims(code, verifier=verifier, nonce=nonce, address=address)
        return SignedIn(
            access_token=str(token["access_token"]),
            expires_in=int(token.get("expires_in", 900)),
            username=str(claims["sub"]),
            name=str(claims.get("name") or claims["sub"]),
            department=str(claims.get("dept", "")),
            roles=tuple(str(r) for r in claims.get("roles", ())),
            region=str(claims.get("region", "")),
        )

    def _id_token_claims(self, id_token: str, jwks: dict[str, Any], nonce: str) -> dict[str, Any]:
        try:
            decoded = jwt.decode(id_token, load_key_set(jwks), algorithms=ID_TOKEN_ALGORITHMS)
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self._issuer},
                aud={"essential": True, "value": self._client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError, KeyError) as error:
            raise SignInFailed(f"the ID token was refused: {error}") from None
        return dict(decoded.claims)
