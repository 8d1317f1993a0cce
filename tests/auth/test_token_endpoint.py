"""POST /oauth/token: the client credentials grant with both client authentications."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.auth.token_helpers import (
    AUDIENCE,
    ISSUER,
    TTL_SECONDS,
    TokenHub,
    client_assertion,
    client_key,
    unverified_parts,
)
from xietong.auth.routes import oauth_routes
from xietong.auth.token_service import TokenService
from xietong.kernel.db import create_hub_engine
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings


def assert_invalid_client(response: httpx.Response, *, case: str = "") -> None:
    assert response.status_code == 401, case
    assert response.headers["www-authenticate"].startswith("Basic "), case
    assert response.json()["error"] == "invalid_client", case


async def test_client_secret_basic_issues_an_rfc9068_access_token(token_hub: TokenHub) -> None:
    await token_hub.add_client("edu-kaifeng", secret="edu-kaifeng-secret")

    response = await token_hub.token_by_secret("edu-kaifeng", "edu-kaifeng-secret")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == TTL_SECONDS
    header, claims = unverified_parts(body["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    assert header["kid"] == await token_hub.service.keys.ensure_signing_key()
    now = int(token_hub.clock().timestamp())
    assert claims == {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + TTL_SECONDS,
        "jti": claims["jti"],
        "client_id": "edu-kaifeng",
        "sub": "edu-kaifeng",
        "dept": "EDUCATION",
        "roles": ["education.supervisor"],
        "region": "410200",
    }
    again = await token_hub.token_by_secret("edu-kaifeng", "edu-kaifeng-secret")
    assert unverified_parts(again.json()["access_token"])[1]["jti"] != claims["jti"]
    echoed = await token_hub.echo(body["access_token"])
    assert echoed.status_code == 200
    assert echoed.json() == {
        "client_id": "edu-kaifeng",
        "subject": "edu-kaifeng",
        "department": "EDUCATION",
        "roles": ["education.supervisor"],
        "region": "410200",
        "scopes": ["education.supervisor"],
    }


async def test_private_key_jwt_issues_a_token(token_hub: TokenHub) -> None:
    key, jwks = client_key()
    await token_hub.add_client("fire-kaifeng", jwks=jwks, roles=("fire.officer",))

    response = await token_hub.token_by_assertion(
        client_assertion(key, "fire-kaifeng", now=token_hub.clock())
    )

    assert response.status_code == 200, response.text
    _, claims = unverified_parts(response.json()["access_token"])
    assert (claims["client_id"], claims["sub"], claims["roles"]) == (
        "fire-kaifeng",
        "fire-kaifeng",
        ["fire.officer"],
    )
    assert (await token_hub.echo(response.json()["access_token"])).status_code == 200


async def test_an_assertion_may_name_the_issuer_as_audience(token_hub: TokenHub) -> None:
    key, jwks = client_key()
    await token_hub.add_client("fire-kaifeng", jwks=jwks)

    response = await token_hub.token_by_assertion(
        client_assertion(key, "fire-kaifeng", now=token_hub.clock(), audience=ISSUER)
    )

    assert response.status_code == 200, response.text


async def test_a_replayed_assertion_is_refused(token_hub: TokenHub) -> None:
    key, jwks = client_key()
    await token_hub.add_client("fire-kaifeng", jwks=jwks)
    assertion = client_assertion(key, "fire-kaifeng", now=token_hub.clock())

    first = await token_hub.token_by_assertion(assertion)
    token_hub.clock.advance(10)
    replay = await token_hub.token_by_assertion(assertion)

    assert first.status_code == 200
    assert_invalid_client(replay)


async def test_a_used_jti_is_free_again_once_its_assertion_expired(token_hub: TokenHub) -> None:
    """The replay cache forgets only what the expiry check refuses anyway."""
    key, jwks = client_key()
    await token_hub.add_client("fire-kaifeng", jwks=jwks)
    first = client_assertion(key, "fire-kaifeng", now=token_hub.clock(), jti="j-1", lifetime=60)
    assert (await token_hub.token_by_assertion(first)).status_code == 200

    token_hub.clock.advance(3600)
    again = client_assertion(key, "fire-kaifeng", now=token_hub.clock(), jti="j-1", lifetime=60)

    assert (await token_hub.token_by_assertion(again)).status_code == 200


async def test_a_bad_assertion_is_invalid_client(token_hub: TokenHub) -> None:
    key, jwks = client_key()
    await token_hub.add_client("fire-kaifeng", jwks=jwks)
    await token_hub.add_client("edu-kaifeng", secret="edu-kaifeng-secret")
    now = token_hub.clock()
    bad_assertions = {
        "signed by an unregistered key": client_assertion(client_key()[0], "fire-kaifeng", now=now),
        "for another audience": client_assertion(
            key, "fire-kaifeng", now=now, audience="https://other.test/oauth/token"
        ),
        "expired": client_assertion(key, "fire-kaifeng", now=now, lifetime=-120),
        "iss is not the client": client_assertion(key, "fire-kaifeng", now=now, iss="other"),
        "lives too long": client_assertion(key, "fire-kaifeng", now=now, lifetime=7200),
        "no jti": client_assertion(key, "fire-kaifeng", now=now, without="jti"),
        "blank jti": client_assertion(key, "fire-kaifeng", now=now, jti=""),
        "unknown client": client_assertion(key, "nobody", now=now),
        "client with a secret but no keys": client_assertion(key, "edu-kaifeng", now=now),
        "not a JWT": "not-a-jwt",
        # Hostile values that must not reach a header, an error text or the database raw:
        "kid with a quote and non-ASCII": client_assertion(key, "fire-kaifeng", now=now, kid='é"k'),
        "client id with a NUL byte": client_assertion(key, "fire\x00kaifeng", now=now),
        "jti with a NUL byte": client_assertion(key, "fire-kaifeng", now=now, jti="a\x00b"),
    }
    for case, assertion in bad_assertions.items():
        assert_invalid_client(await token_hub.token_by_assertion(assertion), case=case)


async def test_failed_client_authentication_is_invalid_client(token_hub: TokenHub) -> None:
    await token_hub.add_client("edu-kaifeng", secret="edu-kaifeng-secret")
    await token_hub.add_client("fire-kaifeng", jwks=client_key()[1])
    attempts = {
        "wrong secret": ("edu-kaifeng", "guessed-secret"),
        "unknown client": ("nobody", "nobody-secret"),
        "key-only client with a secret": ("fire-kaifeng", "fire-kaifeng-secret"),
        "no credentials": None,
    }
    for case, credentials in attempts.items():
        response = await token_hub.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=credentials or httpx.USE_CLIENT_DEFAULT,
        )
        assert_invalid_client(response, case=case)


async def test_a_disabled_client_gets_no_token(token_hub: TokenHub) -> None:
    key, jwks = client_key()
    await token_hub.add_client("edu-kaifeng", secret="edu-kaifeng-secret", jwks=jwks)
    await token_hub.service.clients.disable("edu-kaifeng")

    by_secret = await token_hub.token_by_secret("edu-kaifeng", "edu-kaifeng-secret")
    by_key = await token_hub.token_by_assertion(
        client_assertion(key, "edu-kaifeng", now=token_hub.clock())
    )

    assert_invalid_client(by_secret)
    assert_invalid_client(by_key)


async def test_only_the_client_credentials_grant_without_scope_is_served(
    token_hub: TokenHub,
) -> None:
    await token_hub.add_client("edu-kaifeng", secret="edu-kaifeng-secret")
    requests = [
        ({"grant_type": "password"}, "unsupported_grant_type", 400),
        ({"grant_type": "client_credentials", "scope": "everything"}, "invalid_scope", 400),
        # The code grant is the console's (a public client, for officers): a
        # department system authenticating with its secret is not that client.
        ({"grant_type": "authorization_code", "code": "x"}, "invalid_client", 401),
    ]
    for form, error, status in requests:
        response = await token_hub.http.post(
            "/oauth/token", data=form, auth=("edu-kaifeng", "edu-kaifeng-secret")
        )
        assert response.status_code == status, form
        assert response.json()["error"] == error, form
        assert response.headers["cache-control"] == "no-store", form


async def test_a_malformed_request_is_invalid_request(token_hub: TokenHub) -> None:
    credentials = ("edu-kaifeng", "edu-kaifeng-secret")
    form = {"content-type": "application/x-www-form-urlencoded"}
    malformed = {
        "json body": {"json": {"grant_type": "client_credentials"}},
        "repeated parameter": {
            "content": "grant_type=client_credentials&grant_type=client_credentials",
            "headers": form,
        },
        "secret in the body": {
            "data": {"grant_type": "client_credentials", "client_secret": credentials[1]}
        },
        "not UTF-8": {"content": b"grant_type=\xff", "headers": form},
        "repeated odd parameter": {"content": "%22%E5%90%8D=1&%22%E5%90%8D=2", "headers": form},
        "too large": {
            "content": "grant_type=client_credentials&x=" + "y" * 20_000,
            "headers": form,
        },
    }
    for case, send in malformed.items():
        response = await token_hub.http.post("/oauth/token", auth=credentials, **send)  # type: ignore[arg-type]
        assert response.status_code == 400, case
        assert response.json()["error"] == "invalid_request", case


async def test_two_client_authentications_at_once_are_refused(token_hub: TokenHub) -> None:
    key, jwks = client_key()
    await token_hub.add_client("edu-kaifeng", secret="edu-kaifeng-secret", jwks=jwks)

    response = await token_hub.http.post(
        "/oauth/token",
        auth=("edu-kaifeng", "edu-kaifeng-secret"),
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": client_assertion(key, "edu-kaifeng", now=token_hub.clock()),
        },
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("issuer", "served"),
    [("https://hub.example", True), ("http://127.0.0.1:8000", True), ("http://hub.example", False)],
)
def test_tokens_are_served_over_https_or_loopback_only(
    tmp_path: Path, issuer: str, served: bool
) -> None:
    settings = Settings.from_env({"XIETONG_ISSUER": issuer}, data_dir=tmp_path)
    service = TokenService(create_hub_engine(settings.database_url), settings)

    if served:
        oauth_routes(service)
    else:
        with pytest.raises(ConfigError, match="https"):
            oauth_routes(service)
