"""``xietong audit verify|export|checkpoint|checkpoints export``: the auditor's and
operator's view of the access log.

``verify --checkpoints FILE`` proves that the live chain still extends every signed
checkpoint in a file kept away from the hub (``checkpoints export``); without it,
``verify`` can only say that the chain is consistent with itself.
"""

from __future__ import annotations

import asyncio
import json
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import async_sessionmaker

from xietong.audit.checkpoints import (
    CheckpointReport,
    make_checkpoint,
    read_checkpoints,
    stored_checkpoints,
    verify_checkpoints,
)
from xietong.audit.export import ExportFormat, count_events, exported_events, write_events
from xietong.audit.verify import verify_chain
from xietong.auth.clock import utc_now
from xietong.auth.keys import SigningKeyPair, SigningKeyStore
from xietong.cli.options import DataDir, SettingsFor
from xietong.cli.output import err_console, fail, progress
from xietong.kernel.db import create_hub_engine, create_sync_engine
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
    def verify(
        data_dir: DataDir = DEFAULT_DATA_DIR,
        checkpoints: Annotated[
            Path | None,
            typer.Option(
                dir_okay=False,
                help="Signed checkpoints kept outside the hub (`audit checkpoints export`): "
                "prove the chain still extends each one.",
            ),
        ] = None,
        jwks: Annotated[
            Path | None,
            typer.Option(
                dir_okay=False,
                help="The hub's JWKS as a file, to check the checkpoints with "
                "(default: the keys in the hub database).",
            ),
        ] = None,
    ) -> None:
        """Walk the whole hash chain; name the first broken event (or the first
        checkpoint no longer extended) and exit 1 if any."""
        settings = settings_for(data_dir)
        tokens = _checkpoint_file(checkpoints) if checkpoints else None
        keys = _json_file(jwks, "JWKS") if jwks else None
        if tokens is not None and keys is None:
            keys = asyncio.run(_stored_jwks(settings.database_url))
        checked: CheckpointReport | None = None
        engine = create_sync_engine(settings.database_url)
        try:
            with progress("verifying the access log") as bar:
                task = bar.add_task("verify", total=count_events(engine, None))

                def advance(events: int) -> None:
                    bar.advance(task, events)

                if tokens is None or keys is None:
                    report = verify_chain(engine, progress=advance)
                else:
                    try:
                        checked = verify_checkpoints(engine, tokens, keys, progress=advance)
                    except ValueError as error:
                        fail(str(error), code=2)
                    report = checked.chain
        finally:
            engine.dispose()
        if report.intact:
            typer.echo(f"intact: {report.events} events, head {report.head_hash}")
        else:
            typer.echo(
                f"BROKEN at event {report.first_broken_seq}: {report.reason} "
                f"({report.events} events before it are intact)"
            )
        if checked is not None:
            if checked.reason is None:
                typer.echo(f"every checkpoint holds: {checked.checkpoints} checked")
            else:
                typer.echo(f"CHECKPOINT NOT EXTENDED: {checked.reason}")
        if not report.intact or (checked is not None and not checked.intact):
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

    @audit.command()
    def checkpoint(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Sign a checkpoint of the access log's head now (if it moved since the last)."""
        url = settings_for(data_dir).database_url
        key = asyncio.run(_signing_key(url))
        engine = create_sync_engine(url)
        try:
            made = make_checkpoint(engine, key, at=utc_now())
        finally:
            engine.dispose()
        if made is None:
            typer.echo("no new events since the last checkpoint: none made")
            return
        typer.echo(f"checkpoint at event {made.seq}, head {made.head_hash}")

    checkpoints_app = typer.Typer(
        help="The hub's signed checkpoints of the access log.", no_args_is_help=True
    )

    @checkpoints_app.command("export")
    def export_checkpoints(
        data_dir: DataDir = DEFAULT_DATA_DIR,
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")
        ] = None,
    ) -> None:
        """Every checkpoint as JSON Lines ({seq, headHash, at, jws}), oldest first: keep
        the file away from the hub, and check it later with `audit verify --checkpoints`."""
        engine = create_sync_engine(settings_for(data_dir).database_url)
        try:
            found = stored_checkpoints(engine)
        finally:
            engine.dispose()
        with ExitStack() as stack:
            out = (
                stack.enter_context(output.open("w", encoding="utf-8", newline="\n"))
                if output
                else sys.stdout
            )
            for made in found:
                out.write(json.dumps(made.document(), ensure_ascii=False) + "\n")
        err_console.print(f"exported {len(found)} checkpoints")

    audit.add_typer(checkpoints_app, name="checkpoints")
    app.add_typer(audit, name="audit")


def _checkpoint_file(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8") as lines:
            return read_checkpoints(lines)
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read the checkpoints file {path}: {error}", code=2)
    except ValueError as error:
        fail(f"the checkpoints file {path}: {error}", code=2)


def _json_file(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        fail(f"cannot read the {what} file {path}: {error}", code=2)


async def _stored_jwks(database_url: str) -> dict[str, Any]:
    engine = create_hub_engine(database_url)
    try:
        return dict(await SigningKeyStore(async_sessionmaker(engine)).jwks())
    finally:
        await engine.dispose()


async def _signing_key(database_url: str) -> SigningKeyPair:
    engine = create_hub_engine(database_url)
    try:
        return await SigningKeyStore(async_sessionmaker(engine)).signing_key()
    finally:
        await engine.dispose()
