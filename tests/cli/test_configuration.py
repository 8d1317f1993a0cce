"""Operators' settings from a file, the version, and the demo's issuer, banner and
tokens: what `xietong` reads and prints before it serves."""

from __future__ import annotations

import asyncio
import io
import json
import stat
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tests.auth.token_helpers import unverified_parts
from tests.support.harness import prepare as register_clients
from xietong.cli import app
from xietong.cli.demo import banner, demo_settings, prepare, write_tokens
from xietong.hub.services import Hub
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings

runner = CliRunner()


def test_version_is_the_installed_one() -> None:
    result = runner.invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.stdout.strip().startswith("xietong 0.")


def test_a_configuration_file_sets_what_the_environment_does_not(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "xietong.toml"
    config.parent.mkdir()
    config.write_text(
        'issuer = "https://xietong.example.gov.cn"\n'
        'sources = "sources.toml"\n'
        "token_ttl = 600\n"
        'required_sources = ["education-platform"]\n'
        'log_level = "warning"\n',
        encoding="utf-8",
    )

    settings = Settings.from_env(
        {"XIETONG_CONFIG": str(config), "XIETONG_TOKEN_TTL": "300"}, data_dir=tmp_path
    )

    assert settings.issuer == "https://xietong.example.gov.cn"
    assert settings.sources_file == config.parent / "sources.toml", "beside the file"
    assert settings.token_ttl_seconds == 300, "the environment wins"
    assert settings.required_sources == ("education-platform",)
    assert settings.log_level == "WARNING"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('isuer = "x"\n', "unknown key isuer"),
        ("issuer = \n", "configuration file"),
        ("token_ttl = { a = 1 }\n", "is not a plain value"),
        ('token_ttl = "soon"\n', "XIETONG_TOKEN_TTL='soon' is not a whole number"),
    ],
)
def test_a_mistake_in_the_configuration_file_says_what_and_where(
    tmp_path: Path, text: str, says: str
) -> None:
    config = tmp_path / "xietong.toml"
    config.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError, match=says):
        Settings.from_env({"XIETONG_CONFIG": str(config)}, data_dir=tmp_path)


def test_config_option_reaches_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XIETONG_CONFIG", "")  # restored after: the option sets it
    database = tmp_path / "elsewhere.db"
    config = tmp_path / "xietong.toml"
    config.write_text(f'database_url = "sqlite:///{database}"\n', encoding="utf-8")

    result = runner.invoke(app, ["--config", str(config), "migrate", "--data-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert database.is_file()
    assert not (tmp_path / "hub.db").exists()


def test_xietong_token_signs_for_the_demos_own_port(tmp_path: Path) -> None:
    plan = demo_settings(tmp_path, "127.0.0.1", 8123)
    prepare(plan)

    async def register() -> None:
        hub = await Hub.open(Settings.from_env({}, data_dir=tmp_path))
        try:
            await register_clients(hub)
        finally:
            await hub.close()

    asyncio.run(register())

    result = runner.invoke(app, ["token", "demo-education", "--data-dir", str(tmp_path)], env={})

    assert result.exit_code == 0, result.output
    assert unverified_parts(result.stdout.strip())[1]["iss"] == "http://127.0.0.1:8123"


async def test_the_demo_banner_fits_80_columns_and_its_tokens_are_in_a_private_file(
    tmp_path: Path,
) -> None:
    plan = demo_settings(tmp_path, "127.0.0.1", 8123)
    prepare(plan)
    hub = await Hub.open(plan.settings)
    try:
        await register_clients(hub)
        token = await hub.tokens.issue_access_token("demo-market")
    finally:
        await hub.close()
    tokens_file = write_tokens(tmp_path, {"demo-market": token})
    console = Console(width=80, record=True, file=io.StringIO())

    console.print(banner(plan, tokens_file))

    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert token.access_token not in text
    assert str(tokens_file) in text.replace("\n", "")
    assert json.loads(tokens_file.read_text(encoding="utf-8")) == {
        "demo-market": token.access_token
    }
    assert stat.S_IMODE(tokens_file.stat().st_mode) == 0o600


@pytest.mark.slow  # eleven secrets hashed with scrypt: seconds
def test_clients_demo_registers_the_demo_clients_once(tmp_path: Path) -> None:
    assert runner.invoke(app, ["migrate", "--data-dir", str(tmp_path)], env={}).exit_code == 0

    first = runner.invoke(app, ["clients", "demo", "--data-dir", str(tmp_path)], env={})
    again = runner.invoke(app, ["clients", "demo", "--data-dir", str(tmp_path)], env={})
    listed = runner.invoke(app, ["clients", "list", "--data-dir", str(tmp_path)], env={})

    assert first.exit_code == 0, first.output
    assert "11 demo clients are registered" in first.stdout
    assert again.exit_code == 0
    assert listed.stdout.count("demo-") == 11
