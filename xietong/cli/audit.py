"""``xietong audit verify|export``: the auditor's and operator's view of the access log."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from xietong.audit.export import ExportFormat, count_events, exported_events, write_events
from xietong.audit.verify import verify_chain
from xietong.cli.options import DataDir, SettingsFor
from xietong.cli.output import err_console, fail, progress
from xietong.kernel.db import create_sync_engine
from xietong.kernel.settings import DEFAULT_DATA_DIR


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r} is not an ISO date or time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def add_audit_commands(app: typer.Typer, settings_for: SettingsFor) -> None:
    audit = typer.Typer(
        help="Check and export the tamper-evident access log.", no_args_is_help=True
    )

    @audit.command()
    def verify(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Walk the whole hash chain; name the first broken event and exit 1 if any."""
        engine = create_sync_engine(settings_for(data_dir).database_url)
        try:
            with progress("verifying the access log") as bar:
                task = bar.add_task("verify", total=count_events(engine, None))
                report = verify_chain(engine, progress=lambda n: bar.advance(task, n))
        finally:
            engine.dispose()
        if report.intact:
            typer.echo(f"intact: {report.events} events, head {report.head_hash}")
            return
        typer.echo(
            f"BROKEN at event {report.first_broken_seq}: {report.reason} "
            f"({report.events} events before it are intact)"
        )
        raise typer.Exit(1)

    @audit.command()
    def export(
        data_dir: DataDir = DEFAULT_DATA_DIR,
        export_format: Annotated[
            ExportFormat, typer.Option("--format", help="jsonl or csv.")
        ] = ExportFormat.JSONL,
        since: Annotated[
            str | None, typer.Option(help="Only events at or after this ISO date or time.")
        ] = None,
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")
        ] = None,
    ) -> None:
        """Stream the access log, oldest first, with each event's hashes."""
        start = _since(since)
        engine = create_sync_engine(settings_for(data_dir).database_url)
        try:
            with ExitStack() as stack, progress("exporting the access log") as bar:
                out = (
                    stack.enter_context(output.open("w", encoding="utf-8", newline=""))
                    if output
                    else sys.stdout
                )
                task = bar.add_task("export", total=count_events(engine, start))
                written = write_events(
                    exported_events(engine, start),
                    out,
                    export_format,
                    progress=lambda n: bar.advance(task, n),
                )
        finally:
            engine.dispose()
        err_console.print(f"exported {written} events")

    app.add_typer(audit, name="audit")
