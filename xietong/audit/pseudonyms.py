"""Pseudonyms of personal values in the access log: keyed HMAC-SHA256 of an ID
number, ``hmac:<hex>``, under the newest key in the hub store.

An auditor searching by a plain ID number finds its events (the hub computes the
pseudonym under every key, and the plain SHA-256 older events carry); an export
cannot be enumerated back to ID numbers without a key. ``xietong migrate`` makes
the first key, ``xietong keys rotate`` a new one: new events use it from the next
start of each worker, and old events stay findable under the old keys.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from xietong.kernel.canonical import sha256_hex
from xietong.kernel.store import AuditPseudonymKey

PREFIX = "hmac:"
LEGACY_PREFIX = "sha256:"
"""Events written before keyed pseudonyms carry the plain SHA-256."""


class Pseudonyms:
    """``pseudonyms.of(id_number)`` for the log; ``candidates`` for a search."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._keys: list[bytes] | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Read the keys, newest first (blocking: call it off the event loop)."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(AuditPseudonymKey.secret).order_by(
                    AuditPseudonymKey.created_at.desc(), AuditPseudonymKey.kid
                )
            ).all()
        if not rows:
            raise LookupError("the hub store has no audit pseudonym key: run `xietong migrate`")
        with self._lock:
            self._keys = [bytes.fromhex(row.secret) for row in rows]

    def of(self, value: str) -> str:
        return PREFIX + _hmac(self._loaded()[0], value)

    def candidates(self, value: str) -> list[str]:
        """Every form ``value`` may have in the log: under each key, and legacy."""
        return [PREFIX + _hmac(key, value) for key in self._loaded()] + [
            LEGACY_PREFIX + sha256_hex(value)
        ]

    def _loaded(self) -> list[bytes]:
        if self._keys is None:
            self.load()
        assert self._keys is not None
        return self._keys


def rotate_pseudonym_key(engine: Engine) -> str:
    """Add a new newest key; returns its id."""
    kid = secrets.token_hex(8)
    with engine.begin() as connection:
        connection.execute(
            insert(AuditPseudonymKey).values(
                kid=kid, secret=secrets.token_hex(32), created_at=datetime.now(UTC)
            )
        )
    return kid


def _hmac(key: bytes, value: str) -> str:
    # The one-shot form: the same digest as ``hmac.new(...).hexdigest()``, without an
    # HMAC object per value (a page of joint records has some 1,500 ID numbers).
    return hmac.digest(key, value.encode(), "sha256").hex()
