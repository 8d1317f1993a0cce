"""The JWKS and the RFC 8414 metadata document."""

from __future__ import annotations

from joserfc.jwk import ECKey

from tests.auth.token_helpers import ISSUER, TokenHub


async def test_the_jwks_publishes_public_keys_only(token_hub: TokenHub) -> None:
    response = await token_hub.http.get("/.well-known/jwks.json")

    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["kid"] == await token_hub.service.keys.ensure_signing_key()
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
    assert "d" not in key
    assert key["kid"] == ECKey.import_key(key).thumbprint()  # RFC 7638
    assert "max-age" in response.headers["cache-control"]


async def test_the_authorization_server_metadata(token_hub: TokenHub) -> None:
    response = await token_hub.http.get("/.well-known/oauth-authorization-server")

    assert response.status_code == 200
    metadata = response.json()
    assert metadata["issuer"] == ISSUER
    assert metadata["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert metadata["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert metadata["grant_types_supported"] == ["client_credentials", "authorization_code"]
    assert metadata["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "private_key_jwt",
        "none",  # the console: a public client with PKCE, for officers only
    ]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "ES256" in metadata["token_endpoint_auth_signing_alg_values_supported"]
    assert not {"none", "HS256"} & set(metadata["token_endpoint_auth_signing_alg_values_supported"])
    # Every URL it advertises is served here.
    for url in (
        metadata["token_endpoint"],
        metadata["jwks_uri"],
        metadata["authorization_endpoint"],
    ):
        assert url.startswith(ISSUER)
    assert (await token_hub.http.get(metadata["jwks_uri"])).status_code == 200
