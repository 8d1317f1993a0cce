"""Start-up mistakes stop the command with one clear line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xietong.cli import app

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("::not a url::", "is not a database URL"),
        ("mysql://root@localhost/x", "unsupported database 'mysql'"),
        ("postgresql://nobody@127.0.0.1:1/none", "cannot migrate postgresql+psycopg://nobody@"),
    ],
)
def test_a_bad_database_url_is_one_clear_line(tmp_path: Path, url: str, expected: str) -> None:
    code, output = invoke("migrate", "--data-dir", str(tmp_path), env={"XIETONG_DATABASE_URL": url})

    assert code == 2
    assert expected in output
    assert "Traceback" not in output


def test_a_corrupt_sources_file_stops_serve_naming_the_file(tmp_path: Path) -> None:
    assert invoke("migrate", "--data-dir", str(tmp_path))[0] == 0
    sources = tmp_path / "sources.toml"
    sources.write_text("[[sources]\nname = 'x'\n", encoding="utf-8")

    code, output = invoke("serve", "--data-dir", str(tmp_path))

    assert code == 2
    assert f"sources file {sources} is not valid TOML" in output
    assert "Traceback" not in output


def test_serve_refuses_an_unreachable_postgresql(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")

    code, output = invoke(
        "serve",
        "--data-dir",
        str(tmp_path),
        env={"XIETONG_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )

    assert code == 2
    assert "hub database postgresql+psycopg://nobody@127.0.0.1:1/none is unreachable" in output


def test_schema_prints_the_sdl() -> None:
    code, output = invoke("schema")

    assert code == 0
    assert "type Query {" in output
    assert "me: Principal!" in output


def test_a_policy_naming_an_unknown_field_stops_serve(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[roles]\nauditor = {}\n[[rules]]\nfields = ["Query.nothing"]\nallow = ["*"]\n',
        encoding="utf-8",
    )

    code, output = invoke("serve", "--data-dir", str(tmp_path), env={"XIETONG_POLICY": str(policy)})

    assert code == 2
    assert "Query has no field 'nothing'" in output
