"""The officers' console as an OpenID Connect client of the hub's own provider.

A public client (it runs on the hub, but holds no secret of its own: PKCE with
S256 binds each code to the console's session), with one redirect URI, the
console's callback under the hub's issuer. Its tokens name the officer as ``sub``
and the console as ``client_id`` (DESIGN §14).
"""

from __future__ import annotations

CONSOLE_CLIENT_ID = "xietong-console"
CONSOLE_CALLBACK_PATH = "/console/callback"
OFFICER_SCOPES = ("openid", "profile")


def console_redirect_uri(issuer: str) -> str:
    return f"{issuer.rstrip('/')}{CONSOLE_CALLBACK_PATH}"
