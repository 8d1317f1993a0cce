"""Bulk loading of generated rows into fresh SQLite files.

Each database is built as ``<name>.db.partial`` with journaling and syncing off
(a crash leaves only a partial file that the next seed deletes), indexed after
the load, analysed, and then moved over the old file in one ``os.replace``.

Worker processes write their chunk into shard files of the same schema; the
loader copies a shard in with ``INSERT INTO … SELECT``, which runs inside SQLite
and costs a fraction of binding every value from Python again.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from xietong.sandbox.generate.rows import Rows
from xietong.sandbox.schemas import SCHEMAS

_BULK_PRAGMAS = (
    "journal_mode = OFF",
    "synchronous = OFF",
    "locking_mode = EXCLUSIVE",
    "temp_store = MEMORY",
    "cache_size = -65536",
)


class BulkLoader:
    """Open with the target files (database key → path), ``load`` or ``absorb``
    chunks in order, then ``commit`` (which indexes, unless ``indexed=False``)."""

    def __init__(self, targets: Mapping[str, Path], *, indexed: bool = True) -> None:
        self._targets = dict(targets)
        self.folder = next(iter(self._targets.values())).parent
        self._indexed = indexed
        self._connections: dict[str, sqlite3.Connection] = {}
        self._tables: dict[str, list[str]] = {}
        self._inserts: dict[str, tuple[sqlite3.Connection, str]] = {}
        self.counts: dict[str, int] = {}
        for key, path in self._targets.items():
            partial = _partial(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial.unlink(missing_ok=True)
            connection = sqlite3.connect(partial, isolation_level=None)
            for pragma in _BULK_PRAGMAS:
                connection.execute(f"PRAGMA {pragma}")
            connection.execute("BEGIN")
            for ddl in SCHEMAS[key].tables:
                connection.execute(ddl)
            self._connections[key] = connection
            self._tables[key] = [
                table
                for (table,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            for table in self._tables[key]:
                width = len(connection.execute(f"PRAGMA table_info({table})").fetchall())
                insert = f"INSERT INTO {table} VALUES ({', '.join('?' * width)})"
                self._inserts[f"{key}.{table}"] = (connection, insert)
                self.counts[f"{key}.{table}"] = 0

    def load(self, rows: Rows) -> int:
        """Insert one chunk of generated rows; returns how many were written."""
        written = 0
        for name, batch in rows.items():
            connection, insert = self._inserts[name]
            connection.executemany(insert, batch)
            self.counts[name] += len(batch)
            written += len(batch)
        return written

    def absorb(self, shards: Mapping[str, Path]) -> int:
        """Copy in the rows of shard files written by another ``BulkLoader``
        (``indexed=False``, committed); returns how many were copied."""
        written = 0
        for key, shard in shards.items():
            connection = self._connections[key]
            connection.execute("COMMIT")  # SQLite attaches only outside a transaction
            connection.execute("ATTACH DATABASE ? AS shard", (str(shard),))
            connection.execute("BEGIN")
            for table in self._tables[key]:
                cursor = connection.execute(f"INSERT INTO main.{table} SELECT * FROM shard.{table}")
                self.counts[f"{key}.{table}"] += cursor.rowcount
                written += cursor.rowcount
            connection.execute("COMMIT")
            connection.execute("DETACH DATABASE shard")
            connection.execute("BEGIN")
        return written

    def commit(self) -> None:
        """Index and analyse (unless ``indexed=False``), and move every file into place."""
        for key, connection in self._connections.items():
            if self._indexed:
                for index in SCHEMAS[key].indexes:
                    connection.execute(index)
            connection.execute("COMMIT")
            if self._indexed:
                connection.execute("ANALYZE")  # lets the planner pick selective indexes
            connection.close()
        self._connections.clear()
        for path in self._targets.values():
            os.replace(_partial(path), path)

    def abort(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()
        for path in self._targets.values():
            _partial(path).unlink(missing_ok=True)

    def __enter__(self) -> BulkLoader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._connections:
            self.abort()


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")
