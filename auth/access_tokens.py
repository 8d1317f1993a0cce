"""JWT access tokens (RFC 9068) that the hub signs for a client.

Header ``{"typ": "at+jwt", "alg": "ES256", "kid": ...}``; claims ``iss aud exp iat
jti client_id sub`` plus the hub's own ``dept roles region`` (DESIGN §7). For the
client credentials grant there is no resource owner, so ``sub`` is the client id;
for an officer signed in through the console (authorization code) it is the officer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt

from xietong.auth.clients import ClientRecord
from xietong.auth.clock import epoch_seconds
from xietong.auth.keys import SigningKeyPair
from xietong.auth.officers import OfficerRecord

ACCESS_TOKEN_TYPE = "at+jwt"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    kid: str


def access_token_claims(
    client: ClientRecord, *, issuer: str, audience: str, now: datetime, ttl: timedelta
) -> dict[str, Any]:
    issued_at = epoch_seconds(now)
    return {
        "iss": issuer,
        "aud": audience,
        "iat": issued_at,
        "exp": issued_at + int(ttl.total_seconds()),
        "jti": secrets.token_urlsafe(16),
        "client_id": client.client_id,
        "sub": client.client_id,
        "dept": client.department.value,
        "roles": list(client.roles),
        "region": client.region,
    }


def officer_access_token_claims(
    officer: OfficerRecord,
    client_id: str,
    *,
    issuer: str,
    audience: str,
    now: datetime,
    ttl: timedelta,
) -> dict[str, Any]:
    """An officer's token through a console client: ``sub`` is the officer, not
    the client, and the department, roles and region are the officer's."""
    issued_at = epoch_seconds(now)
    return {
        "iss": issuer,
        "aud": audience,
        "iat": issued_at,
        "exp": issued_at + int(ttl.total_seconds()),
        "jti": secrets.token_urlsafe(16),
        "client_id": client_id,
        "sub": officer.username,
        "dept": officer.department.value,
        "roles": list(officer.roles),
        "region": officer.region,
    }


def sign_access_token(claims: dict[str, Any], key: SigningKeyPair) -> str:
    header = {"typ": ACCESS_TOKEN_TYPE, "alg": key.algorithm, "kid": key.kid}
    return jwt.encode(header, claims, key.private_key, algorithms=[key.algorithm])
