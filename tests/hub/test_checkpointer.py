"""The checkpoint task with its store down: one line when it starts failing and one
when it is back, not a traceback a second."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from xietong.auth.keys import SigningKeyStore
from xietong.hub.checkpoints import Checkpointer
from xietong.kernel.db import create_hub_engine, create_sync_engine
from xietong.kernel.settings import Settings


async def test_a_store_that_is_down_is_said_once_and_its_return_once(
    tmp_path: Path, prepared_sqlite_template: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "hub.db"
    shutil.copyfile(prepared_sqlite_template, database)
    url = f"sqlite:///{database}"
    away = sqlite3.connect(database, isolation_level=None)
    away.execute("ALTER TABLE audit_chain_head RENAME TO moved_away")
    settings = Settings.from_env({"XIETONG_CHECKPOINT_SECONDS": "0.02"}, data_dir=tmp_path)
    engine, keys_engine = create_sync_engine(url), create_hub_engine(url)
    keys = SigningKeyStore(async_sessionmaker(keys_engine))
    checkpointer = Checkpointer(engine, keys, settings)
    task = asyncio.create_task(checkpointer.run())
    try:
        with caplog.at_level(logging.INFO, logger="xietong.hub.checkpoints"):
            await asyncio.sleep(0.5)  # the store refuses: some twenty failed ticks
            away.execute("ALTER TABLE moved_away RENAME TO audit_chain_head")
            await asyncio.sleep(0.5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        engine.dispose()
        await keys_engine.dispose()
        away.close()

    lines = [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records]
    assert [(level, exc) for level, _, exc in lines] == [("ERROR", None), ("WARNING", None)]
    assert "could not sign a checkpoint" in lines[0][1]
    assert "signed again" in lines[1][1]
