"""Replay protection for private_key_jwt client assertions (RFC 7523 §3, item 7).

Each assertion's ``(client_id, jti)`` is recorded in the hub database until the
assertion expires; a second use inside that time is refused. It lives in the
database, not in a worker's memory, so a replay to another ``serve`` worker is
caught too (DESIGN §11: nothing in a worker's memory is the only copy).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.kernel.store import UsedClientAssertion

MAX_JTI_LENGTH = 200


class AssertionReplayCache:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def first_use(
        self, client_id: str, jti: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Record the assertion; False if it was used before and has not expired.

        The primary key makes this atomic across workers: of two concurrent uses
        exactly one insert succeeds.
        """
        async with self._sessions() as session:
            # Expired entries can go: their assertions are refused as expired anyway.
            await session.execute(
                delete(UsedClientAssertion).where(UsedClientAssertion.expires_at <= now)
            )
            await session.commit()
            session.add(UsedClientAssertion(client_id=client_id, jti=jti, expires_at=expires_at))
            try:
                await session.commit()
            except IntegrityError:
                return False
        return True
