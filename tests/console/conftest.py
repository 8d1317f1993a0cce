"""What every console test shares."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from xietong.auth import officers


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Officers' passwords hashed with argon2id at argon2-cffi's cheapest profile.

    The console tests register the nine demo officers and sign them in dozens of
    times; at the production profile each hash and each check costs a third of a
    second here, on purpose, and that cost is not what these tests are about.
    tests/auth signs officers in with the production profile.
    """
    monkeypatch.setattr(officers, "_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
