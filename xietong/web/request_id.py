"""A request id for every HTTP request: the client's own ``X-Request-Id`` when it
sent a sensible one (a proxy's, say), a new one otherwise. Every log line written
while the request is answered carries it (``xietong.web.logs``), and the response
gives it back in ``X-Request-Id``, so an operator finds a client's complaint in the
log."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xietong.web.logs import REQUEST_ID, stamp_log_records

HEADER = "x-request-id"
_SENSIBLE = re.compile(r"[A-Za-z0-9._:-]{1,100}")
"""What a proxy's ids look like; anything else (a log-injection attempt) is replaced."""


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        stamp_log_records()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(HEADER, "")
        request_id = given if _SENSIBLE.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        # uvicorn writes its access line inside ``send``, so that line has it too.
        token = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
