"""Bearer tokens at a protected endpoint: the valid one passes, every attack is a 401.

Each refusal must carry ``WWW-Authenticate: Bearer ... error="invalid_token"`` and a
GraphQL-shaped ``UNAUTHENTICATED`` body. Forged tokens are built like the accepted
control token (``TokenHub.forge``) with exactly one thing changed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.auth.token_helpers import (
    TTL_SECONDS,
    TokenHub,
    b64url,
    client_assertion,
    client_key,
)
from xietong.auth.keys import SigningKeyPair


def assert_unauthenticated(
    response: httpx.Response, *, invalid_token: bool = True, case: str = ""
) -> None:
    assert response.status_code == 401, case
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer "), case
    assert ('error="invalid_token"' in challenge) is invalid_token, case
    errors = response.json()["errors"]
    assert [error["extensions"]["code"] for error in errors] == ["UNAUTHENTICATED"], case
    assert errors[0]["message"], case


@pytest.fixture
async def issued(token_hub: TokenHub) -> str:
    """A valid token of ``edu-kaifeng``, as the token endpoint would issue it."""
    await token_hub.add_client("edu-kaifeng")
    return (await token_hub.service.issue_access_token("edu-kaifeng")).access_token


async def test_the_control_tokens_are_accepted(token_hub: TokenHub, issued: str) -> None:
    key, jwks = client_key()
    await token_hub.add_client("fire-kaifeng", jwks=jwks)
    response = await token_hub.token_by_assertion(
        client_assertion(key, "fire-kaifeng", now=token_hub.clock())
    )

    assert (await token_hub.echo(response.json()["access_token"])).status_code == 200
    assert (await token_hub.echo(issued)).status_code == 200
    assert (await token_hub.echo(await token_hub.forge())).status_code == 200


async def test_no_authorization_header_is_anonymous(token_hub: TokenHub) -> None:
    """The middleware lets it through; the protected endpoint answers 401 itself."""
    assert_unauthenticated(await token_hub.echo(), invalid_token=False)


async def test_http_basic_passes_the_middleware_untouched(token_hub: TokenHub) -> None:
    """Basic is for the token endpoint; elsewhere it is simply not a bearer token."""
    response = await token_hub.http.get("/echo", auth=("edu-kaifeng", "edu-kaifeng-secret"))

    assert_unauthenticated(response, invalid_token=False)


async def test_a_malformed_header_or_garbage_token_is_refused(token_hub: TokenHub) -> None:
    headers = ["Bearer", "Bearer ", "Bearer a b", "Token abc", "bearer-abc"]
    tokens = ["garbage", "a.b.c", "e30.e30.", "x" * 10_000]
    for header in [*headers, *(f"Bearer {token}" for token in tokens)]:
        assert_unauthenticated(await token_hub.echo(header=header), case=header[:40])


async def test_an_expired_token_is_refused(token_hub: TokenHub, issued: str) -> None:
    token_hub.clock.advance(TTL_SECONDS - 1)
    assert (await token_hub.echo(issued)).status_code == 200

    token_hub.clock.advance(60)  # past exp and the 30 s clock-skew leeway

    assert_unauthenticated(await token_hub.echo(issued))


async def test_a_signature_by_another_key_under_the_hubs_kid_is_refused(
    token_hub: TokenHub, issued: str
) -> None:
    hub_key = await token_hub.service.keys.signing_key()
    impostor = SigningKeyPair(hub_key.kid, "ES256", ECKey.generate_key("P-256"))

    assert_unauthenticated(await token_hub.echo(await token_hub.forge(key=impostor)))


async def test_an_unknown_kid_is_refused(token_hub: TokenHub, issued: str) -> None:
    stranger = ECKey.generate_key("P-256")
    key = SigningKeyPair(stranger.thumbprint(), "ES256", stranger)

    assert_unauthenticated(await token_hub.echo(await token_hub.forge(key=key)))


async def test_alg_none_is_refused(token_hub: TokenHub, issued: str) -> None:
    header, payload, _ = issued.split(".")
    kid = _segment(header)["kid"]
    unsigned = f"{_json_b64({'typ': 'at+jwt', 'alg': 'none', 'kid': kid})}.{payload}."

    assert_unauthenticated(await token_hub.echo(unsigned))


async def test_hs256_signed_with_the_public_key_is_refused(
    token_hub: TokenHub, issued: str
) -> None:
    """The classic key-confusion attack: the published key used as an HMAC secret."""
    _, payload, _ = issued.split(".")
    (public,) = (await token_hub.service.keys.jwks())["keys"]
    header = _json_b64({"typ": "at+jwt", "alg": "HS256", "kid": public["kid"]})
    for secret in (json.dumps(public).encode(), ECKey.import_key(public).as_pem()):
        mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        assert_unauthenticated(await token_hub.echo(f"{header}.{payload}.{b64url(mac)}"))


async def test_a_well_signed_token_with_wrong_claims_is_refused(
    token_hub: TokenHub, issued: str
) -> None:
    now = int(token_hub.clock().timestamp())
    wrong_claims: dict[str, dict[str, Any]] = {
        "wrong audience": {"aud": "another-hub"},
        "wrong issuer": {"iss": "https://evil.test"},
        "sub is not the client": {"sub": "someone-else"},
        "issued in the future": {"iat": now + 600, "exp": now + 600 + TTL_SECONDS},
        "not valid yet": {"nbf": now + 600},
        "no exp": {"exp": None},
        "not a department": {"dept": "HUB_OPERATOR"},
        "no roles": {"roles": []},
        "bad region": {"region": "4102"},
    }
    for case, claims in wrong_claims.items():
        forged = await token_hub.forge(**claims)
        assert_unauthenticated(await token_hub.echo(forged), case=case)


async def test_a_jwt_that_is_not_an_access_token_is_refused(
    token_hub: TokenHub, issued: str
) -> None:
    """Whatever else the hub key might sign (typ JWT) is not an access token."""
    key = await token_hub.service.keys.signing_key()
    claims = _segment(issued.split(".")[1])
    other = jwt.encode({"typ": "JWT", "alg": "ES256", "kid": key.kid}, claims, key.private_key)

    assert_unauthenticated(await token_hub.echo(other))


async def test_a_disabled_clients_tokens_stop_working_at_once(
    token_hub: TokenHub, issued: str
) -> None:
    assert (await token_hub.echo(issued)).status_code == 200

    await token_hub.service.clients.disable("edu-kaifeng")

    assert_unauthenticated(await token_hub.echo(issued))


def _json_b64(value: dict[str, str]) -> str:
    return b64url(json.dumps(value).encode())


def _segment(segment: str) -> dict[str, str]:
    decoded: dict[str, str] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return decoded


async def test_a_tokens_signature_is_checked_once_and_a_changed_copy_is_refused(
    token_hub: TokenHub, issued: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verified token is kept: its signature is not checked again, everything else
    (expiry, the client) still is; a copy with another signature is a new token."""
    decoded: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr("xietong.auth.verifier.jwt.decode", counted)
    for _ in range(3):
        assert (await token_hub.echo(issued)).status_code == 200
    assert decoded == [issued]

    head, payload, signature = issued.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert_unauthenticated(await token_hub.echo(f"{head}.{payload}.{flipped}"))
    other_claims = b64url(json.dumps({**_segment(payload), "roles": ["auditor"]}).encode())
    assert_unauthenticated(await token_hub.echo(f"{head}.{other_claims}.{signature}"))
    assert (await token_hub.echo(issued)).status_code == 200
    assert len(decoded) == 3
