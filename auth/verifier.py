"""Turning a bearer token into a ``Principal``, or refusing it with a reason.

``AccessTokenVerifier`` is the seam: the hub's own tokens are checked by
``HubTokenVerifier``; a trusted external identity provider (issuer + JWKS +
audience) is another implementation (``auth.issuers``), chosen by the token's
``iss`` before any signature check: ``IssuerRouter`` peeks at the unverified
``iss`` only to pick the verifier, which then checks it again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Protocol

from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import Key

from xietong.auth.access_tokens import ACCESS_TOKEN_TYPE
from xietong.auth.clients import ClientRegistry
from xietong.auth.clock import Clock, epoch_seconds, utc_now
from xietong.auth.console_client import CONSOLE_CLIENT_ID
from xietong.auth.identity_errors import (
    DisabledClientError,
    InvalidTokenError,
    UnknownClientError,
    UnknownOfficerError,
)
from xietong.auth.keys import ACCEPTED_ALGORITHMS, HubKey, SigningKeyStore
from xietong.auth.officers import OfficerRegistry
from xietong.auth.principal import Principal
from xietong.domain.departments import Department
from xietong.kernel.identifiers import region_code_error
from xietong.kernel.last_used import LastUsed

MAX_TOKEN_LENGTH = 8192
CLOCK_SKEW_LEEWAY = timedelta(seconds=30)
_ALLOWED_HEADER = frozenset({"typ", "alg", "kid"})
VERIFIED_TOKENS_KEPT = 4096
"""Tokens whose header and signature checked out, kept with their claims: a client
sends one token for its whole life, and the signature check was a tenth of a
millisecond of every request. What can change is checked on every request all the
same: expiry and the other claims, the key's retirement, the client or officer
still enabled."""


@dataclass(frozen=True, slots=True)
class _Verified:
    kid: str
    key: Key
    """The key object that verified the signature."""
    claims: Mapping[str, Any]


class AccessTokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal:
        """The principal the token stands for; raises ``InvalidTokenError`` if refused."""
        ...


class HubTokenVerifier:
    """Verifies the access tokens this hub issued.

    Every check refuses rather than guesses: the header must be exactly
    ``typ at+jwt``, an accepted ``alg`` that is also the named key's algorithm, and a
    ``kid`` the hub published; a retired key's tokens die ``token_ttl`` after its
    retirement; and the client must still exist and be enabled, asked of the
    database on every request.
    """

    def __init__(
        self,
        *,
        keys: SigningKeyStore,
        clients: ClientRegistry,
        officers: OfficerRegistry,
        issuer: str,
        audience: str,
        token_ttl: timedelta,
        clock: Clock = utc_now,
        leeway: timedelta = CLOCK_SKEW_LEEWAY,
    ) -> None:
        self._keys = keys
        self._clients = clients
        self._officers = officers
        self._issuer = issuer
        self._audience = audience
        self._token_ttl = token_ttl
        self._clock = clock
        self._leeway = leeway
        self._verified: LastUsed[str, _Verified] = LastUsed(VERIFIED_TOKENS_KEPT)

    async def verify(self, token: str) -> Principal:
        kid, key, claims = await self._signed(token)
        now = self._clock()
        self._check_claims(claims, epoch_seconds(now))
        if not key.accepts_tokens_at(now - self._leeway, self._token_ttl):
            raise InvalidTokenError(f"signing key '{kid}' was retired and its tokens have expired")
        if key.retired_at is not None and claims["iat"] > epoch_seconds(
            key.retired_at + self._leeway
        ):
            raise InvalidTokenError(f"signing key '{kid}' was retired before this token was issued")
        principal = _principal(claims)
        if principal.subject != principal.client_id:
            return await self._officer_principal(principal)
        try:
            client = await self._clients.active(principal.client_id)
        except (UnknownClientError, DisabledClientError) as error:
            raise InvalidTokenError(str(error)) from None
        if client.trusted_documents_only:
            principal = replace(principal, trusted_documents_only=True)
        return principal

    async def _signed(self, token: str) -> tuple[str, HubKey, Mapping[str, Any]]:
        """The signing key's id, the key and the claims of a token whose header and
        signature check out; kept for the token (``VERIFIED_TOKENS_KEPT``)."""
        kept = self._verified.find(token)
        if kept is not None:
            key = await self._keys.verification_key(kept.kid)
            # The same key object: the key list was not read again since (nor the key
            # retired or replaced); otherwise the token is checked afresh.
            if key is not None and key.public_key() is kept.key:
                return kept.kid, key, kept.claims
        header = unverified_header(token)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidTokenError("the token names no signing key (kid)")
        key = await self._keys.verification_key(kid)
        if key is None:
            raise InvalidTokenError(f"the token is signed with an unknown key '{kid[:64]}'")
        if header["alg"] != key.algorithm:
            raise InvalidTokenError(f"key '{kid}' signs with {key.algorithm}, not {header['alg']}")
        try:
            claims = jwt.decode(token, key.public_key(), algorithms=[key.algorithm]).claims
        except BadSignatureError:
            raise InvalidTokenError("the token signature does not verify") from None
        except JoseError as error:
            raise InvalidTokenError(f"the token cannot be read: {error.description}") from None
        signed = _Verified(kid, key.public_key(), MappingProxyType(claims))
        self._verified.keep(token, signed)
        return kid, key, signed.claims

    async def _officer_principal(self, claimed: Principal) -> Principal:
        """An officer acting through the console: the account must still be enabled,
        and its department, role and region now are the ones that count."""
        if claimed.client_id != CONSOLE_CLIENT_ID:
            raise InvalidTokenError("the token's sub and client_id differ")
        try:
            officer = await self._officers.active(claimed.subject)
        except UnknownOfficerError as error:
            raise InvalidTokenError(str(error)) from None
        return Principal(
            client_id=claimed.client_id,
            subject=officer.username,
            department=officer.department,
            roles=officer.roles,
            region=officer.region,
        )

    def _check_claims(self, claims: Mapping[str, Any], now: int) -> None:
        registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=int(self._leeway.total_seconds()),
            iss={"essential": True, "value": self._issuer},
            aud={"essential": True, "value": self._audience},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
            sub={"essential": True},
            client_id={"essential": True},
        )
        try:
            registry.validate(dict(claims))
        except ExpiredTokenError:
            raise InvalidTokenError("the token has expired") from None
        except MissingClaimError as error:
            raise InvalidTokenError(f"the token lacks claim(s) {error.claim}") from None
        except ClaimError as error:
            raise InvalidTokenError(claim_problem(error.claim)) from None


def unverified_header(
    token: str,
    *,
    algorithms: frozenset[str] = ACCEPTED_ALGORITHMS,
    types: frozenset[str] = frozenset({ACCESS_TOKEN_TYPE}),
) -> dict[str, Any]:
    """The token's protected header, checked for shape only (``typ``, ``alg`` among
    ``algorithms``, nothing else but ``kid``); the signature is checked later."""
    header = dict(_compact(token).headers())
    unexpected = sorted(set(header) - _ALLOWED_HEADER)
    if unexpected:
        raise InvalidTokenError(f"the token header has unexpected field(s) {', '.join(unexpected)}")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise InvalidTokenError(
            f"algorithm {str(alg)[:20]!r} is not accepted; use {', '.join(sorted(algorithms))}"
        )
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower().removeprefix("application/") not in types:
        raise InvalidTokenError(
            f"the token type is {str(typ)[:20]!r}, not {' or '.join(sorted(types))}"
        )
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload as sent, *not verified*: only to choose which verifier checks it."""
    try:
        claims = json.loads(_compact(token).payload)
    except ValueError:
        raise InvalidTokenError("the token's claims are not JSON") from None
    if not isinstance(claims, dict):
        raise InvalidTokenError("the token's claims are not a JSON object")
    return claims


def _compact(token: str) -> jws.CompactSignature:
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidTokenError("the token is too long")
    try:
        return jws.extract_compact(token.encode())
    except (JoseError, ValueError):
        raise InvalidTokenError("the token is not a signed JWT") from None


def claim_problem(claim: str) -> str:
    return {
        "iss": "the token was issued by another issuer",
        "aud": "the token is meant for another audience",
        "nbf": "the token is not valid yet",
        "iat": "the token was issued in the future",
    }.get(claim, f"the token's claim {claim!r} is not valid")


def _principal(claims: Mapping[str, Any]) -> Principal:
    client_id = claims["client_id"]
    if not isinstance(client_id, str):
        raise InvalidTokenError("the token's client_id claim is not a string")
    try:
        department = Department(str(claims.get("dept")))
    except ValueError:
        raise InvalidTokenError("the token's dept claim is not a department") from None
    roles = claims.get("roles")
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise InvalidTokenError("the token's roles claim is not a list of role names")
    region = claims.get("region")
    if not isinstance(region, str) or region_code_error(region) is not None:
        raise InvalidTokenError("the token's region claim is not a region code")
    return Principal(
        client_id=client_id,
        subject=claims["sub"],
        department=department,
        roles=tuple(roles),
        region=region,
    )
