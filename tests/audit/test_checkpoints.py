"""Signed checkpoints: made by the CLI and the hub's background task, exported, and
checked by ``xietong audit verify --checkpoints`` against attacks done for real on
the hub database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from joserfc import jws
from joserfc.jwk import ECKey
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.audit.checkpoint_support import (
    T0,
    Event,
    Rewrite,
    append_events,
    cut_tail,
    exported,
    rewrite_chain,
    xietong,
)
from xietong.audit.checkpoints import HeadProgress
from xietong.kernel.db import create_sync_engine


def test_a_checkpoint_is_made_only_when_the_head_moved(
    hub_database_url: str, tmp_path: Path
) -> None:
    assert xietong(hub_database_url, tmp_path, "audit", "checkpoint") == (
        0,
        "no new events since the last checkpoint: none made\n",
    )
    append_events(hub_database_url, 1, 5)

    code, made = xietong(hub_database_url, tmp_path, "audit", "checkpoint")
    again = xietong(hub_database_url, tmp_path, "audit", "checkpoint")
    file = tmp_path / "checkpoints.jsonl"
    exit_code, _ = xietong(
        hub_database_url, tmp_path, "audit", "checkpoints", "export", "--output", str(file)
    )

    assert code == 0
    assert made.startswith("checkpoint at event 5, head ")
    assert again[1] == "no new events since the last checkpoint: none made\n"
    assert exit_code == 0
    [line] = exported(file)
    assert line["seq"] == 5
    assert made.strip().endswith(line["headHash"])
    assert line["at"].endswith("+00:00")
    header = jws.extract_compact(line["jws"].encode()).headers()
    assert (header["alg"], header["typ"]) == ("ES256", "xietong-checkpoint+jws")
    payload = json.loads(jws.extract_compact(line["jws"].encode()).payload)
    assert payload == {"seq": 5, "headHash": line["headHash"], "at": line["at"]}


def _checkpointed_chain(database_url: str, data_dir: Path) -> Path:
    """Events 1..12 with checkpoints at 4, 8 and 12, exported to a file kept aside."""
    for first, last in ((1, 4), (5, 8), (9, 12)):
        append_events(database_url, first, last)
        assert xietong(database_url, data_dir, "audit", "checkpoint")[0] == 0
    kept = data_dir / "kept.jsonl"
    xietong(database_url, data_dir, "audit", "checkpoints", "export", "--output", str(kept))
    assert [line["seq"] for line in exported(kept)] == [4, 8, 12]
    return kept


def test_an_honest_chain_extends_every_checkpoint(hub_database_url: str, tmp_path: Path) -> None:
    kept = _checkpointed_chain(hub_database_url, tmp_path)
    append_events(hub_database_url, 13, 15)  # the chain goes on after the last one

    code, output = xietong(
        hub_database_url, tmp_path, "audit", "verify", "--checkpoints", str(kept)
    )

    assert code == 0, output
    assert "intact: 15 events" in output
    assert "every checkpoint holds: 3 checked" in output


def _purpose_of_event_6_changed(events: list[Event]) -> list[Event]:
    changed = list(events)
    changed[5][0].purpose = "nothing to see here"
    return changed


def _events_5_and_6_swapped(events: list[Event]) -> list[Event]:
    swapped = list(events)
    swapped[4], swapped[5] = swapped[5], swapped[4]
    return swapped


@pytest.mark.parametrize(
    ("attack", "expected"),
    [
        pytest.param(
            "truncate", "event 8 is no longer stored (events removed at the end", id="truncated"
        ),
        pytest.param(_purpose_of_event_6_changed, "event 8 now hashes to", id="rehashed"),
        pytest.param(_events_5_and_6_swapped, "event 8 now hashes to", id="reordered"),
    ],
)
def test_a_rewritten_chain_passes_plain_verify_but_not_the_kept_checkpoints(
    hub_database_url: str, tmp_path: Path, attack: str | Rewrite, expected: str
) -> None:
    kept = _checkpointed_chain(hub_database_url, tmp_path)

    if attack == "truncate":
        cut_tail(hub_database_url, keep=6)
    else:
        assert callable(attack)
        rewrite_chain(hub_database_url, attack)
    plain = xietong(hub_database_url, tmp_path, "audit", "verify")
    code, output = xietong(
        hub_database_url, tmp_path, "audit", "verify", "--checkpoints", str(kept)
    )

    assert plain[0] == 0
    assert "intact:" in plain[1]  # the chain agrees with itself
    assert code == 1
    assert "CHECKPOINT NOT EXTENDED: checkpoint 8 " in output  # the first one that fails
    assert expected in output


def test_checkpoints_from_a_rotated_key_still_verify_and_a_forged_one_does_not(
    hub_database_url: str, tmp_path: Path
) -> None:
    append_events(hub_database_url, 1, 3)
    xietong(hub_database_url, tmp_path, "audit", "checkpoint")
    assert xietong(hub_database_url, tmp_path, "keys", "rotate")[0] == 0
    append_events(hub_database_url, 4, 6)
    xietong(hub_database_url, tmp_path, "audit", "checkpoint")
    kept = tmp_path / "kept.jsonl"
    xietong(hub_database_url, tmp_path, "audit", "checkpoints", "export", "-o", str(kept))
    lines = exported(kept)
    kids = {jws.extract_compact(line["jws"].encode()).headers()["kid"] for line in lines}

    rotated = xietong(hub_database_url, tmp_path, "audit", "verify", "--checkpoints", str(kept))

    assert len(kids) == 2
    assert rotated[0] == 0, rotated[1]
    stranger = ECKey.generate_key("P-256")
    forged = jws.serialize_compact(
        {"alg": "ES256", "kid": stranger.thumbprint(), "typ": "xietong-checkpoint+jws"},
        json.dumps({"seq": 6, "headHash": "f" * 64, "at": T0.isoformat()}).encode(),
        stranger,
    )
    kept.write_text(json.dumps({"jws": forged}) + "\n", encoding="utf-8")
    code, output = xietong(
        hub_database_url, tmp_path, "audit", "verify", "--checkpoints", str(kept)
    )
    assert code == 1
    assert f"signed with key {stranger.thumbprint()}, which the JWKS does not hold" in output


def test_a_kept_jwks_without_the_hubs_key_fails_the_checkpoints(
    hub_database_url: str, tmp_path: Path
) -> None:
    kept = _checkpointed_chain(hub_database_url, tmp_path)
    other = ECKey.generate_key("P-256")
    jwks = tmp_path / "jwks.json"
    public = other.as_dict(private=False, kid=other.thumbprint(), alg="ES256", use="sig")
    jwks.write_text(json.dumps({"keys": [public]}), encoding="utf-8")

    code, output = xietong(
        hub_database_url,
        tmp_path,
        "audit",
        "verify",
        "--checkpoints",
        str(kept),
        "--jwks",
        str(jwks),
    )

    assert code == 1
    assert "which the JWKS does not hold" in output


def test_a_file_that_holds_no_checkpoints_is_a_bad_invocation(
    hub_database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"seq": 1}\n', encoding="utf-8")

    code, output = xietong(hub_database_url, tmp_path, "audit", "verify", "--checkpoints", str(bad))

    assert code == 2
    assert "line 1 is not a checkpoint" in output


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_checkpoints SET head_hash = 'x'", "DELETE FROM audit_checkpoints"]
)
def test_the_database_refuses_to_change_a_checkpoint(
    hub_database_url: str, tmp_path: Path, statement: str
) -> None:
    append_events(hub_database_url, 1, 2)
    xietong(hub_database_url, tmp_path, "audit", "checkpoint")
    engine = create_sync_engine(hub_database_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT seq FROM audit_checkpoints")).scalars().all()
    finally:
        engine.dispose()
    assert stored == [2]


@pytest.mark.parametrize(
    ("progress", "every", "seconds", "due"),
    [
        pytest.param(HeadProgress(5, 5, T0), 1, 1.0, False, id="head-not-moved"),
        pytest.param(HeadProgress(7, 5, T0), 3, 0.0, False, id="too-few-events"),
        pytest.param(HeadProgress(8, 5, T0), 3, 0.0, True, id="enough-events"),
        pytest.param(HeadProgress(6, 5, T0), 0, 60.0, False, id="too-soon"),
        pytest.param(HeadProgress(6, 5, T0 - timedelta(seconds=60)), 0, 60.0, True, id="time"),
        pytest.param(HeadProgress(1, 0, None), 0, 60.0, True, id="first-by-time"),
        pytest.param(HeadProgress(9, 0, None), 0, 0.0, False, id="disabled"),
    ],
)
def test_a_checkpoint_is_due_after_n_events_or_t_seconds_whichever_first(
    progress: HeadProgress, every: int, seconds: float, due: bool
) -> None:
    assert progress.due(T0, every=every, seconds=seconds) is due
