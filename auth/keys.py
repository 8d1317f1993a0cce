"""The hub's signing keys over the ``signing_keys`` table.

One key signs at a time (the newest unretired one). ``rotate`` retires it: a
retired key no longer signs, but its public key stays in the JWKS for good, because
review signatures made with it must verify offline years later (DESIGN §9). Access
tokens it signed are accepted only until ``retired_at`` + the token TTL — after that
no honest token from it can still be alive (see ``HubKey.accepts_tokens_at``).

Keys are ES256 (P-256) generated with joserfc; ``kid`` is the RFC 7638 thumbprint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import ECKey, Key, import_key
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.auth.clock import Clock, as_utc, utc_now
from xietong.kernel.store import SigningKey

SIGNING_ALGORITHM = "ES256"
ACCEPTED_ALGORITHMS = frozenset({SIGNING_ALGORITHM})
"""Algorithms a hub token may carry. Never ``none`` or an HMAC: a verifier that
accepted HS256 could be fooled with the public key used as the shared secret."""


@dataclass(frozen=True, slots=True)
class HubKey:
    """A hub key as verifiers see it: public half and lifecycle only."""

    kid: str
    algorithm: str
    public_jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None
    _imported: Key = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Imported once, not on every token verified (a tenth of a millisecond each).
        object.__setattr__(self, "_imported", import_key(self.public_jwk))

    def public_key(self) -> Key:
        return self._imported

    def accepts_tokens_at(self, now: datetime, token_ttl: timedelta) -> bool:
        """A retired key's tokens die with the last one it could have signed."""
        return self.retired_at is None or now < self.retired_at + token_ttl


@dataclass(frozen=True, slots=True)
class SigningKeyPair:
    """The key that signs right now, private half included."""

    kid: str
    algorithm: str
    private_key: Key


@dataclass(frozen=True, slots=True)
class Rotation:
    new_kid: str
    retired_kids: tuple[str, ...]


class SigningKeyStore:
    """Creates, rotates and publishes the hub's signing keys.

    Verifiers read keys through an in-memory snapshot that is reloaded when a token
    names a kid it does not hold (a key rotated in by another process) and at least
    every ``refresh_seconds`` (so another process's retirement is seen within that).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utc_now,
        refresh_seconds: float = 30.0,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._snapshot: dict[str, HubKey] = {}
        self._snapshot_loaded_at: float | None = None

    async def ensure_signing_key(self) -> str:
        """The kid of the key that signs now, creating the first key if there is none."""
        return (await self.signing_key()).kid

    async def signing_key(self) -> SigningKeyPair:
        """The newest unretired key, created on first use.

        Two processes starting at once may each create one; harmless, because the
        newest unretired key is the one that signs.
        """
        async with self._sessions() as session:
            row = await _newest_active(session)
            if row is None:
                row = _new_key_row(self._clock())
                session.add(row)
            pair = SigningKeyPair(row.kid, row.algorithm, import_key(row.private_jwk))
            if row in session.new:
                await session.commit()
                self._forget_snapshot()
        return pair

    async def rotate(self) -> Rotation:
        """Add a new signing key and retire every other one (they stay published)."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            retired = (
                await session.scalars(select(SigningKey.kid).where(SigningKey.retired_at.is_(None)))
            ).all()
            await session.execute(
                update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=now)
            )
            row = _new_key_row(now)
            new_kid = row.kid
            session.add(row)
        self._forget_snapshot()
        return Rotation(new_kid=new_kid, retired_kids=tuple(retired))

    async def published_keys(self) -> list[HubKey]:
        """Every key ever used: the signing key first, then the most recently retired."""
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(SigningKey).order_by(
                        SigningKey.retired_at.is_(None).desc(),
                        SigningKey.retired_at.desc(),
                        SigningKey.created_at.desc(),
                        SigningKey.kid,
                    )
                )
            ).all()
        return [_hub_key(row) for row in rows]

    async def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [key.public_jwk for key in await self.published_keys()]}

    async def verification_key(self, kid: str) -> HubKey | None:
        if kid not in self._snapshot or self._snapshot_is_stale():
            keys = await self.published_keys()
            self._snapshot = {key.kid: key for key in keys}
            self._snapshot_loaded_at = time.monotonic()
        return self._snapshot.get(kid)

    def _snapshot_is_stale(self) -> bool:
        loaded_at = self._snapshot_loaded_at
        return loaded_at is None or time.monotonic() - loaded_at > self._refresh_seconds

    def _forget_snapshot(self) -> None:
        self._snapshot_loaded_at = None


async def _newest_active(session: AsyncSession) -> SigningKey | None:
    return await session.scalar(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.kid)
        .limit(1)
    )


def _new_key_row(now: datetime) -> SigningKey:
    key = ECKey.generate_key("P-256")
    kid = key.thumbprint()
    params = {"kid": kid, "alg": SIGNING_ALGORITHM, "use": "sig"}
    return SigningKey(
        kid=kid,
        algorithm=SIGNING_ALGORITHM,
        # Stored as plain JWK JSON. Production should wrap the private key with a KMS
        # (envelope encryption) so that a copy of the database cannot mint tokens.
        private_jwk=dict(key.as_dict(private=True, **params)),
        public_jwk=dict(key.as_dict(private=False, **params)),
        created_at=now,
        retired_at=None,
    )


def _hub_key(row: SigningKey) -> HubKey:
    return HubKey(
        kid=row.kid,
        algorithm=row.algorithm,
        public_jwk=dict(row.public_jwk),
        created_at=as_utc(row.created_at),
        retired_at=as_utc(row.retired_at) if row.retired_at is not None else None,
    )
