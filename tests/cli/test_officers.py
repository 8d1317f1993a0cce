"""``xietong officers add|list|disable`` as an operator types them."""

from __future__ import annotations

import asyncio

import pyotp
import typer
from typer.testing import CliRunner

from xietong.auth.identity_errors import SignInError
from xietong.auth.token_service import TokenService
from xietong.cli.officers import add_officer_commands
from xietong.kernel.db import create_hub_engine
from xietong.kernel.settings import Settings

runner = CliRunner()
PASSWORD = "a long passphrase"


def cli_for(database_url: str) -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    add_officer_commands(
        app, lambda data_dir: Settings.from_env({"XIETONG_DATABASE_URL": database_url})
    )
    return app


def _sign_in(database_url: str, username: str, password: str, code: str = "") -> str:
    async def attempt() -> str:
        engine = create_hub_engine(database_url)
        try:
            service = TokenService(
                engine, Settings.from_env({"XIETONG_DATABASE_URL": database_url})
            )
            try:
                return (await service.officers.sign_in(username, password, code)).name
            except SignInError as error:
                return f"refused: {error}"
        finally:
            await engine.dispose()

    return asyncio.run(attempt())


def test_an_operator_adds_lists_and_disables_an_officer(hub_database_url: str) -> None:
    app = cli_for(hub_database_url)
    add = [
        "officers", "add", "wang.fang", "--name", "王芳", "--department", "education",
        "--role", "education.supervisor", "--region", "410200",
    ]  # fmt: skip

    added = runner.invoke(app, add, input=f"{PASSWORD}\n{PASSWORD}\n")
    listed = runner.invoke(app, ["officers", "list"])
    signed_in = _sign_in(hub_database_url, "wang.fang", PASSWORD)
    disabled = runner.invoke(app, ["officers", "disable", "wang.fang"])
    after = _sign_in(hub_database_url, "wang.fang", PASSWORD)
    unknown = runner.invoke(app, ["officers", "disable", "nobody"])

    assert added.exit_code == 0, added.output
    assert "added officer wang.fang (王芳, EDUCATION, education.supervisor, 410200)" in added.stdout
    assert PASSWORD not in added.stdout
    assert listed.exit_code == 0
    assert "王芳" in listed.stdout
    assert "enabled" in listed.stdout
    assert signed_in == "王芳"
    assert disabled.exit_code == 0
    assert after == "refused: 用户名、密码或动态口令不正确"
    assert unknown.exit_code == 1


def test_an_officer_with_totp_needs_the_code(hub_database_url: str) -> None:
    app = cli_for(hub_database_url)
    add = [
        "officers", "add", "li.na", "--name", "李娜", "--department", "MARKET_SUPERVISION",
        "--role", "market.officer", "--region", "410200", "--password", PASSWORD, "--totp",
    ]  # fmt: skip

    added = runner.invoke(app, add)

    assert added.exit_code == 0, added.output
    secret, uri = added.stdout.strip().splitlines()[-2:]
    assert uri.startswith("otpauth://totp/Xietong:li.na?secret=")
    assert _sign_in(hub_database_url, "li.na", PASSWORD).startswith("refused")
    assert _sign_in(hub_database_url, "li.na", PASSWORD, pyotp.TOTP(secret).now()) == "李娜"


def test_bad_input_is_one_line_and_exit_2(hub_database_url: str) -> None:
    app = cli_for(hub_database_url)
    base = ["officers", "add", "x", "--name", "X", "--department", "EDUCATION"]
    short = runner.invoke(
        app, [*base, "--role", "education.supervisor", "--region", "410200", "--password", "short"]
    )
    admin = runner.invoke(
        app, [*base, "--role", "admin", "--region", "410200", "--password", PASSWORD]
    )

    assert short.exit_code == 2
    assert "at least 10 characters" in short.stderr
    assert admin.exit_code == 2
    assert "unknown role 'admin'" in admin.stderr
