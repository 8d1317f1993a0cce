"""Officers sign in at the hub's own OpenID Connect provider: authorization code +
PKCE, driven by authlib's client the way the console drives it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pyotp
import pytest
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.auth.token_helpers import ISSUER, TokenHub
from xietong.auth.console_client import CONSOLE_CLIENT_ID, console_redirect_uri
from xietong.auth.identity_errors import OfficerRegistrationError
from xietong.auth.oidc_client import AsyncOAuth2Client

PASSWORD = "correct horse battery"
REDIRECT = console_redirect_uri(ISSUER)


@dataclass
class Started:
    client: AsyncOAuth2Client
    url: str
    verifier: str
    state: str
    nonce: str


async def _add_officer(hub: TokenHub, username: str = "wang.fang", **extra: str) -> None:
    await hub.service.officers.add(
        username,
        name="王芳",
        department="EDUCATION",
        role="education.supervisor",
        region="410200",
        password=PASSWORD,
        **extra,
    )


def _client(hub: TokenHub) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=CONSOLE_CLIENT_ID,
        redirect_uri=REDIRECT,
        scope="openid profile",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
        transport=hub.http._transport,
        base_url=ISSUER,
    )


def _start(hub: TokenHub) -> Started:
    client = _client(hub)
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = client.create_authorization_url(
        f"{ISSUER}/oauth/authorize", code_verifier=verifier, nonce=nonce
    )
    return Started(client, url, verifier, state, nonce)


def _form_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


async def _sign_in(
    hub: TokenHub, started: Started, password: str = PASSWORD, totp: str = ""
) -> httpx.Response:
    page = await hub.http.get(started.url)
    assert page.status_code == 200, page.text
    assert "用户名" in page.text
    assert "密码" in page.text
    fields = _form_fields(page.text)
    fields |= {"username": "wang.fang", "password": password, "totp": totp}
    return await hub.http.post("/oauth/authorize", data=fields)


async def _code_of(response: httpx.Response, started: Started) -> str:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    params = dict(httpx.URL(location).params)
    assert params["state"] == started.state
    return params["code"]


async def test_an_officer_signs_in_and_acts_under_their_own_name(token_hub: TokenHub) -> None:
    await _add_officer(token_hub)
    started = _start(token_hub)

    code = await _code_of(await _sign_in(token_hub, started), started)
    token = await started.client.fetch_token(
        f"{ISSUER}/oauth/token", code=code, code_verifier=started.verifier
    )

    keys = KeySet.import_key_set((await token_hub.http.get("/.well-known/jwks.json")).json())
    id_token = jwt.decode(token["id_token"], keys, algorithms=["ES256"]).claims
    assert (id_token["iss"], id_token["aud"], id_token["sub"]) == (
        ISSUER,
        [CONSOLE_CLIENT_ID],
        "wang.fang",
    )
    assert (id_token["nonce"], id_token["name"], id_token["dept"]) == (
        started.nonce,
        "王芳",
        "EDUCATION",
    )
    me = await token_hub.http.get(
        "/echo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json() | {"scopes": None} == {
        "client_id": CONSOLE_CLIENT_ID,
        "subject": "wang.fang",
        "department": "EDUCATION",
        "roles": ["education.supervisor"],
        "region": "410200",
        "scopes": None,
    }


async def test_a_code_works_once_and_only_with_its_verifier(token_hub: TokenHub) -> None:
    await _add_officer(token_hub)
    started = _start(token_hub)
    code = await _code_of(await _sign_in(token_hub, started), started)
    form = {
        "grant_type": "authorization_code",
        "client_id": CONSOLE_CLIENT_ID,
        "code": code,
        "redirect_uri": REDIRECT,
    }

    wrong = await token_hub.http.post("/oauth/token", data=form | {"code_verifier": "x" * 50})
    again = await token_hub.http.post(
        "/oauth/token", data=form | {"code_verifier": started.verifier}
    )

    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    # The first, failed redemption took the code: a stolen code is worth one try.
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_a_wrong_password_or_totp_code_is_refused_in_the_same_words(
    token_hub: TokenHub,
) -> None:
    secret = pyotp.random_base32()
    await _add_officer(token_hub, totp_secret=secret)
    started = _start(token_hub)

    bad_password = await _sign_in(token_hub, started, password="not the password")
    no_code = await _sign_in(token_hub, started)
    with_code = await _sign_in(token_hub, started, totp=pyotp.TOTP(secret).now())

    assert bad_password.status_code == no_code.status_code == 401
    assert "用户名、密码或动态口令不正确" in bad_password.text
    assert "用户名、密码或动态口令不正确" in no_code.text
    await _code_of(with_code, started)


async def test_the_sign_in_form_needs_its_csrf_cookie(token_hub: TokenHub) -> None:
    await _add_officer(token_hub)
    started = _start(token_hub)
    page = await token_hub.http.get(started.url)
    fields = _form_fields(page.text) | {"username": "wang.fang", "password": PASSWORD}
    token_hub.http.cookies.clear()

    response = await token_hub.http.post("/oauth/authorize", data=fields)

    assert response.status_code == 403
    assert "location" not in response.headers


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "code_challenge"),
        ({"code_challenge_method": "plain"}, "code_challenge_method"),
        ({"redirect_uri": "https://evil.test/cb"}, "redirect"),
        ({"nonce": None}, "nonce"),
    ],
)
async def test_an_authorization_request_without_pkce_nonce_or_its_redirect_is_refused(
    token_hub: TokenHub, change: dict[str, str | None], why: str
) -> None:
    started = _start(token_hub)
    params = dict(httpx.URL(started.url).params)
    for name, value in change.items():
        if value is None:
            params.pop(name)
        else:
            params[name] = value

    response = await token_hub.http.get("/oauth/authorize", params=params)

    assert response.status_code == 400, why
    assert "登录请求无效" in response.text
    assert "<form" not in response.text


async def test_a_disabled_officer_cannot_use_a_token_already_issued(token_hub: TokenHub) -> None:
    await _add_officer(token_hub)
    started = _start(token_hub)
    code = await _code_of(await _sign_in(token_hub, started), started)
    token = await started.client.fetch_token(
        f"{ISSUER}/oauth/token", code=code, code_verifier=started.verifier
    )

    await token_hub.service.officers.disable("wang.fang")
    me = await token_hub.http.get(
        "/echo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )

    assert me.status_code == 401


async def test_officer_accounts_are_checked_when_added(token_hub: TokenHub) -> None:
    officers = token_hub.service.officers
    with pytest.raises(OfficerRegistrationError, match="password"):
        await officers.add(
            "li.lei",
            name="李雷",
            department="EDUCATION",
            role="education.supervisor",
            region="410200",
            password="short",
        )
    with pytest.raises(OfficerRegistrationError, match="role"):
        await officers.add(
            "li.lei",
            name="李雷",
            department="EDUCATION",
            role="admin",
            region="410200",
            password=PASSWORD,
        )
    await _add_officer(token_hub)
    with pytest.raises(OfficerRegistrationError, match="already exists"):
        await _add_officer(token_hub)
    stored = await officers.get("wang.fang")
    assert stored is not None
    # argon2id at RFC 9106's second recommended ("low memory") profile: 64 MiB, t=3, p=4.
    assert stored.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert stored.name == "王芳"
    assert (await officers.disable("wang.fang")).enabled is False
