"""The client registry: what it stores, what it refuses, and secrets at rest."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc.jwk import OctKey

from tests.auth.token_helpers import TokenHub, client_key
from xietong.auth.client_secrets import hash_secret, verify_secret
from xietong.auth.identity_errors import (
    ClientExistsError,
    ClientRegistrationError,
    UnknownClientError,
)


async def test_a_client_is_stored_listed_and_disabled(token_hub: TokenHub) -> None:
    registry = token_hub.service.clients
    _, jwks = client_key()
    added = await registry.add(
        "police-kaifeng",
        name="Kaifeng public security bureau",
        department="PUBLIC_SECURITY",
        roles=["police.officer", "police.officer"],
        region="410200",
        secret="police-kaifeng-secret",
        jwks=jwks,
    )

    assert await registry.get("police-kaifeng") == added
    assert added.roles == ("police.officer",)
    assert added.auth_methods == ("client_secret_basic", "private_key_jwt")
    assert added.secret_hash is not None
    assert "police-kaifeng-secret" not in added.secret_hash
    assert verify_secret("police-kaifeng-secret", added.secret_hash)
    assert [record.client_id for record in await registry.list_all()] == ["police-kaifeng"]

    token_hub.clock.advance(5)
    disabled = await registry.disable("police-kaifeng")
    again = await registry.disable("police-kaifeng")

    assert not disabled.enabled
    assert disabled.disabled_at == again.disabled_at == token_hub.clock()
    with pytest.raises(ClientExistsError):
        await registry.add(
            "police-kaifeng",
            name="again",
            department="PUBLIC_SECURITY",
            roles=["police.officer"],
            region="410200",
            secret="another-long-secret",
        )
    with pytest.raises(UnknownClientError):
        await registry.disable("nobody")


async def test_bad_registrations_are_refused_and_store_nothing(token_hub: TokenHub) -> None:
    good: dict[str, Any] = {
        "name": "Kaifeng education bureau",
        "department": "EDUCATION",
        "roles": ["education.supervisor"],
        "region": "410200",
        "secret": "edu-kaifeng-secret",
    }
    private_key, _ = client_key()
    bad: dict[str, tuple[str, dict[str, Any]]] = {
        "id with a colon": ("edu:kaifeng", {}),
        "empty id": ("", {}),
        "blank name": ("edu", {"name": "  "}),
        "unknown department": ("edu", {"department": "HOUSING"}),
        "region of 4 digits": ("edu", {"region": "4102"}),
        "no roles": ("edu", {"roles": []}),
        "unknown role": ("edu", {"roles": ["education.supervisor", "superuser"]}),
        "short secret": ("edu", {"secret": "short"}),
        "no credentials": ("edu", {"secret": None}),
        "private key in the JWKS": ("edu", {"jwks": {"keys": [private_key.as_dict(private=True)]}}),
        "symmetric key in the JWKS": (
            "edu",
            {"jwks": {"keys": [OctKey.generate_key(256).as_dict(private=True)]}},
        ),
        "not a JWKS": ("edu", {"jwks": {"keys": "nope"}}),
    }
    for case, (client_id, changes) in bad.items():
        try:
            await token_hub.service.clients.add(client_id, **{**good, **changes})
        except ClientRegistrationError:
            continue
        pytest.fail(f"accepted: {case}")

    assert await token_hub.service.clients.list_all() == []


def test_a_secret_verifies_only_against_its_own_hash() -> None:
    stored = hash_secret("correct horse battery")

    assert verify_secret("correct horse battery", stored)
    assert not verify_secret("correct horse battery!", stored)
    assert hash_secret("correct horse battery") != stored  # salted
    assert not verify_secret("anything", "not-a-hash")
    assert not verify_secret("anything", "bcrypt$1$2$3$abc$def")
