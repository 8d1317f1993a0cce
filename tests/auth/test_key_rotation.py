"""Key rotation: old tokens live out their TTL, new tokens use the new key, and the
JWKS keeps every public key (review signatures must verify offline for years)."""

from __future__ import annotations

from tests.auth.token_helpers import TTL_SECONDS, TokenHub, unverified_parts
from xietong.auth.token_service import TokenService
from xietong.kernel.db import create_hub_engine


async def test_rotation_keeps_old_tokens_working_and_signs_new_ones_with_the_new_key(
    token_hub: TokenHub,
) -> None:
    await token_hub.add_client("edu-kaifeng")
    old_kid = await token_hub.service.keys.ensure_signing_key()
    old_token = (await token_hub.service.issue_access_token("edu-kaifeng")).access_token

    token_hub.clock.advance(60)
    rotation = await token_hub.service.keys.rotate()
    new_token = (await token_hub.service.issue_access_token("edu-kaifeng")).access_token

    assert rotation.retired_kids == (old_kid,)
    assert unverified_parts(new_token)[0]["kid"] == rotation.new_kid != old_kid
    assert (await token_hub.echo(old_token)).status_code == 200
    assert (await token_hub.echo(new_token)).status_code == 200
    published = (await token_hub.http.get("/.well-known/jwks.json")).json()["keys"]
    assert [key["kid"] for key in published] == [rotation.new_kid, old_kid]


async def test_a_retired_keys_tokens_die_with_its_window_whatever_their_exp(
    token_hub: TokenHub,
) -> None:
    """A leaked retired key cannot mint long-lived tokens: the window is
    retired_at + TTL, not the exp the token claims."""
    await token_hub.add_client("edu-kaifeng")
    retired_key = await token_hub.service.keys.signing_key()
    long_lived = await token_hub.forge(
        key=retired_key, exp=int(token_hub.clock().timestamp()) + 86_400
    )
    await token_hub.service.keys.rotate()

    token_hub.clock.advance(TTL_SECONDS - 60)
    assert (await token_hub.echo(long_lived)).status_code == 200

    token_hub.clock.advance(120)  # past the window and the clock-skew leeway
    assert (await token_hub.echo(long_lived)).status_code == 401
    assert (await token_hub.http.get("/.well-known/jwks.json")).json()["keys"][1]["kid"] == (
        retired_key.kid
    )


async def test_a_token_signed_after_its_key_was_retired_is_refused(token_hub: TokenHub) -> None:
    await token_hub.add_client("edu-kaifeng")
    retired_key = await token_hub.service.keys.signing_key()
    await token_hub.service.keys.rotate()

    token_hub.clock.advance(120)
    late = await token_hub.forge(key=retired_key)

    assert (await token_hub.echo(late)).status_code == 401
    assert (await token_hub.echo(await token_hub.forge())).status_code == 200


async def test_a_rotation_by_another_process_is_seen_by_the_server(token_hub: TokenHub) -> None:
    """``xietong keys rotate`` runs in its own process while the server keeps serving."""
    await token_hub.add_client("edu-kaifeng")
    old_token = (await token_hub.service.issue_access_token("edu-kaifeng")).access_token
    assert (await token_hub.echo(old_token)).status_code == 200  # the server caches the old key

    operator_engine = create_hub_engine(token_hub.database_url)
    try:
        operator = TokenService(operator_engine, token_hub.service.settings, clock=token_hub.clock)
        rotation = await operator.keys.rotate()
    finally:
        await operator_engine.dispose()
    new_token = (await token_hub.service.issue_access_token("edu-kaifeng")).access_token

    assert unverified_parts(new_token)[0]["kid"] == rotation.new_kid
    assert (await token_hub.echo(new_token)).status_code == 200
    assert (await token_hub.echo(old_token)).status_code == 200
