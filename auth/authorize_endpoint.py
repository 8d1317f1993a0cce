"""``/oauth/authorize``: where an officer signs in (OpenID Connect, code + PKCE).

``GET`` checks the authorization request with authlib (client, redirect URI,
``response_type=code``, an S256 ``code_challenge``, a ``nonce``) and shows the sign-in
form; ``POST`` checks the form's CSRF token (double submit: a cookie of this path
and a hidden field), the password (argon2id) and the TOTP code if the officer has
one, and redirects back to the console with a single-use code.

The page is the provider's own and deliberately plain (no script, no outside
asset), in Simplified Chinese like the console.
"""

from __future__ import annotations

import html
import logging
import secrets
from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from xietong.audit.events import draft_of
from xietong.auth.identity_errors import SignInError
from xietong.auth.token_service import TokenService

log = logging.getLogger("xietong.oauth")

AUTHORIZE_ENDPOINT = "/oauth/authorize"
CSRF_COOKIE = "xietong_signin_csrf"
_PARAMETERS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
)
_MAX_FIELD = 2000


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, pairs: Mapping[str, str]) -> None:
        self._data = dict(pairs)
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in pairs.items():
            self._datalist[name].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _AuthorizeRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, uri: str, headers: Mapping[str, str], params: Mapping[str, str]) -> None:
        super().__init__("GET", uri, headers=headers)
        self.payload = _Payload(params)
        self._params = dict(params)

    @property
    def args(self) -> dict[str, str]:
        return self._params

    @property
    def form(self) -> dict[str, str]:
        return {}


class AuthorizeEndpoint:
    """``GET`` and ``POST /oauth/authorize`` over the token endpoint's authlib server."""

    def __init__(self, service: TokenService, server: Any) -> None:
        self._service = service
        self._server = server
        self._secure = urlsplit(service.issuer).scheme == "https"

    async def handle(self, request: Request) -> Response:
        draft = draft_of(request.scope)
        if draft is not None:
            # Every sign-in attempt is an access-log event (refused ones too).
            draft.operation_type = "sign-in"
            draft.operation_name = "signIn" if request.method == "POST" else "signInForm"
        if request.method == "POST":
            return await self._sign_in(request)
        params = {
            name: value[:_MAX_FIELD]
            for name, value in request.query_params.items()
            if name in _PARAMETERS
        }
        problem = await self._check(params, request)
        if problem is not None:
            return problem
        return self._form(params, error=None, username="")

    async def _check(self, params: Mapping[str, str], request: Request) -> Response | None:
        oauth_request = _AuthorizeRequest(
            self._service.authorization_endpoint, request.headers, params
        )
        try:
            await run_in_threadpool(self._server.get_consent_grant, oauth_request)
        except OAuth2Error as error:
            log.info("authorization request refused: %s", error.description)
            why = html.escape(str(error.description or error.error))
            return _page("无法登录", f"<p role='alert'>登录请求无效：{why}</p>", status=400)
        return None

    async def _sign_in(self, request: Request) -> Response:
        form = await request.form()
        fields = {name: str(value)[:_MAX_FIELD] for name, value in form.items()}
        params = {name: fields[name] for name in _PARAMETERS if name in fields}
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not cookie or not secrets.compare_digest(cookie, fields.get("csrf", "")):
            return _page(
                "无法登录", "<p role='alert'>表单已过期，请重新打开登录页。</p>", status=403
            )
        problem = await self._check(params, request)
        if problem is not None:
            return problem
        username = fields.get("username", "")
        draft = draft_of(request.scope)
        if draft is not None:
            draft.client_id = params.get("client_id", "")[:100] or None
            draft.subject = username.strip()[:64] or None
        try:
            officer = await self._service.officers.sign_in(
                username, fields.get("password", ""), fields.get("totp", "")
            )
        except SignInError as error:
            log.info("sign-in refused for %r", username[:64])
            return self._form(params, error=str(error), username=username, status=401)
        if draft is not None:
            draft.subject = officer.username
            draft.department = officer.department.value
            draft.roles = list(officer.roles)
            draft.region = officer.region
        oauth_request = _AuthorizeRequest(
            self._service.authorization_endpoint, request.headers, params
        )

        def authorize() -> Response:
            grant = self._server.get_consent_grant(oauth_request, end_user=officer)
            response: Response = self._server.create_authorization_response(
                oauth_request, grant_user=officer, grant=grant
            )
            return response

        response = await run_in_threadpool(authorize)
        response.delete_cookie(CSRF_COOKIE, path=AUTHORIZE_ENDPOINT)
        return response

    def _form(
        self, params: Mapping[str, str], *, error: str | None, username: str, status: int = 200
    ) -> Response:
        token = secrets.token_urlsafe(24)
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in params.items()
        )
        alert = f"<p role='alert' class='error'>{html.escape(error)}</p>" if error else ""
        body = f"""{alert}
<form method="post" action="{AUTHORIZE_ENDPOINT}">
  {hidden}<input type="hidden" name="csrf" value="{token}">
  <p><label for="username">用户名</label>
     <input id="username" name="username" autocomplete="username" required
            value="{html.escape(username)}" autofocus></p>
  <p><label for="password">密码</label>
     <input id="password" name="password" type="password" autocomplete="current-password"
            required></p>
  <p><label for="totp">动态口令（如已开通）</label>
     <input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code"></p>
  <p><button type="submit">登录</button></p>
</form>"""
        response = _page("协同 · 官员登录", body, status=status)
        response.set_cookie(
            CSRF_COOKIE,
            token,
            path=AUTHORIZE_ENDPOINT,
            httponly=True,
            samesite="strict",
            secure=self._secure,
            max_age=600,
        )
        return response


def _page(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}}
label{{display:block;margin-bottom:.25rem}}input{{width:100%;padding:.4rem}}
.error{{color:#b00020}}button{{padding:.5rem 1.5rem}}</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>""",
        status_code=status,
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'; frame-ancestors 'none'",
            "X-Frame-Options": "DENY",
        },
    )
