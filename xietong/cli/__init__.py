"""The ``xietong`` command line: demo, serve, migrate, seed, schema, and operator tools."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from xietong.cli.audit import add_audit_commands
from xietong.cli.auth import add_auth_commands
from xietong.cli.documents import add_document_commands
from xietong.cli.federation import add_federation_commands
from xietong.cli.officers import add_officer_commands
from xietong.cli.options import DataDir
from xietong.cli.output import fail
from xietong.cli.reviews import add_review_commands
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import DEFAULT_DATA_DIR, Settings, federation_name_of
from xietong.sandbox.reference import DEFAULT_SEED
from xietong.web.logs import configure_json_logging

app = typer.Typer(
    name="xietong",
    help="Xietong (协同): a GraphQL data-sharing hub for the departments that jointly "
    "supervise off-campus training institutions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()

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
        fail(str(error))


@app.command()
def migrate(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Bring the hub database to the newest schema (Alembic)."""
    from xietong.kernel.migrate import upgrade

    settings = run_or_exit(lambda: settings_for(data_dir))
    with console.status("migrating the hub database"):
        run_or_exit(lambda: upgrade(settings.database_url))
    console.print("hub database is up to date")


@app.command()
def schema(
    subgraph: Annotated[
        str | None,
        typer.Option(
            help="Print the Apollo Federation 2 subgraph SDL of the hub whose "
            "XIETONG_FEDERATION_NAME is this (e.g. kaifeng), for the province's "
            "composition (tests/federation/gateway/compose.mjs)."
        ),
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL)."""
    from xietong.schema.compat import graphql_schema_of
    from xietong.schema.federation import subgraph_sdl
    from xietong.schema.root import build_schema

    if subgraph is None:
        typer.echo(build_schema().as_str())
        return
    name = run_or_exit(lambda: federation_name_of(subgraph)) or ""
    typer.echo(subgraph_sdl(graphql_schema_of(build_schema(federation_name=name)), name), nl=False)


@app.command()
def serve(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    host: Host = "127.0.0.1",
    port: Port = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the hub with the configured database, sources and policy."""
    from xietong.cli.serve import check_startup, serve_workers

    settings = run_or_exit(lambda: settings_for(data_dir))
    # Before the checks: what they warn of is logged as JSON too.
    configure_json_logging(settings.log_level)
    run_or_exit(lambda: asyncio.run(check_startup(settings, workers=workers)))
    os.environ["XIETONG_DATA_DIR"] = str(data_dir)
    serve_workers(host=host, port=port, workers=workers, log_level=settings.log_level)


Institutions = Annotated[
    int, typer.Option("--institutions", min=0, help="How many institutions to seed.")
]


@app.command()
def seed(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    institutions: Institutions = 300,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same data.")] = (
        DEFAULT_SEED
    ),
) -> None:
    """(Re)create the sandbox department systems with generated institutions."""
    run_seed(data_dir, institutions, seed)


def run_seed(data_dir: Path, institutions: int, seed: int) -> None:
    from xietong.sandbox.seed import seed_sandbox

    with Progress(
        TextColumn("seeding the sandbox departments"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("seed", total=institutions)
        summary = seed_sandbox(
            data_dir, institutions, seed=seed, progress=lambda done: progress.advance(task, done)
        )
    console.print(
        f"seeded {summary.institutions} institutions and {summary.unlicensed_operators} "
        f"unlicensed operators ({summary.rows:,} rows) in {summary.seconds:.1f} s"
    )


@app.command()
def demo(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    institutions: Institutions = 300,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Migrate, seed the sandbox departments if needed, register the demo clients, serve."""
    from xietong.cli.demo import demo_settings, prepare, serve_demo
    from xietong.sandbox.seed import is_seeded

    plan = run_or_exit(lambda: demo_settings(data_dir, host, port))
    configure_json_logging(plan.settings.log_level)
    if not is_seeded(plan.settings.data_dir, institutions=institutions, seed=DEFAULT_SEED):
        run_seed(plan.settings.data_dir, institutions, DEFAULT_SEED)
    run_or_exit(lambda: prepare(plan))
    run_or_exit(lambda: asyncio.run(serve_demo(plan, console)))


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"xietong {package_version('xietong')}")
        raise typer.Exit


@app.callback()
def options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="XIETONG_CONFIG",
            help="A TOML file of settings (keys: the XIETONG_* variables' names without "
            "the prefix, in lower case); a variable that is set wins over it.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Xietong (协同): a GraphQL data-sharing hub for the departments that jointly
    supervise off-campus training institutions."""
    if config is not None:
        # Through the environment, so that every worker process reads the same file.
        os.environ["XIETONG_CONFIG"] = str(config.resolve())


@app.command()
def sandbox(
    host: Host = "127.0.0.1",
    advertise: Annotated[
        str | None,
        typer.Option(help="Host name the hub reaches the services by (default: --host)."),
    ] = None,
    institutions: Institutions = 300,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Seed the sandbox departments if needed, write their sources file and serve their
    HTTP services (market 8101, police 8102, bank 8103), for hubs run apart from them."""
    from xietong.sandbox.config import write_sources_file
    from xietong.sandbox.seed import is_seeded
    from xietong.sandbox.serve import SandboxPorts, serve_sandbox

    configure_json_logging()
    if not is_seeded(data_dir, institutions=institutions, seed=DEFAULT_SEED):
        run_seed(data_dir, institutions, DEFAULT_SEED)
    sources = write_sources_file(data_dir.resolve(), advertise or host, SandboxPorts())
    console.print(f"sources file for the hub: {sources}")
    asyncio.run(serve_sandbox(data_dir, host, SandboxPorts()))


add_auth_commands(app, settings_for)
add_document_commands(app, settings_for)
add_federation_commands(app)
add_audit_commands(app, settings_for)
add_review_commands(app, settings_for)
add_officer_commands(app, settings_for)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app()
