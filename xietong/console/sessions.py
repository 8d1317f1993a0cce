"""Console sessions kept in the hub store (``console_sessions``), not in a cookie.

The cookie carries a random id only (HttpOnly, SameSite=Lax, Secure over https);
the row, keyed by the id's SHA-256, holds the officer, their access token, the
CSRF secret and the task's purpose. Sign-out deletes the row; a session idle
longer than ``idle`` or past its token's expiry is gone on its next request, on
every worker.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.auth.clock import Clock, as_utc, utc_now
from xietong.kernel.store import ConsoleSession

COOKIE = "xietong_console"
PRE_SIGN_IN_LIFETIME = timedelta(minutes=10)
"""A session not yet signed in (only the sign-in's state, PKCE verifier and nonce)."""


@dataclass
class Session:
    id: str
    data: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    changed: bool = False

    @property
    def officer(self) -> str | None:
        value = self.data.get("officer")
        return value if isinstance(value, str) else None

    @property
    def csrf(self) -> str:
        token = self.data.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(24)
            self.data["csrf"] = token
            self.changed = True
        return token

    def set(self, **values: Any) -> None:
        self.data.update(values)
        self.changed = True

    def pop(self, name: str) -> Any:
        self.changed = True
        return self.data.pop(name, None)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        idle: timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self._sessions = sessions
        self._idle = idle
        self._clock = clock

    @property
    def idle(self) -> timedelta:
        return self._idle

    async def load(self, session_id: str | None) -> Session | None:
        """The live session of this cookie value; None if unknown, idle too long or expired."""
        if not session_id or len(session_id) > 100:
            return None
        now = self._clock()
        async with self._sessions() as db, db.begin():
            row = await db.get(ConsoleSession, _hash(session_id))
            if row is None:
                return None
            if as_utc(row.last_seen) + self._idle < now or as_utc(row.expires_at) <= now:
                await db.delete(row)
                return None
            row.last_seen = now
            return Session(session_id, dict(row.data), as_utc(row.expires_at))

    def new(self) -> Session:
        return Session(
            secrets.token_urlsafe(32),
            changed=True,
            expires_at=self._clock() + PRE_SIGN_IN_LIFETIME,
        )

    async def save(self, session: Session) -> None:
        now = self._clock()
        expires_at = session.expires_at or now + PRE_SIGN_IN_LIFETIME
        async with self._sessions() as db, db.begin():
            # Dead sessions go as new ones are written: no sweeper needed.
            await db.execute(
                delete(ConsoleSession).where(ConsoleSession.last_seen < now - self._idle)
            )
            row = await db.get(ConsoleSession, _hash(session.id))
            if row is None:
                db.add(
                    ConsoleSession(
                        id_hash=_hash(session.id),
                        data=session.data,
                        last_seen=now,
                        expires_at=expires_at,
                    )
                )
            else:
                row.data = dict(session.data)
                row.last_seen = now
                row.expires_at = expires_at

    async def end(self, session: Session) -> None:
        async with self._sessions() as db, db.begin():
            await db.execute(
                delete(ConsoleSession).where(ConsoleSession.id_hash == _hash(session.id))
            )

    async def rotate(self, session: Session) -> Session:
        """A new id for the same data (at sign-in: a session id seen before sign-in
        is worth nothing after it)."""
        await self.end(session)
        return Session(secrets.token_urlsafe(32), dict(session.data), session.expires_at, True)
