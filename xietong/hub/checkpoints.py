"""The background task that signs checkpoints of the access log (``audit.checkpoints``).

Every worker runs one; they need no coordination: a head that two workers sign at
once is stored once (the primary key on ``seq``), and the other's copy is dropped.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from xietong.audit.checkpoints import Checkpoint, head_progress, make_checkpoint
from xietong.auth.clock import Clock, utc_now
from xietong.auth.keys import SigningKeyStore
from xietong.kernel.settings import Settings

log = logging.getLogger(__name__)
LONGEST_WAIT = 1.0
"""Seconds between looks at the head: the count threshold is noticed within this."""


class Checkpointer:
    """Signs the head when ``settings.checkpoint_every`` events or
    ``settings.checkpoint_seconds`` have passed since the last checkpoint."""

    def __init__(
        self, engine: Engine, keys: SigningKeyStore, settings: Settings, *, clock: Clock = utc_now
    ) -> None:
        self._engine = engine
        self._keys = keys
        self._every = settings.checkpoint_every
        self._seconds = settings.checkpoint_seconds
        self._clock = clock
        self._failing = False

    @property
    def enabled(self) -> bool:
        return bool(self._every or self._seconds)

    async def tick(self) -> Checkpoint | None:
        """Make a checkpoint if one is due; the one made, if any."""
        progress = await asyncio.to_thread(head_progress, self._engine)
        now = self._clock()
        if not progress.due(now, every=self._every, seconds=self._seconds):
            return None
        key = await self._keys.signing_key()
        return await asyncio.to_thread(make_checkpoint, self._engine, key, at=now)

    async def run(self) -> None:
        """Tick until cancelled; a failed tick is logged and retried at the next."""
        wait = min(self._seconds, LONGEST_WAIT) if self._seconds else LONGEST_WAIT
        while True:
            await asyncio.sleep(wait)
            try:
                await self.tick()
            except (DBAPIError, OSError) as error:
                # The store is down (an expected failure, and /readyz says so): one
                # line when it starts, not a traceback every second until it ends.
                if not self._failing:
                    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
                    log.error(
                        "could not sign a checkpoint of the access log (%s); trying again "
                        "every %g s",
                        reason[0] if reason else type(error).__name__,
                        wait,
                    )
                self._failing = True
            except Exception:
                log.exception("could not sign a checkpoint of the access log")
            else:
                if self._failing:
                    log.warning("checkpoints of the access log are signed again")
                self._failing = False
