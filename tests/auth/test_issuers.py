"""Trusted issuers: a province's tokens are accepted by a hub that lists its issuer,
verified by its JWKS (file or URL), its claims mapped to the hub's principal; anything
else about them is a 401, and the hub's own tokens work as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from tests.support.issuers import PROVINCE_ISSUER, Province, province
from xietong.auth.identity_errors import InvalidTokenError
from xietong.auth.issuers import IssuerRouter, TrustedIssuerVerifier, load_trusted_issuers
from xietong.kernel.errors import ConfigError
from xietong.sandbox.serve import serve_in_thread

ME = "{ me { clientId subject department roles region } }"


@pytest.fixture
def henan(tmp_path: Path) -> Province:
    return province(tmp_path)


async def verify(henan: Province, token: str) -> object:
    (issuer,) = load_trusted_issuers(henan.issuers_file)
    return await TrustedIssuerVerifier(issuer).verify(token)


async def test_a_provincial_token_becomes_the_principal_its_claims_map_to(
    henan: Province, prepared_sqlite_template: Path, world: SandboxWorld, tmp_path: Path
) -> None:
    database = tmp_path / "hub.db"
    shutil.copyfile(prepared_sqlite_template, database)
    env = {"XIETONG_TRUSTED_ISSUERS": str(henan.issuers_file)}
    async with hub_harness(
        f"sqlite:///{database}", world, env=env, register_clients=False
    ) as harness:
        response = await harness.http.post(
            "/graphql",
            json={"query": ME},
            headers={"Authorization": f"Bearer {henan.token()}"},
        )
        own = await harness.graphql("demo-education", ME)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["me"] == {
        "clientId": "henan/prov-audit",
        "subject": "auditor-li",
        "department": "AUDIT",
        "roles": ["auditor"],
        "region": "410000",
    }
    assert own.json()["data"]["me"]["clientId"] == "demo-education"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "another-hub"}, "another audience"),
        ({"exp": 1_000_000}, "expired"),
        ({"adcode": "420000"}, "may not grant region 420000"),
        ({"groups": ["janitor"]}, "no role this hub knows"),
        ({"org": "army"}, "not a department"),
        ({"adcode": None}, "adcode claim is missing"),
    ],
)
async def test_a_provincial_token_with_wrong_claims_is_refused(
    henan: Province, claims: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidTokenError, match=reason):
        await verify(henan, henan.token(**claims))


async def test_a_token_signed_by_another_key_or_with_a_shared_secret_is_refused(
    henan: Province,
) -> None:
    impostor = ECKey.generate_key("P-256", parameters={"kid": str(henan.key.kid)})
    forged = jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": henan.key.kid}, {}, impostor)
    with pytest.raises(InvalidTokenError, match="does not verify"):
        await verify(henan, forged)
    secret = OctKey.generate_key(256)
    hmac = jwt.encode({"alg": "HS256", "typ": "at+jwt", "kid": henan.key.kid}, {}, secret)
    with pytest.raises(InvalidTokenError, match="not accepted"):
        await verify(henan, hmac)


async def test_keys_are_read_from_the_issuers_jwks_url(henan: Province, tmp_path: Path) -> None:
    jwks = henan.jwks_file.read_text(encoding="utf-8")

    async def publish(_: object) -> JSONResponse:
        return JSONResponse(content=json.loads(jwks))

    with serve_in_thread(Starlette(routes=[Route("/jwks.json", publish)])) as url:
        text = henan.issuers_file.read_text(encoding="utf-8")
        henan.issuers_file.write_text(
            text.replace(f'jwks = "{henan.jwks_file}"', f'jwks = "{url}/jwks.json"'),
            encoding="utf-8",
        )
        principal = await verify(henan, henan.token())
    assert getattr(principal, "region", None) == "410000"


async def test_a_hub_not_trusting_the_province_refuses_its_token(
    henan: Province, sqlite_harness: HubHarness
) -> None:
    response = await sqlite_harness.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {henan.token()}"}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_issuer_the_file_does_not_list_is_refused(henan: Province) -> None:
    (issuer,) = load_trusted_issuers(henan.issuers_file)
    router = IssuerRouter(
        TrustedIssuerVerifier(issuer),
        "https://hub.kaifeng.example",
        [TrustedIssuerVerifier(issuer)],
    )
    with pytest.raises(InvalidTokenError, match="does not trust"):
        await router.verify(henan.token(iss="https://idp.elsewhere.example"))
    assert (await router.verify(henan.token())).client_id == "henan/prov-audit"


def test_a_bad_issuers_file_stops_the_start(tmp_path: Path) -> None:
    path = tmp_path / "issuers.toml"
    path.write_text(
        f'[[issuers]]\nname = "x"\nissuer = "{PROVINCE_ISSUER}"\naudience = "a"\n'
        'jwks = "k.json"\nregions = ["41"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="not a region code"):
        load_trusted_issuers(path)
