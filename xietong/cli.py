"""The ``xietong`` command line: demo, serve, migrate, seed, schema, and operator tools."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from xietong.errors import ConfigError
from xietong.settings import DEFAULT_DATA_DIR, Settings

app = typer.Typer(
    name="xietong",
    help="Xietong (协同): a GraphQL data-sharing hub for the departments that jointly "
    "supervise off-campus training institutions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        envvar="XIETONG_DATA_DIR",
        help="Folder for the hub database, the sources file and the sandbox.",
    ),
]
Host = Annotated[str, typer.Option(help="Interface to listen on.")]
Port = Annotated[int, typer.Option(help="Port of the hub's HTTP server.")]

T = TypeVar("T")


def settings_for(data_dir: Path) -> Settings:
    return Settings.from_env(data_dir=data_dir)


def run_or_exit(work: Callable[[], T]) -> T:
    """Run ``work``; a ConfigError becomes one red line and exit code 2, not a traceback."""
    try:
        return work()
    except ConfigError as error:
        err_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def migrate(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Bring the hub database to the newest schema (Alembic)."""
    from xietong.migrate import upgrade

    settings = run_or_exit(lambda: settings_for(data_dir))
    with console.status("migrating the hub database"):
        run_or_exit(lambda: upgrade(settings.database_url))
    console.print("hub database is up to date")


@app.command()
def schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from schema.root import build_schema

    typer.echo(build_schema().as_str())


@app.command()
def serve(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    host: Host = "127.0.0.1",
    port: Port = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the hub with the configured database, sources and policy."""
    from xietong.serve import check_startup, serve_workers

    settings = run_or_exit(lambda: settings_for(data_dir))
    run_or_exit(lambda: asyncio.run(check_startup(settings)))
    os.environ["XIETONG_DATA_DIR"] = str(data_dir)
    serve_workers(host=host, port=port, workers=workers)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app()
