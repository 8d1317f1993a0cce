"""Trusted issuers: access tokens another authority signed, accepted by this hub.

A province runs one identity provider for its own officers and systems (the
provincial audit office, the education department); every city hub that trusts
it lists it in a TOML file (``XIETONG_TRUSTED_ISSUERS``), with its keys and how
its claims map to the hub's principal:

```toml
[[issuers]]
name = "henan"                                # prefixes client ids: "henan/prov-audit"
issuer = "https://idp.henan.gov.cn"           # the exact "iss"
audience = "xietong"                          # the "aud" it must carry
jwks = "https://idp.henan.gov.cn/jwks.json"   # or a file: "/etc/xietong/henan-jwks.json"
regions = ["410000"]                          # the regions it may grant (province: all of 41)
claims = { client_id = "azp", roles = "roles", department = "dept", region = "region" }
roles = { "provincial-auditor" = "auditor" }  # its role names → the hub's (others dropped)
departments = { "audit" = "AUDIT" }           # its department names → the hub's
```

A token is routed by its unverified ``iss`` to the verifier of that issuer (the
hub's own or a trusted one), which then checks everything again: signature by a
key of that issuer's JWKS, ``iss``, ``aud``, ``exp``, and a region inside one the
issuer may grant. An issuer nobody configured is refused (401).
"""

from __future__ import annotations

import asyncio
import json
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from xietong.auth.clock import Clock, epoch_seconds, utc_now
from xietong.auth.identity_errors import InvalidTokenError
from xietong.auth.principal import Principal
from xietong.auth.verifier import (
    CLOCK_SKEW_LEEWAY,
    AccessTokenVerifier,
    claim_problem,
    unverified_claims,
    unverified_header,
)
from xietong.domain.departments import Department
from xietong.kernel.errors import ConfigError
from xietong.kernel.identifiers import region_code_error, region_contains

ISSUER_ALGORITHMS = frozenset({"ES256", "RS256", "PS256"})
"""Asymmetric only: an HMAC would make every hub that trusts the issuer able to
mint its tokens."""
JWKS_REFRESH_SECONDS = 300.0
"""A JWKS is read again after five minutes, or at once for a kid it lacks (at most
once a ``JWKS_MIN_REFETCH_SECONDS``, so forged kids cannot make the hub hammer it)."""
JWKS_MIN_REFETCH_SECONDS = 10.0
JWKS_TIMEOUT_SECONDS = 5.0
TOKEN_TYPES = frozenset({"at+jwt", "jwt"})
"""RFC 9068 says ``at+jwt``; common identity providers still write ``JWT``."""


@dataclass(frozen=True, slots=True)
class ClaimNames:
    """Which claim of the issuer's tokens holds each part of the principal."""

    client_id: str = "client_id"
    subject: str = "sub"
    roles: str = "roles"
    department: str = "dept"
    region: str = "region"


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    name: str
    issuer: str
    audience: str
    jwks: str
    """An ``https://`` (or ``http://``) URL, or the path of a JWKS file."""
    regions: tuple[str, ...]
    claims: ClaimNames = field(default_factory=ClaimNames)
    roles: Mapping[str, str] = field(default_factory=dict)
    """The issuer's role names → the hub's; empty: its names are the hub's."""
    departments: Mapping[str, str] = field(default_factory=dict)


def load_trusted_issuers(path: Path) -> tuple[TrustedIssuer, ...]:
    """Read ``XIETONG_TRUSTED_ISSUERS``; a ConfigError says what is wrong."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"trusted issuers file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"trusted issuers file {path} is not valid TOML: {error}") from None
    raw = document.get("issuers")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{path}: declare each issuer as an [[issuers]] table")
    issuers = tuple(_issuer(f"{path}, issuer #{n}", item) for n, item in enumerate(raw, 1))
    for attribute in ("name", "issuer"):
        values = [getattr(issuer, attribute) for issuer in issuers]
        if len(set(values)) != len(values):
            raise ConfigError(f"{path}: two issuers share one {attribute}")
    return issuers


def _issuer(where: str, raw: Any) -> TrustedIssuer:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    known = {"name", "issuer", "audience", "jwks", "regions", "claims", "roles", "departments"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}")
    for key in ("name", "issuer", "audience", "jwks"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ConfigError(f"{where}: `{key}` must be a non-empty string")
    regions = raw.get("regions")
    if not (isinstance(regions, list) and regions and all(isinstance(r, str) for r in regions)):
        raise ConfigError(f"{where}: `regions` must list the region codes it may grant")
    for region in regions:
        if region_code_error(region):
            raise ConfigError(f"{where}: {region!r} is not a region code (6 digits)")
    claims = _string_table(where, raw, "claims")
    unknown_claims = sorted(set(claims) - set(ClaimNames.__dataclass_fields__))
    if unknown_claims:
        raise ConfigError(f"{where}: `claims` names unknown parts {unknown_claims}")
    departments = _string_table(where, raw, "departments")
    for value in departments.values():
        if value not in Department.__members__:
            raise ConfigError(f"{where}: {value!r} is not a department")
    return TrustedIssuer(
        name=raw["name"],
        issuer=raw["issuer"],
        audience=raw["audience"],
        jwks=raw["jwks"],
        regions=tuple(regions),
        claims=ClaimNames(**claims),
        roles=_string_table(where, raw, "roles"),
        departments=departments,
    )


def _string_table(where: str, raw: Mapping[str, Any], key: str) -> dict[str, str]:
    value = raw.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{where}: `{key}` must be a table of strings")
    return dict(value)


class JwksSource:
    """An issuer's public keys, from a file or a URL, kept for a while."""

    def __init__(self, location: str, *, refresh_seconds: float = JWKS_REFRESH_SECONDS) -> None:
        self._location = location
        self._refresh_seconds = refresh_seconds
        self._keys: KeySet | None = None
        self._kids: frozenset[str] = frozenset()
        self._loaded_at = 0.0

    async def key_set(self, kid: str) -> KeySet:
        age = time.monotonic() - self._loaded_at
        stale = self._keys is None or age > self._refresh_seconds
        if stale or (kid not in self._kids and age > JWKS_MIN_REFETCH_SECONDS):
            await self._load()
        assert self._keys is not None
        return self._keys

    async def _load(self) -> None:
        try:
            document = await self._read()
            keys = KeySet.import_key_set(document)
        except (OSError, ValueError, httpx.HTTPError, JoseError) as error:
            if self._keys is None:
                raise InvalidTokenError(
                    f"the keys of the token's issuer cannot be read ({type(error).__name__})"
                ) from None
            return  # keep the keys we had; try again after the minimum interval
        finally:
            self._loaded_at = time.monotonic()
        self._keys = keys
        self._kids = frozenset(str(key.kid) for key in keys.keys if key.kid)

    async def _read(self) -> Any:
        if self._location.startswith(("https://", "http://")):
            async with httpx.AsyncClient(timeout=JWKS_TIMEOUT_SECONDS) as client:
                response = await client.get(self._location)
                response.raise_for_status()
                return response.json()
        text = await asyncio.to_thread(Path(self._location).read_text, encoding="utf-8")
        return json.loads(text)


class TrustedIssuerVerifier:
    """Verifies the tokens of one trusted issuer and maps their claims."""

    def __init__(
        self,
        issuer: TrustedIssuer,
        *,
        clock: Clock = utc_now,
        jwks: JwksSource | None = None,
    ) -> None:
        self.issuer = issuer
        self._clock = clock
        self._jwks = jwks or JwksSource(issuer.jwks)

    async def verify(self, token: str) -> Principal:
        header = unverified_header(token, algorithms=ISSUER_ALGORITHMS, types=TOKEN_TYPES)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidTokenError("the token names no signing key (kid)")
        keys = await self._jwks.key_set(kid)
        if not _has_kid(keys, kid):
            raise InvalidTokenError(f"the token is signed with an unknown key '{kid[:64]}'")
        try:
            claims = jwt.decode(token, keys, algorithms=[header["alg"]]).claims
        except BadSignatureError:
            raise InvalidTokenError("the token signature does not verify") from None
        except JoseError as error:
            raise InvalidTokenError(f"the token cannot be read: {error.description}") from None
        self._check_claims(claims)
        return self._principal(claims)

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        registry = jwt.JWTClaimsRegistry(
            now=epoch_seconds(self._clock()),
            leeway=int(CLOCK_SKEW_LEEWAY.total_seconds()),
            iss={"essential": True, "value": self.issuer.issuer},
            aud={"essential": True, "value": self.issuer.audience},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(dict(claims))
        except ExpiredTokenError:
            raise InvalidTokenError("the token has expired") from None
        except MissingClaimError as error:
            raise InvalidTokenError(f"the token lacks claim(s) {error.claim}") from None
        except ClaimError as error:
            raise InvalidTokenError(claim_problem(error.claim)) from None

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        names = self.issuer.claims
        client_id = _text(claims, names.client_id)
        subject = _text(claims, names.subject)
        raw_department = _text(claims, names.department)
        department_name = self.issuer.departments.get(raw_department, raw_department)
        try:
            department = Department(department_name)
        except ValueError:
            raise InvalidTokenError(
                f"the token's {names.department} claim is not a department"
            ) from None
        raw_roles = claims.get(names.roles)
        if isinstance(raw_roles, str):
            raw_roles = raw_roles.split()
        if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
            raise InvalidTokenError(f"the token's {names.roles} claim is not a list of roles")
        mapping = self.issuer.roles
        roles = tuple(
            dict.fromkeys(mapping.get(r, r) for r in raw_roles if r in mapping or not mapping)
        )
        if not roles:
            raise InvalidTokenError("the token carries no role this hub knows")
        region = _text(claims, names.region)
        if region_code_error(region) is not None:
            raise InvalidTokenError(f"the token's {names.region} claim is not a region code")
        if not any(region_contains(granted, region) for granted in self.issuer.regions):
            raise InvalidTokenError(f"issuer {self.issuer.name!r} may not grant region {region}")
        return Principal(
            client_id=f"{self.issuer.name}/{client_id}",
            subject=subject,
            department=department,
            roles=roles,
            region=region,
        )


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys.keys)


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidTokenError(f"the token's {name} claim is missing or not a string")
    return value


class IssuerRouter:
    """Chooses the verifier by the token's (still unverified) ``iss``; that verifier
    then checks the whole token, ``iss`` included, so reading it early trusts nothing."""

    def __init__(
        self, own: AccessTokenVerifier, own_issuer: str, trusted: list[TrustedIssuerVerifier]
    ) -> None:
        self._own = own
        self._own_issuer = own_issuer
        self._trusted = {verifier.issuer.issuer: verifier for verifier in trusted}

    async def verify(self, token: str) -> Principal:
        issuer = unverified_claims(token).get("iss")
        if issuer == self._own_issuer or not isinstance(issuer, str):
            return await self._own.verify(token)
        verifier = self._trusted.get(issuer)
        if verifier is None:
            raise InvalidTokenError("the token was issued by an issuer this hub does not trust")
        return await verifier.verify(token)


def trusting(
    own: AccessTokenVerifier, own_issuer: str, issuers_file: Path | None, *, clock: Clock = utc_now
) -> AccessTokenVerifier:
    """The hub's verifier, routing to the trusted issuers of ``issuers_file`` if any."""
    if issuers_file is None:
        return own
    trusted = [TrustedIssuerVerifier(i, clock=clock) for i in load_trusted_issuers(issuers_file)]
    return IssuerRouter(own, own_issuer, trusted)
