"""``xietong clients|keys|token`` as an operator types them."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.auth.token_helpers import unverified_parts
from xietong.cli.auth import add_auth_commands
from xietong.kernel.settings import Settings

runner = CliRunner()


def cli_for(database_url: str) -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    add_auth_commands(
        app, lambda data_dir: Settings.from_env({"XIETONG_DATABASE_URL": database_url})
    )
    return app


def test_an_operator_registers_a_client_gets_a_token_and_disables_it(hub_database_url: str) -> None:
    app = cli_for(hub_database_url)
    add = [
        "clients", "add", "edu-kaifeng", "--name", "Kaifeng education bureau",
        "--department", "education", "--role", "education.supervisor", "--region", "410200",
        "--generate-secret",
    ]  # fmt: skip

    added = runner.invoke(app, add)
    listed = runner.invoke(app, ["clients", "list"])
    token = runner.invoke(app, ["token", "edu-kaifeng"])
    disabled = runner.invoke(app, ["clients", "disable", "edu-kaifeng"])
    refused = runner.invoke(app, ["token", "edu-kaifeng"])

    assert added.exit_code == 0, added.output
    assert "registered client edu-kaifeng (client_secret_basic)" in added.stdout
    assert len(added.stdout.splitlines()[-1]) >= 40  # the generated secret, shown once
    assert listed.exit_code == 0
    assert "edu-kaifeng" in listed.stdout
    assert "enabled" in listed.stdout
    assert token.exit_code == 0
    assert unverified_parts(token.stdout.strip())[1]["client_id"] == "edu-kaifeng"
    assert disabled.exit_code == 0
    assert refused.exit_code == 1
    assert refused.stderr.strip() == "error: client 'edu-kaifeng' is disabled"


def test_bad_input_is_one_line_and_a_non_zero_exit(hub_database_url: str) -> None:
    app = cli_for(hub_database_url)
    base = [
        "clients",
        "add",
        "x-1",
        "--name",
        "X",
        "--department",
        "EDUCATION",
        "--secret",
        "s" * 16,
    ]
    attempts = {
        "unknown role": [*base, "--role", "superuser", "--region", "410200"],
        "bad region": [*base, "--role", "auditor", "--region", "41"],
        "unknown client": ["clients", "disable", "nobody"],
        "token for an unknown client": ["token", "nobody"],
    }
    for case, args in attempts.items():
        result = runner.invoke(app, args)
        assert result.exit_code != 0, case
        assert result.stderr.startswith("error: "), case
        assert len(result.stderr.strip().splitlines()) == 1, case
        assert "Traceback" not in result.output, case


def test_keys_rotate_and_list(hub_database_url: str) -> None:
    app = cli_for(hub_database_url)

    first = runner.invoke(app, ["keys", "rotate"])
    second = runner.invoke(app, ["keys", "rotate"])
    listed = runner.invoke(app, ["keys", "list"])

    assert first.exit_code == second.exit_code == listed.exit_code == 0
    new_kid = second.stdout.split()[3]
    assert f"new signing key {new_kid}" in second.stdout
    assert first.stdout.split()[3] in second.stdout  # the first key, now retired
    assert listed.stdout.count("signing") == 1
    assert listed.stdout.count("retired") == 1
    assert "new tip-off reporter key" in first.stdout
    reporter_kids = {
        line.split()[4]
        for line in (first.stdout + second.stdout).splitlines()
        if "reporter" in line
    }
    assert len(reporter_kids) == 2


def test_an_unmigrated_database_is_named_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(cli_for(f"sqlite:///{tmp_path / 'hub.db'}"), ["clients", "list"])

    assert result.exit_code == 2
    assert "run `xietong migrate` first" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "command",
    [["clients", "add"], ["clients", "list"], ["clients", "disable"], ["keys", "rotate"],
     ["keys", "list"], ["token"]],
)  # fmt: skip
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(cli_for("sqlite:///unused.db"), [*command, "--help"])

    assert result.exit_code == 0
    assert "--data-dir" in result.stdout
