"""The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636, S256 only) and
OpenID Connect's ID token, on authlib's server, for officers signing in to the console.

The authlib hooks run in a worker thread (see ``token_endpoint``); those that need
the hub store hop back to the event loop with ``on_event_loop``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from anyio import from_thread
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeGrant,
    ClientMixin,
    InvalidRequestError,
    OAuth2Request,
)
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo
from joserfc.jwk import Key

from xietong.auth.authorization_codes import IssuedCode, expiry
from xietong.auth.console_client import CONSOLE_CLIENT_ID, OFFICER_SCOPES, console_redirect_uri
from xietong.auth.keys import SIGNING_ALGORITHM
from xietong.auth.officers import OfficerRecord
from xietong.auth.token_service import TokenService

AUTHORIZATION_CODE = "authorization_code"
ID_TOKEN_LIFETIME_SECONDS = 300

_T = TypeVar("_T")


def on_event_loop(function: Callable[..., Coroutine[Any, Any, _T]], *args: object) -> _T:
    """Run an async store call from authlib's worker thread."""
    return from_thread.run(function, *args)


class ConsoleClient(ClientMixin):  # type: ignore[misc]
    """The console, as authlib's server sees a client: public, PKCE, one redirect URI."""

    def __init__(self, issuer: str, more_redirect_uris: tuple[str, ...] = ()) -> None:
        self.redirect_uri = console_redirect_uri(issuer)
        self._redirect_uris = frozenset({self.redirect_uri, *more_redirect_uris})

    def get_client_id(self) -> str:
        return CONSOLE_CLIENT_ID

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in (scope or "").split() if s in OFFICER_SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self._redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == AUTHORIZATION_CODE


class OfficerCodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ("none",)
    service: TokenService

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        officer: OfficerRecord = request.user
        data = request.payload.data
        now = self.service.clock()
        issued = IssuedCode(
            client_id=request.client.get_client_id(),
            username=officer.username,
            redirect_uri=request.payload.redirect_uri or "",
            scope=request.scope or "",
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge", ""),
            code_challenge_method=data.get("code_challenge_method", "S256"),
            auth_time=now,
            expires_at=expiry(now),
        )
        on_event_loop(self.service.codes.save, code, issued)

    def query_authorization_code(self, code: str, client: ConsoleClient) -> IssuedCode | None:
        return on_event_loop(self.service.codes.take, code, client.get_client_id())

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Taken already by ``query_authorization_code``: a code works once."""

    def authenticate_user(self, authorization_code: IssuedCode) -> OfficerRecord | None:
        officer = on_event_loop(self.service.officers.get, authorization_code.username)
        return officer if officer is not None and officer.enabled else None


class S256Challenge(CodeChallenge):  # type: ignore[misc]
    SUPPORTED_CODE_CHALLENGE_METHOD = ("S256",)
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: OfficerCodeGrant, redirect_uri: str) -> None:
        # authlib lets an authorization request without a challenge through to the
        # token request; a public client's request is refused here, before sign-in.
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: code_challenge with method S256")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code: IssuedCode) -> str:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: IssuedCode) -> str:
        return authorization_code.code_challenge_method


class OfficerIdToken(OpenIDCode):  # type: ignore[misc]
    """The ID token: signed with the hub's current key (the same JWKS as its access
    tokens), naming the officer, their department, role and region."""

    def __init__(self, service: TokenService) -> None:
        super().__init__(require_nonce=True)
        self._service = service
        # One ID token at a time per thread: the header's kid and the key that signs
        # must be the same key, even if another worker rotates in between.
        self._current = threading.local()

    def _signing(self) -> tuple[str, Key]:
        pair = on_event_loop(self._service.keys.signing_key)
        self._current.key = (pair.kid, pair.private_key)
        return pair.kid, pair.private_key

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False  # codes are single-use and short-lived; the console checks its nonce

    def resolve_client_private_key(self, client: ConsoleClient) -> Key:
        current: tuple[str, Key] | None = getattr(self._current, "key", None)
        return (current or self._signing())[1]

    def get_client_algorithm(self, client: ConsoleClient) -> str:
        return SIGNING_ALGORITHM

    def get_encode_header(self, client: ConsoleClient) -> dict[str, str]:
        kid, _ = self._signing()
        return {"alg": SIGNING_ALGORITHM, "kid": kid, "typ": "JWT"}

    def get_client_claims(self, client: ConsoleClient) -> dict[str, Any]:
        now = int(self._service.clock().timestamp())
        return {
            "iss": self._service.issuer,
            "aud": [client.get_client_id()],
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME_SECONDS,
        }

    def generate_user_info(self, user: OfficerRecord, scope: str) -> UserInfo:
        info = UserInfo(sub=user.username)
        if "profile" in scope.split():
            info.update(
                name=user.name,
                dept=user.department.value,
                roles=list(user.roles),
                region=user.region,
            )
        return info


def grant_class(service: TokenService) -> type[OfficerCodeGrant]:
    """The grant bound to ``service`` (authlib builds one grant per request from the class)."""
    return type("BoundOfficerCodeGrant", (OfficerCodeGrant,), {"service": service})
