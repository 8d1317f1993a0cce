"""``xietong documents add|list|remove|only`` as an operator types them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from xietong.auth.trusted_documents import document_id_of
from xietong.cli.auth import add_auth_commands
from xietong.cli.documents import add_document_commands
from xietong.kernel.settings import Settings

runner = CliRunner()
ME = "query Me { me { clientId } }\n"
COUNT = "query Count { institutions(first: 1) { totalCount } }"


@pytest.fixture
def database_url(migrated_sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: the registry under these commands is tested on both databases
    (tests/auth/test_trusted_documents.py); here it is what the operator types."""
    shutil.copyfile(migrated_sqlite_template, tmp_path / "hub.db")
    return f"sqlite:///{tmp_path / 'hub.db'}"


def cli_for(database_url: str) -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)

    def settings_for(data_dir: Path) -> Settings:
        return Settings.from_env({"XIETONG_DATABASE_URL": database_url})

    add_auth_commands(app, settings_for)
    add_document_commands(app, settings_for)
    return app


def register_client(app: typer.Typer) -> None:
    add = [
        "clients", "add", "edu-kaifeng", "--name", "Kaifeng education bureau",
        "--department", "education", "--role", "education.supervisor", "--region", "410200",
        "--secret", "a-long-enough-secret",
    ]  # fmt: skip
    assert runner.invoke(app, add).exit_code == 0


def test_an_operator_registers_lists_restricts_and_removes_documents(
    database_url: str, tmp_path: Path
) -> None:
    app = cli_for(database_url)
    register_client(app)
    me = tmp_path / "me.graphql"
    me.write_text(ME, encoding="utf-8")
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({document_id_of(COUNT).removeprefix("sha256:"): COUNT}))

    added = runner.invoke(app, ["documents", "add", "edu-kaifeng", str(me), str(manifest)])
    again = runner.invoke(app, ["documents", "add", "edu-kaifeng", str(me)])
    only = runner.invoke(app, ["documents", "only", "edu-kaifeng"])
    listed = runner.invoke(app, ["documents", "list"])
    removed = runner.invoke(app, ["documents", "remove", "edu-kaifeng", document_id_of(ME)])
    after = runner.invoke(app, ["documents", "list", "edu-kaifeng"])

    assert added.exit_code == 0, added.output
    assert f"registered {document_id_of(ME)} (me.graphql)" in added.stdout
    assert f"registered {document_id_of(COUNT)}" in added.stdout
    assert f"already registered {document_id_of(ME)}" in again.stdout
    assert only.stdout.strip() == "client edu-kaifeng runs only its registered documents"
    assert document_id_of(ME) in listed.stdout
    assert document_id_of(COUNT) in listed.stdout
    assert "trusted documents only: edu-kaifeng" in listed.stdout
    assert removed.exit_code == 0
    assert document_id_of(ME) not in after.stdout
    assert document_id_of(COUNT) in after.stdout


def test_a_document_the_hub_could_not_run_is_refused_in_one_line(
    database_url: str, tmp_path: Path
) -> None:
    app = cli_for(database_url)
    register_client(app)
    unknown_field = tmp_path / "bad.graphql"
    unknown_field.write_text("{ me { nonsense } }", encoding="utf-8")
    wrong_id = tmp_path / "wrong.json"
    wrong_id.write_text(json.dumps({"sha256:" + "0" * 64: ME}), encoding="utf-8")

    refused = runner.invoke(app, ["documents", "add", "edu-kaifeng", str(unknown_field)])
    mismatched = runner.invoke(app, ["documents", "add", "edu-kaifeng", str(wrong_id)])
    nobody = runner.invoke(app, ["documents", "only", "nobody"])
    listed = runner.invoke(app, ["documents", "list"])

    assert refused.exit_code == 2
    assert "nonsense" in refused.stderr
    assert mismatched.exit_code == 2
    assert "is not the id of its document" in mismatched.stderr
    assert nobody.exit_code == 1
    assert listed.stdout.strip() == "no documents are registered"
