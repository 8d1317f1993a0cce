from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from xietong.kernel.db import create_sync_engine
from xietong.kernel.migrate import current_revision, head_revision, upgrade
from xietong.kernel.store import Base


def test_upgrade_from_empty_reaches_head_and_creates_every_table(empty_database_url: str) -> None:
    upgrade(empty_database_url)

    assert current_revision(empty_database_url) == head_revision()
    engine = create_sync_engine(empty_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    upgrade(empty_database_url)

    assert current_revision(empty_database_url) == head_revision()


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET outcome = 'OK'", "DELETE FROM audit_events"]
)
def test_the_database_refuses_to_change_the_audit_log(
    hub_database_url: str, statement: str
) -> None:
    engine = create_sync_engine(hub_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_events (seq, at, roles, variables, fields_read, "
                    "fields_masked, fields_denied, record_keys, error_codes, outcome, "
                    "duration_ms, prev_hash, hash) VALUES (1, CURRENT_TIMESTAMP, '[]', '{}', "
                    "'[]', '[]', '[]', '[]', '[]', 'DENIED', 1.0, :prev, :hash)"
                ),
                {"prev": "0" * 64, "hash": "1" * 64},
            )
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
        with engine.connect() as connection:
            outcomes = connection.execute(text("SELECT outcome FROM audit_events")).scalars().all()
    finally:
        engine.dispose()
    assert outcomes == ["DENIED"]


def test_trusted_documents_arrive_on_a_hub_with_clients_and_keep_its_log_append_only(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url, "0006_audit_pseudonym_keys")
    engine = create_sync_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO clients (client_id, name, department, roles, region, "
                    "created_at) VALUES ('edu', 'Education', 'EDUCATION', "
                    "'[\"education.supervisor\"]', '410200', CURRENT_TIMESTAMP)"
                )
            )
        upgrade(empty_database_url)
        with engine.begin() as connection:
            only = connection.execute(
                text("SELECT trusted_documents_only FROM clients WHERE client_id = 'edu'")
            ).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO audit_events (seq, at, document_hash, roles, variables, "
                    "fields_read, fields_masked, fields_denied, record_keys, error_codes, "
                    "outcome, duration_ms, prev_hash, hash) VALUES (1, CURRENT_TIMESTAMP, "
                    ":document_id, '[]', '{}', '[]', '[]', '[]', '[]', '[]', 'OK', 1.0, "
                    ":prev, :hash)"
                ),
                {"document_id": "sha256:" + "a" * 64, "prev": "0" * 64, "hash": "1" * 64},
            )
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))
    finally:
        engine.dispose()
    assert not only
