"""The console's plumbing: sessions on every page, sign-in and sign-out, CSRF on
every form, the task's purpose, templates, security headers."""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from xietong.audit.events import AuditDraft, AuditOutcome
from xietong.audit.log import AuditLog
from xietong.auth.clock import utc_now
from xietong.auth.console_client import CONSOLE_CLIENT_ID, console_redirect_uri
from xietong.auth.identity_errors import OfficerRegistrationError, SignInError
from xietong.auth.officers import OfficerRegistry
from xietong.auth.token_service import TokenService
from xietong.console import formatting
from xietong.console.english import english, english_code
from xietong.console.hub_client import GraphQLAnswer, HubClient
from xietong.console.sessions import COOKIE, Session, SessionStore
from xietong.console.sign_in import OfficerSignIn, SignedIn, SignInFailed
from xietong.kernel.settings import Settings

PREFIX = "/console"
TEMPLATES = Path(__file__).resolve().parent / "templates"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' {issuer}; frame-ancestors 'none'; base-uri 'none'"
)
PURPOSE_LIMIT = 500
CASE_LIMIT = 100

Handler = Callable[[Request, Session], Awaitable[Response]]


class SessionEnded(Exception):
    """The hub no longer takes the session's token (the officer was disabled, or the
    token expired): the session is over and the officer signs in again."""


def _in_english(context: Context) -> bool:
    return bool(context.get("lang") == "en")


@pass_context
def _translate(context: Context, text: str) -> str:
    return english(text) if _in_english(context) else text


@pass_context
def _label(context: Context, enum: str, value: object) -> str:
    if _in_english(context) and value is not None:
        return english_code(value)
    return formatting.label(enum, value)


@pass_context
def _date(context: Context, value: object) -> str:
    if _in_english(context) and value:
        return str(value)[:10]
    return formatting.chinese_date(value)


@pass_context
def _datetime(context: Context, value: object) -> str:
    if _in_english(context) and value:
        return formatting.beijing_time(value)
    return formatting.chinese_datetime(value)


@pass_context
def _role(context: Context, role: str) -> str:
    return role if _in_english(context) else formatting.role_label(role)


@pass_context
def _error(context: Context, code: object) -> str:
    return str(code) if _in_english(context) else formatting.error_label(code)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date=_date,
        datetime=_datetime,
        yuan=formatting.yuan,
        percent=formatting.percent,
        role=_role,
        error=_error,
    )
    env.globals.update(label=_label, _=_translate, prefix=PREFIX)
    return env


class Console:
    """State shared by the console's pages in one worker; nothing here is the only
    copy of anything (sessions are in the hub store)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.templates = _environment()
        self.secure = urlsplit(settings.issuer).scheme == "https"
        self._client: HubClient | None = None
        self._sign_in: OfficerSignIn | None = None
        self._store: SessionStore | None = None
        self._officers: OfficerRegistry | None = None
        self._external: OfficerSignIn | None = None
        self._tokens: TokenService | None = None
        self._audit: AuditLog | None = None

    # The hub app this console is mounted in, known at the first request.
    def bind(self, request: Request) -> None:
        if self._client is None:
            hub = request.app.state.hub
            self._client = HubClient(request.app, self.settings.issuer)
            self._sign_in = OfficerSignIn(self.settings.issuer, request.app)
            if self.settings.console_idp:
                self._external = OfficerSignIn(
                    self.settings.console_idp,
                    None,
                    client_id=self.settings.console_idp_client_id,
                    redirect_uri=console_redirect_uri(self.settings.issuer),
                )
            self._tokens = hub.tokens
            self._audit = hub.audit_log
            self._store = SessionStore(
                hub.sessions, idle=timedelta(seconds=self.settings.console_idle_seconds)
            )
            self._officers = hub.tokens.officers

    @property
    def hub(self) -> HubClient:
        assert self._client is not None
        return self._client

    @property
    def store(self) -> SessionStore:
        assert self._store is not None
        return self._store

    @property
    def officers(self) -> OfficerRegistry:
        assert self._officers is not None
        return self._officers

    @property
    def oidc(self) -> OfficerSignIn:
        assert self._sign_in is not None
        return self._sign_in

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # -- responses --------------------------------------------------------------

    def render(
        self,
        name: str,
        session: Session | None,
        *,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        template = self.templates.get_template(name)
        html = template.render(
            session=session.data if session is not None else {},
            csrf=session.csrf if session is not None else "",
            lang=session.data.get("lang", "zh") if session is not None else "zh",
            idle_minutes=int(self.settings.console_idle_seconds // 60),
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=self.headers())

    def headers(self) -> dict[str, str]:
        return {
            "Cache-Control": "no-store",
            "Content-Security-Policy": CSP.format(issuer=self.settings.issuer.rstrip("/")),
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        }

    def set_cookie(self, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            session.id,
            path=PREFIX,
            httponly=True,
            samesite="lax",  # the sign-in comes back by a top-level redirect
            secure=self.secure,
        )

    # -- the wrapper every page goes through -----------------------------------

    def page(
        self, handler: Handler, *, needs_purpose: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            self.bind(request)
            session = await self.store.load(request.cookies.get(COOKIE))
            if session is None or session.officer is None:
                if request.method == "GET":
                    return RedirectResponse(f"{PREFIX}/login", status_code=303)
                return self.render("expired.html", None, status=401)
            if request.method == "POST":
                form = await request.form()
                if not _csrf_ok(session, form):
                    return self.render("expired.html", session, status=403)
                request.state.form = form
            if needs_purpose and not session.data.get("purpose"):
                back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(
                    f"{PREFIX}/task?{urlencode({'next': back})}", status_code=303
                )
            try:
                response = await handler(request, session)
            except SessionEnded:
                await self.store.end(session)
                ended = RedirectResponse(f"{PREFIX}/login", status_code=303)
                ended.delete_cookie(COOKIE, path=PREFIX)
                return ended
            if session.changed:
                await self.store.save(session)
            return response

        return endpoint

    async def ask(
        self,
        session: Session,
        document: str,
        variables: Mapping[str, Any] | None = None,
    ) -> GraphQLAnswer:
        answer = await self.hub.execute(
            document,
            variables,
            token=str(session.data["token"]),
            purpose=session.data.get("purpose"),
            case_id=session.data.get("case"),
        )
        if answer.status == 401:
            raise SessionEnded
        return answer

    # -- sign-in, sign-out, the task ----------------------------------------------

    async def login(self, request: Request) -> Response:
        self.bind(request)
        via = request.query_params.get("via")
        if self._external is not None and via not in ("hub", "external"):
            # Two ways in: the hub's own accounts, or the trusted external provider.
            return self.render("sign_in_choice.html", None)
        provider = self._external if via == "external" and self._external else self.oidc
        started = await provider.start()
        session = self.store.new()
        session.set(
            oidc={
                "state": started.state,
                "verifier": started.verifier,
                "nonce": started.nonce,
                "via": "external" if provider is self._external else "hub",
            }
        )
        await self.store.save(session)
        response = RedirectResponse(started.url, status_code=303)
        self.set_cookie(response, session)
        return response

    async def callback(self, request: Request) -> Response:
        self.bind(request)
        session = await self.store.load(request.cookies.get(COOKIE))
        pending = session.data.get("oidc") if session is not None else None
        state = request.query_params.get("state", "")
        code = request.query_params.get("code", "")
        if (
            session is None
            or not isinstance(pending, dict)
            or not code
            or not secrets.compare_digest(str(pending.get("state", "")), state)
        ):
            return self.render("expired.html", None, status=400)
        try:
            if pending.get("via") == "external" and self._external is not None:
                signed_in = await self._external_officer(
                    self._external, code, str(pending["verifier"]), str(pending["nonce"])
                )
            else:
                signed_in = await self.oidc.finish(
                    code,
                    verifier=str(pending["verifier"]),
                    nonce=str(pending["nonce"]),
                    address=request.client.host if request.client else None,
                )
        except (SignInFailed, SignInError, OfficerRegistrationError):
            return self.render("expired.html", None, status=400)
        session = await self.store.rotate(session)
        session.data = {
            "officer": signed_in.username,
            "name": signed_in.name,
            "dept": signed_in.department,
            "role": signed_in.roles[0] if signed_in.roles else "",
            "region": signed_in.region,
            "token": signed_in.access_token,
            "csrf": secrets.token_urlsafe(24),
        }
        session.expires_at = utc_now() + timedelta(seconds=signed_in.expires_in)
        session.changed = True
        await self.store.save(session)
        response = RedirectResponse(f"{PREFIX}/task", status_code=303)
        self.set_cookie(response, session)
        return response

    async def _external_officer(
        self, provider: OfficerSignIn, code: str, verifier: str, nonce: str
    ) -> SignedIn:
        """An officer the trusted external provider vouched for: its claims, mapped to
        a name, department, role and region, keep an account here up to date, and the
        hub signs the officer's token (sub = ``prefix.sub``, client = the console)."""
        started = time.perf_counter()
        at = utc_now()
        _, claims = await provider.claims(code, verifier=verifier, nonce=nonce)
        mapped = claim_values(claims, self.settings.console_idp_claims)
        username = external_username(self.settings.console_idp_prefix, str(claims["sub"]))
        assert self._tokens is not None
        assert self._audit is not None
        # The hub's own provider logs its sign-ins at /oauth/authorize; this one is
        # logged here, allowed or refused, before the officer gets a token.
        draft = AuditDraft(
            client_id=CONSOLE_CLIENT_ID,
            subject=username,
            operation_type="sign-in",
            operation_name="signInExternal",
            started_at=at,
        )
        try:
            officer = await self._tokens.officers.provision_external(
                username,
                name=mapped.get("name") or username,
                department=mapped.get("dept", ""),
                role=mapped.get("role", ""),
                region=mapped.get("region", ""),
            )
        except (SignInError, OfficerRegistrationError):
            draft.outcome = AuditOutcome.DENIED
            await self._audit.append(draft, at=at, duration_ms=_since(started))
            raise
        draft.department = officer.department.value
        draft.roles = list(officer.roles)
        draft.region = officer.region
        draft.outcome = AuditOutcome.OK
        await self._audit.append(draft, at=at, duration_ms=_since(started))
        issued = self._tokens.mint_for_officer(
            officer, CONSOLE_CLIENT_ID, await self._tokens.keys.signing_key()
        )
        return SignedIn(
            access_token=issued.access_token,
            expires_in=issued.expires_in,
            username=officer.username,
            name=officer.name,
            department=officer.department.value,
            roles=officer.roles,
            region=officer.region,
        )

    async def logout(self, request: Request, session: Session) -> Response:
        await self.store.end(session)
        session.changed = False
        response = self.render("signed_out.html", None)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    async def language(self, request: Request, session: Session) -> Response:
        """中文 / English: the pages' own words; the hub's data stays as written."""
        form: FormData = request.state.form
        session.set(lang="en" if form.get("lang") == "en" else "zh")
        # Back to the page it was asked on (same-origin Referer; _local keeps it ours).
        return RedirectResponse(
            _local(request.headers.get("referer", ""), self.settings.issuer.rstrip("/")),
            status_code=303,
        )

    async def task(self, request: Request, session: Session) -> Response:
        next_page = _local(request.query_params.get("next") or f"{PREFIX}/search")
        if request.method == "POST":
            form: FormData = request.state.form
            purpose = str(form.get("purpose", "")).strip()
            case = str(form.get("case", "")).strip()
            problem = None
            if not any(ch.isalnum() for ch in purpose):
                problem = "请填写事由（查询的理由）。"
            elif len(purpose) > PURPOSE_LIMIT or len(case) > CASE_LIMIT:
                problem = f"事由最多 {PURPOSE_LIMIT} 字，案件编号最多 {CASE_LIMIT} 字。"
            if problem is None:
                session.set(purpose=purpose, case=case or None)
                return RedirectResponse(_local(str(form.get("next", next_page))), status_code=303)
            return self.render(
                "task.html",
                session,
                status=400,
                problem=problem,
                next=next_page,
                purpose=purpose,
                case=case,
            )
        return self.render(
            "task.html",
            session,
            problem=None,
            next=next_page,
            purpose=session.data.get("purpose") or "",
            case=session.data.get("case") or "",
        )


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def claim_values(claims: Mapping[str, Any], mapping: str) -> dict[str, str]:
    """``name=name,dept=dept,role=roles,region=region`` applied to ``claims``; a list
    claim (roles) gives its first value."""
    values: dict[str, str] = {}
    for pair in mapping.split(","):
        field_name, _, claim = pair.strip().partition("=")
        value = claims.get(claim.strip())
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            values[field_name.strip()] = str(value)
    return values


def external_username(prefix: str, subject: str) -> str:
    """``prefix.subject`` in the characters a username may hold, at most 64 of them."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "-" for c in subject)
    return f"{prefix}.{cleaned.lower()}"[:64]


def _csrf_ok(session: Session, form: FormData) -> bool:
    expected = session.data.get("csrf")
    given = form.get("csrf")
    return (
        isinstance(expected, str)
        and isinstance(given, str)
        and secrets.compare_digest(expected, given)
    )


def _local(target: str, origin: str | None = None) -> str:
    """Only a path of the console itself: never an open redirect."""
    parts = urlsplit(target)
    if parts.netloc and origin is not None and f"{parts.scheme}://{parts.netloc}" == origin:
        parts = parts._replace(scheme="", netloc="")
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX + "/"):
        return f"{PREFIX}/search"
    return parts.path + (f"?{parts.query}" if parts.query else "")
