"""Authorization codes of the hub's OpenID Connect provider, in the hub store.

A code is kept as its SHA-256 only, lives ``CODE_LIFETIME``, and is taken (deleted)
by the one token request that redeems it: a second redemption, on any worker,
finds nothing (RFC 6749 §4.1.2: "The client MUST NOT use the authorization code
more than once").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.auth.clock import Clock, as_utc, utc_now
from xietong.kernel.store import AuthorizationCode

CODE_LIFETIME = timedelta(minutes=2)
"""Long enough for a browser's redirect and the console's token request."""


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """What a code was issued for; authlib reads it through the ``get_*`` methods."""

    client_id: str
    username: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    auth_time: datetime
    expires_at: datetime

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class AuthorizationCodeStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now):
        self._sessions = sessions
        self._clock = clock

    async def save(self, code: str, issued: IssuedCode) -> None:
        async with self._sessions() as session, session.begin():
            # Expired codes go as new ones come: the table stays small without a sweeper.
            await session.execute(
                delete(AuthorizationCode).where(AuthorizationCode.expires_at < self._clock())
            )
            session.add(
                AuthorizationCode(
                    code_hash=_hash(code),
                    client_id=issued.client_id,
                    username=issued.username,
                    redirect_uri=issued.redirect_uri,
                    scope=issued.scope,
                    nonce=issued.nonce,
                    code_challenge=issued.code_challenge,
                    code_challenge_method=issued.code_challenge_method,
                    auth_time=issued.auth_time,
                    expires_at=issued.expires_at,
                )
            )

    async def take(self, code: str, client_id: str) -> IssuedCode | None:
        """The code's grant, removed from the store; None if unknown, expired, of
        another client, or already taken by a concurrent request."""
        code_hash = _hash(code)
        async with self._sessions() as session, session.begin():
            row = await session.scalar(
                select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash)
            )
            if row is None:
                return None
            taken = await session.execute(
                delete(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash)
            )
            if getattr(taken, "rowcount", 0) != 1:
                return None
            issued = IssuedCode(
                client_id=row.client_id,
                username=row.username,
                redirect_uri=row.redirect_uri,
                scope=row.scope,
                nonce=row.nonce,
                code_challenge=row.code_challenge,
                code_challenge_method=row.code_challenge_method,
                auth_time=as_utc(row.auth_time),
                expires_at=as_utc(row.expires_at),
            )
        if issued.client_id != client_id or issued.expires_at <= self._clock():
            return None
        return issued


def expiry(now: datetime) -> datetime:
    return now + CODE_LIFETIME
