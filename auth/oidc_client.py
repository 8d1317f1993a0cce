"""authlib's OAuth 2.0 / OpenID Connect client over httpx, for the console.

authlib 1.9 prefers httpx2 and warns once when it falls back to httpx; the hub
speaks httpx everywhere else (its sources, its tests), so the fallback is the
intended one and the warning is silenced here, at the one import.
"""

from __future__ import annotations

import warnings

from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

__all__ = ["AsyncOAuth2Client"]
