"""The background task that re-sends release instructions left PENDING (``funds``).

An approval sends its instructions itself; one whose bank timed out or was down, or
whose worker stopped between recording and sending, stays PENDING in the outbox.
Every worker runs this task; they need no coordination: a bank applies an
instruction id once, and an order's instructions go out one at a time, oldest first.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from xietong.funds.service import ReleaseService
from xietong.hub.services import Hub

log = logging.getLogger(__name__)
RESEND_EVERY = 5.0
"""Seconds between looks at the outbox."""
IDLE = timedelta(seconds=5)
"""An instruction tried this recently is left to whoever is trying it."""


class ReleaseResender:
    def __init__(self, hub: Hub, *, every: float = RESEND_EVERY, idle: timedelta = IDLE) -> None:
        self._service = ReleaseService(hub.sessions, hub.adapters)
        self._every = every
        self._idle = idle

    async def tick(self) -> int:
        """Send what is due once; the orders tried."""
        return await self._service.resend_pending(self._idle)

    async def run(self) -> None:
        """Tick until cancelled; a failed tick is logged and retried at the next."""
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.tick()
            except Exception:
                log.exception("could not re-send pending release instructions")
