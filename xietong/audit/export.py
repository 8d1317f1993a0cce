"""Exporting the access log as JSON Lines or CSV, streamed in sequence order."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import Engine, func, select

from xietong.audit.verify import body_of, stored_events
from xietong.kernel.store import AuditEvent

_LIST_FIELDS = (
    "roles",
    "fields_read",
    "fields_masked",
    "fields_denied",
    "record_keys",
    "error_codes",
)


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


def count_events(engine: Engine, since: datetime | None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def exported_events(engine: Engine, since: datetime | None) -> Iterator[dict[str, Any]]:
    """Every event at or after ``since``, as stored (hashes included), oldest first."""
    with stored_events(engine, since=since) as rows:
        for row in rows:
            yield {**body_of(row), "prev_hash": row.prev_hash, "hash": row.hash}


def write_events(
    events: Iterator[dict[str, Any]],
    out: TextIO,
    export_format: ExportFormat,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    written = 0
    writer: csv.DictWriter[str] | None = None
    for event in events:
        if export_format is ExportFormat.JSONL:
            out.write(json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n")
        else:
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(event))
                writer.writeheader()
            writer.writerow(_flat(event))
        written += 1
        if progress is not None:
            progress(1)
    return written


def _flat(event: dict[str, Any]) -> dict[str, Any]:
    """CSV cells: lists joined with ``;``, the variables as JSON."""
    flat = dict(event)
    for key in _LIST_FIELDS:
        flat[key] = ";".join(event[key])
    flat["variables"] = json.dumps(event["variables"], ensure_ascii=False, sort_keys=True)
    return flat
