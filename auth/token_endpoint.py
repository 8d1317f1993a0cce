"""``POST /oauth/token``: the client credentials grant (RFC 6749 §4.4).

Built on authlib's ``AuthorizationServer``, ``ClientCredentialsGrant``,
``JWTBearerClientAssertion`` (RFC 7523 ``private_key_jwt``) and
``JWTBearerTokenGenerator`` (RFC 9068), with a thin Starlette adapter — authlib
ships none for servers. Authlib gives us client authentication and the RFC 6749
§5.2 error responses as the spec writes them; the cost is that its server is
synchronous. So each request runs authlib in a worker thread (which also keeps the
deliberately slow scrypt check off the event loop), and the few hooks that need
the async hub database — ``query_client``, the assertion replay check, the signing
key — hop back to the event loop with ``anyio.from_thread.run``.

Client authentication: ``client_secret_basic`` and ``private_key_jwt`` only. Every
``invalid_client`` answer is a 401 with a ``WWW-Authenticate`` challenge and one
description, whether the client is unknown, disabled or its secret wrong: the
endpoint tells no one which client ids exist (the hub's log says which it was).

Every attempt, granted or refused, is one access-log event: the client id it
claimed, its authentication method, the outcome; never a secret or an assertion.
"""

from __future__ import annotations

import base64
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote

from anyio import from_thread
from authlib.common.security import is_secure_transport
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientCredentialsGrant,
    ClientMixin,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xietong.audit.events import draft_of
from xietong.auth.client_secrets import verify_secret
from xietong.auth.clients import PRIVATE_KEY_JWT, SECRET_BASIC, ClientRecord, is_client_id
from xietong.auth.clock import epoch_seconds
from xietong.auth.console_client import CONSOLE_CLIENT_ID, OFFICER_SCOPES
from xietong.auth.identity_errors import error_description
from xietong.auth.keys import SIGNING_ALGORITHM
from xietong.auth.officer_grant import (
    AUTHORIZATION_CODE,
    ConsoleClient,
    OfficerIdToken,
    S256Challenge,
    grant_class,
)
from xietong.auth.officers import OfficerRecord
from xietong.auth.replay import MAX_JTI_LENGTH
from xietong.auth.token_service import TokenService
from xietong.kernel.errors import ConfigError

log = logging.getLogger("xietong.oauth")

GRANT_TYPE = "client_credentials"
CLIENT_AUTHENTICATION_FAILED = "client authentication failed"
MAX_LOGGED_CLIENT_ID = 100
AUTH_METHODS = (SECRET_BASIC, PRIVATE_KEY_JWT)
ASSERTION_ALGORITHMS = ("ES256", "ES384", "PS256", "RS256", "Ed25519")
"""Asymmetric only: client JWKS hold public keys, never shared secrets."""
MAX_ASSERTION_LIFETIME = timedelta(hours=1)
"""Longer-lived assertions are refused, which also bounds the replay cache."""
ASSERTION_LEEWAY = timedelta(seconds=30)
_MAX_BODY_BYTES = 16 * 1024

_T = TypeVar("_T")


class TokenEndpoint:
    """The endpoint (``handle``); one instance per ``TokenService``."""

    def __init__(self, service: TokenService) -> None:
        if not is_secure_transport(service.token_endpoint):
            raise ConfigError(
                f"XIETONG_ISSUER={service.issuer!r}: OAuth requires https outside the "
                "loopback interface (set AUTHLIB_INSECURE_TRANSPORT=1 only for a lab)"
            )
        self._service = service
        self._server = _HubAuthorizationServer(service)

    @property
    def server(self) -> AuthorizationServer:
        """authlib's server, shared with the authorization endpoint (``/oauth/authorize``)."""
        return self._server

    async def handle(self, request: Request) -> Response:
        draft = draft_of(request.scope)
        if draft is not None:
            draft.operation_type = "token"
        try:
            form = await _read_form(request)
        except InvalidRequestError as error:
            response: Response = self._server.handle_error_response(None, error)
            return response
        if draft is not None:
            draft.client_id, draft.operation_name = claimed_client(request.headers, form)
        oauth_request = _TokenRequest(self._service.token_endpoint, request.headers, form)
        result: Response = await run_in_threadpool(
            self._server.create_token_response, oauth_request
        )
        return result


def claimed_client(headers: Mapping[str, str], form: list[tuple[str, str]]) -> tuple[str, str]:
    """The client id a token request claims and how it authenticates, as the access
    log records them (unverified: a refused request is logged too)."""
    fields = dict(form)
    assertion = fields.get("client_assertion")
    if assertion is not None:
        try:
            claimed = str(jwt.decode(assertion, KeySet([]), algorithms=[]).claims.get("sub"))
        except (JoseError, ValueError, TypeError):
            claimed = fields.get("client_id", "")
        return _bounded(claimed), PRIVATE_KEY_JWT
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(credentials, validate=True).decode().partition(":")[0]
        except (ValueError, UnicodeDecodeError):
            user = ""
        return _bounded(unquote(user)), SECRET_BASIC
    return _bounded(fields.get("client_id", "")), "none"


def _bounded(client_id: str) -> str:
    return client_id.encode("utf-8", "replace").decode()[:MAX_LOGGED_CLIENT_ID]


async def _read_form(request: Request) -> list[tuple[str, str]]:
    """The form body, strictly: RFC 6749 §3.2 wants form encoding, each parameter once,
    and one way of authenticating."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise InvalidRequestError("send the token request as application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():  # stop reading at the cap, not after it
        body += chunk
        if len(body) > _MAX_BODY_BYTES:
            raise InvalidRequestError("the token request body is too large")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequestError("the token request body is not a valid form") from None
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InvalidRequestError(
            error_description(f"parameter(s) {', '.join(repeated)} given more than once")
        )
    if "client_assertion" in names and "authorization" in request.headers:
        raise InvalidRequestError("use one client authentication method, not two")
    if "client_secret" in names:
        raise InvalidRequestError(
            "client_secret in the body is not supported; use HTTP Basic (client_secret_basic)"
        )
    return pairs


class _FormPayload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._data = dict(pairs)
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in pairs:
            self._datalist[name].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _TokenRequest(OAuth2Request):  # type: ignore[misc]
    """A Starlette request as authlib sees it. ``uri`` is the configured token
    endpoint, the URL clients use, rather than what a proxy forwarded to us."""

    def __init__(self, uri: str, headers: Mapping[str, str], pairs: list[tuple[str, str]]):
        super().__init__("POST", uri, headers=headers)
        self.payload = _FormPayload(pairs)

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data


class _RegisteredClient(ClientMixin):  # type: ignore[misc]
    def __init__(self, record: ClientRecord) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        stored = self.record.secret_hash
        return stored is not None and verify_secret(client_secret, stored)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in self.record.auth_methods

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == GRANT_TYPE

    def get_allowed_scope(self, scope: str | None) -> str:
        return ""  # access is decided by roles and the field policy, not by scopes


class _ClientCredentialsGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class _PrivateKeyJWT(JWTBearerClientAssertion):  # type: ignore[misc]
    """RFC 7523 client assertions checked against the client's registered JWKS."""

    CLIENT_AUTH_METHOD = PRIVATE_KEY_JWT

    def __init__(self, service: TokenService) -> None:
        super().__init__(validate_jti=True, leeway=int(ASSERTION_LEEWAY.total_seconds()))
        self._service = service

    def get_audiences(self) -> list[str]:
        return [self._service.token_endpoint, self._service.issuer]

    def resolve_client_public_key(self, client: _RegisteredClient) -> KeySet:
        jwks = client.record.jwks
        if jwks is None:  # asked before authlib checks the client's methods
            raise InvalidClientError(
                description=f"client '{client.record.client_id}' has no registered keys"
            )
        return KeySet.import_key_set(jwks)  # type: ignore[arg-type]

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        # Same as authlib's, but with the algorithms pinned to asymmetric ones.
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=ASSERTION_ALGORITHMS)
        except JoseError as error:
            raise InvalidClientError(description=error_description(error.description)) from error
        claims: dict[str, Any] = token.claims
        self.verify_claims(claims)
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> None:
        # authlib's checks (iss = sub = client, aud = us, exp, jti), on the service's clock.
        now = self._service.clock()
        registry = jwt.JWTClaimsRegistry(
            now=epoch_seconds(now),
            leeway=self.leeway,
            iss={"essential": True},
            sub={"essential": True},
            aud={"essential": True, "values": self.get_audiences()},
            exp={"essential": True},
            jti={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as error:
            raise InvalidClientError(description=error_description(error.description)) from error
        if claims["sub"] != claims["iss"]:
            raise InvalidClientError(
                description="the assertion's iss and sub must both be the client id"
            )
        if (
            claims["exp"] - epoch_seconds(now)
            > (MAX_ASSERTION_LIFETIME + ASSERTION_LEEWAY).total_seconds()
        ):
            raise InvalidClientError(
                description=f"the assertion must expire within {MAX_ASSERTION_LIFETIME} of now"
            )
        jti = claims["jti"]
        if len(jti) > MAX_JTI_LENGTH or not jti.isprintable():
            raise InvalidClientError(
                description=f"the assertion jti must be printable, at most {MAX_JTI_LENGTH} long"
            )
        expires_at = datetime.fromtimestamp(claims["exp"], UTC)
        first_use = _on_event_loop(
            self._service.used_assertions.first_use, claims["sub"], jti, expires_at, now
        )
        if not first_use:
            raise InvalidClientError(description="this client assertion was already used (jti)")


class _AccessTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    def __init__(self, service: TokenService) -> None:
        super().__init__(
            issuer=service.issuer,
            alg=SIGNING_ALGORITHM,
            expires_generator=service.settings.token_ttl_seconds,
        )
        self._service = service

    def access_token_generator(
        self, client: _RegisteredClient | ConsoleClient, grant_type: str, user: object, scope: str
    ) -> str:
        # The service signs with the current key and writes the RFC 9068 claims plus
        # dept, roles and region, on its own (injectable) clock.
        key = _on_event_loop(self._service.keys.signing_key)
        if isinstance(user, OfficerRecord):
            return self._service.mint_for_officer(user, client.get_client_id(), key).access_token
        assert isinstance(client, _RegisteredClient)
        return self._service.mint(client.record, key).access_token


class _HubAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, service: TokenService) -> None:
        super().__init__(scopes_supported=[])
        self._service = service
        self.register_grant(_ClientCredentialsGrant)
        self.register_client_auth_method(PRIVATE_KEY_JWT, _PrivateKeyJWT(service))
        self.register_token_generator(GRANT_TYPE, _AccessTokenGenerator(service))
        # Officers signing in to the console (OpenID Connect, code + PKCE).
        self.register_grant(
            grant_class(service), [S256Challenge(required=True), OfficerIdToken(service)]
        )
        self.register_token_generator(AUTHORIZATION_CODE, _AccessTokenGenerator(service))
        self._console = ConsoleClient(service.issuer, service.settings.console_redirect_uris)

    def query_client(self, client_id: str) -> _RegisteredClient | ConsoleClient | None:
        if client_id == CONSOLE_CLIENT_ID:
            return self._console
        if not is_client_id(client_id):
            return None  # unknown, and kept away from the database (NUL bytes, 10 kB ids)
        record = _on_event_loop(self._service.clients.get, client_id)
        if record is None:
            return None
        if not record.enabled:
            log.info("token refused: client %r is disabled", client_id)
            return None
        return _RegisteredClient(record)

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """JWT access tokens are self-contained; nothing is stored."""

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        """No signal listeners: the audit log records API requests, not token issuance."""

    def validate_requested_scope(self, scope: str | None) -> None:
        # Officers ask for an ID token (openid profile); nothing else is a scope here.
        if scope and not set(scope.split()) <= set(OFFICER_SCOPES):
            raise InvalidScopeError(
                description="this hub grants no scopes; a client's roles decide its access"
            )

    def handle_response(
        self, status: int, body: dict[str, Any], headers: list[tuple[str, str]]
    ) -> Response:
        return JSONResponse(body, status_code=status, headers=dict(headers))

    def handle_error_response(self, request: OAuth2Request | None, error: Any) -> Response:
        if isinstance(error, InvalidClientError):
            # RFC 6749 §5.2 lets us answer 400 when no Authorization header was sent;
            # one status for every failed client authentication is simpler for clients.
            error.status_code = 401
            log.info("token refused: %s", error.description)
            error.description = CLIENT_AUTHENTICATION_FAILED
        response: Response = super().handle_error_response(request, error)
        return response


def _on_event_loop(function: Callable[..., Coroutine[Any, Any, _T]], *args: object) -> _T:
    """Run an async database call from authlib's worker thread."""
    return from_thread.run(function, *args)
