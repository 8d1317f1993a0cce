"""Factories for the token tests: a movable clock, clients, assertions, forged tokens."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

from xietong.auth.access_tokens import access_token_claims
from xietong.auth.clients import ClientRecord
from xietong.auth.keys import SigningKeyPair
from xietong.auth.token_service import TokenService

ISSUER = "https://hub.test"
AUDIENCE = "xietong"
TTL_SECONDS = 900
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FORM = {"content-type": "application/x-www-form-urlencoded"}


class MovableClock:
    """The service's clock; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class TokenHub:
    """A small app of the token routes, the middleware and a protected ``/echo``."""

    service: TokenService
    clock: MovableClock
    http: httpx.AsyncClient
    database_url: str

    async def add_client(
        self,
        client_id: str = "edu-kaifeng",
        *,
        secret: str | None = None,
        jwks: dict[str, Any] | None = None,
        roles: tuple[str, ...] = ("education.supervisor",),
    ) -> ClientRecord:
        return await self.service.clients.add(
            client_id,
            name="Kaifeng education bureau",
            department="EDUCATION",
            roles=roles,
            region="410200",
            secret=secret,
            # A public JWKS costs nothing to register, unlike an scrypt-hashed secret.
            jwks=jwks if jwks is not None or secret is not None else client_key()[1],
        )

    async def token_by_secret(self, client_id: str, secret: str, **form: str) -> httpx.Response:
        return await self.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", **form},
            auth=(client_id, secret),
        )

    async def token_by_assertion(self, assertion: str, **form: str) -> httpx.Response:
        return await self.http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion,
                **form,
            },
        )

    async def echo(self, token: str | None = None, *, header: str | None = None) -> httpx.Response:
        if header is None and token is not None:
            header = f"Bearer {token}"
        return await self.http.get("/echo", headers={"authorization": header} if header else {})

    async def forge(self, key: SigningKeyPair | None = None, **claims: Any) -> str:
        """A token signed by the hub's current key (or ``key``), claims overridden."""
        client = await self.service.clients.active("edu-kaifeng")
        body = access_token_claims(
            client,
            issuer=ISSUER,
            audience=AUDIENCE,
            now=self.clock(),
            ttl=timedelta(seconds=TTL_SECONDS),
        )
        body.update(claims)
        key = key or await self.service.keys.signing_key()
        header = {"typ": "at+jwt", "alg": key.algorithm, "kid": key.kid}
        return jwt.encode(header, body, key.private_key, algorithms=[key.algorithm])


def client_key() -> tuple[ECKey, dict[str, Any]]:
    """A client's key pair: the private key and the public JWKS to register."""
    key = ECKey.generate_key("P-256", parameters={"alg": "ES256", "use": "sig"})
    key.ensure_kid()
    return key, {"keys": [key.as_dict(private=False)]}


def client_assertion(
    key: ECKey,
    client_id: str,
    *,
    now: datetime,
    audience: str = f"{ISSUER}/oauth/token",
    lifetime: int = 120,
    jti: str | None = None,
    without: str | None = None,
    kid: str | None = None,
    **claims: Any,
) -> str:
    issued_at = int(now.timestamp())
    body = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "jti": secrets.token_urlsafe(16) if jti is None else jti,
        **claims,
    }
    body.pop(without or "", None)
    header = {"alg": "ES256", "kid": key.kid if kid is None else kid}
    return jwt.encode(header, body, key, algorithms=["ES256"])


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return _b64json(header), _b64json(payload)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64json(segment: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return decoded
