"""Officers of a trusted external OpenID Connect provider sign in to the console
(DESIGN §7's external IdP for people). The provider here is a second, independent
hub in a process of its own (authlib's server, its own keys and accounts), whose
provider accepts this console's callback; this hub reads its discovery document
and JWKS over the network and maps its ID token's claims."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.console.support import csrf_of, hidden_fields
from tests.support.harness import SandboxWorld, free_port, wait_until_serving
from tests.support.processes import REPOSITORY
from xietong.auth.token_service import TokenService
from xietong.console.app import create_hub_app
from xietong.kernel.db import create_hub_engine, create_sync_engine
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.kernel.store import AuditEvent
from xietong.sandbox.reference import REFERENCE_DATE

pytestmark = [pytest.mark.slow]

PASSWORD = "provider-side passphrase"


def _add_officer(database_url: str) -> None:
    async def add() -> None:
        engine = create_hub_engine(database_url)
        try:
            service = TokenService(
                engine, Settings.from_env({"XIETONG_DATABASE_URL": database_url})
            )
            await service.keys.ensure_signing_key()
            await service.officers.add(
                "zhao.min",
                name="赵敏",
                department="EDUCATION",
                role="education.supervisor",
                region="410200",
                password=PASSWORD,
            )
        finally:
            await engine.dispose()

    asyncio.run(add())


@contextmanager
def provider_process(folder: Path, world: SandboxWorld, console_url: str) -> Iterator[str]:
    """The external provider: `xietong serve` of another hub, in its own process."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{folder / 'hub.db'}"
    upgrade(database_url)
    _add_officer(database_url)
    env = {
        "XIETONG_DATABASE_URL": database_url,
        "XIETONG_SOURCES": str(world.sources_file),
        "XIETONG_ISSUER": url,
        "XIETONG_CONSOLE_REDIRECT_URIS": f"{console_url}/console/callback",
        "XIETONG_TOKEN_RATE_LIMIT": "100/second",
    }
    log = folder / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", "from xietong.cli import main; main()", "serve",
             "--workers", "1", "--port", str(port), "--data-dir", str(folder)],
            env={**os.environ, **env, "PYTHONPATH": str(REPOSITORY)},
            cwd=folder,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_serving(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def console_hub(folder: Path, world: SandboxWorld, port: int, provider: str) -> Iterator[Settings]:
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{folder / 'hub.db'}"
    upgrade(database_url)
    settings = Settings.from_env(
        {
            "XIETONG_DATABASE_URL": database_url,
            "XIETONG_SOURCES": str(world.sources_file),
            "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
            "XIETONG_ISSUER": url,
            "XIETONG_CONSOLE_IDP": provider,
            "XIETONG_TOKEN_RATE_LIMIT": "100/second",
        },
        data_dir=folder,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_hub_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "the hub stopped while starting"
        assert time.monotonic() < deadline, "the hub did not start"
        time.sleep(0.02)
    try:
        yield settings
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _sign_in_at_the_provider(browser: httpx.Client, console: str, provider: str) -> httpx.Response:
    choice = browser.get(f"{console}/console/login")
    assert choice.status_code == 200
    assert "统一身份认证登录" in choice.text
    start = browser.get(f"{console}/console/login", params={"via": "external"})
    assert start.status_code == 303
    assert start.headers["location"].startswith(f"{provider}/oauth/authorize?")
    form = browser.get(start.headers["location"])
    assert form.status_code == 200, form.text
    fields = hidden_fields(form.text) | {"username": "zhao.min", "password": PASSWORD}
    granted = browser.post(start.headers["location"].split("?")[0], data=fields)
    assert granted.status_code == 302, granted.text
    assert granted.headers["location"].startswith(f"{console}/console/callback?")
    return browser.get(granted.headers["location"])


def test_an_officer_of_the_external_provider_signs_in_and_acts_under_a_prefixed_name(
    world: SandboxWorld, tmp_path: Path
) -> None:
    port = free_port()
    console = f"http://127.0.0.1:{port}"
    with (
        provider_process(tmp_path / "provider", world, console) as provider,
        console_hub(tmp_path / "console", world, port, provider) as settings,
        httpx.Client(timeout=30) as browser,
    ):
        back = _sign_in_at_the_provider(browser, console, provider)
        assert back.status_code == 303, back.text
        task = browser.get(f"{console}{back.headers['location']}")
        stated = browser.post(
            f"{console}/console/task",
            data={"csrf": csrf_of(task.text), "purpose": "联合检查", "next": "/console/search"},
        )
        results = browser.get(f"{console}{stated.headers['location']}", params={"q": "培训"})

        # The console's hub can disable the external officer; the provider's word no longer counts.
        engine = create_sync_engine(settings.database_url)
        with Session(engine) as session:
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.operation_name == "ConsoleSearch")
            ).all()
            sign_ins = session.scalars(
                select(AuditEvent).where(AuditEvent.operation_name == "signInExternal")
            ).all()
        disabled = subprocess.run(
            [sys.executable, "-c", "from xietong.cli import main; main()", "officers",
             "disable", "idp.zhao.min", "--data-dir", str(tmp_path / "console")],
            env={**os.environ, "XIETONG_DATABASE_URL": settings.database_url,
                 "PYTHONPATH": str(REPOSITORY)},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        browser.cookies.clear()
        again = _sign_in_at_the_provider(browser, console, provider)
        with Session(engine) as session:
            refused = session.scalars(
                select(AuditEvent.outcome).where(AuditEvent.operation_name == "signInExternal")
            ).all()
        engine.dispose()

    assert results.status_code == 200
    assert re.search(r'id="officer-name">赵敏<', results.text)
    assert "/console/institutions/" in results.text
    assert [(e.subject, e.client_id, e.department) for e in events] == [
        ("idp.zhao.min", "xietong-console", "EDUCATION")
    ]
    assert [(e.subject, e.client_id, e.outcome) for e in sign_ins] == [
        ("idp.zhao.min", "xietong-console", "OK")
    ]
    assert refused == ["OK", "DENIED"]
    assert disabled.returncode == 0, disabled.stderr
    assert again.status_code == 400
    assert "请重新登录" in again.text
