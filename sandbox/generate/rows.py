"""The generator's output: rows per native table, keyed ``"<database>.<table>"``."""

from __future__ import annotations

from collections import defaultdict

Row = tuple[object, ...]
Rows = defaultdict[str, list[Row]]


def new_rows() -> Rows:
    return defaultdict(list)


def iso(yyyymmdd: str) -> str:
    """``20261101`` → ``2026-11-01``."""
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
