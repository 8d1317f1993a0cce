"""The demo departments' HTTP services: real Starlette apps over their own stores.

``market_app``, ``police_app`` and ``bank_app`` each take the path of their
SQLite store and an optional artificial latency (``delay_ms``; when omitted,
``XIETONG_SANDBOX_DELAY_MS`` from the environment, else none). Every service
answers in its department's own JSON vocabulary, including its errors: bad
input is a 4xx with the service's native error body, never a 500.
"""

from __future__ import annotations

from xietong.sandbox.services.bank import bank_app
from xietong.sandbox.services.market import market_app
from xietong.sandbox.services.police import police_app

__all__ = ["bank_app", "market_app", "police_app"]
