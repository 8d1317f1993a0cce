"""Operator commands for clients, keys and tokens, for the ``xietong`` CLI to mount.

Every command takes ``--data-dir`` like the rest of the CLI and turns it into
settings with the ``settings_for`` function it is built with::

    add_auth_commands(app, settings_for)   # xietong clients add|list|disable,
                                           # xietong keys rotate|list, xietong token
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from xietong.audit.pseudonyms import rotate_pseudonym_key
from xietong.auth.client_secrets import generate_secret
from xietong.auth.demo import register_demo_clients
from xietong.auth.identity_errors import (
    ClientRegistrationError,
    DisabledClientError,
    UnknownClientError,
)
from xietong.auth.roles import KNOWN_ROLES
from xietong.auth.token_service import TokenService
from xietong.auth.trusted_documents import TrustedDocumentError
from xietong.cases.confidential import rotate_reporter_key
from xietong.cli.options import DataDir, SettingsFor, require_migrated
from xietong.cli.output import fail, table
from xietong.domain.departments import Department
from xietong.kernel.db import check_reachable, create_hub_engine, create_sync_engine
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import DEFAULT_DATA_DIR, Settings

T = TypeVar("T")

ClientId = Annotated[
    str, typer.Argument(help="The client's id, e.g. edu-kaifeng.", show_default=False)
]

console = Console()


def add_auth_commands(app: typer.Typer, settings_for: SettingsFor) -> None:
    """Mount ``clients``, ``keys`` and ``token`` on the ``xietong`` app."""
    app.add_typer(build_clients_app(settings_for), name="clients")
    app.add_typer(build_keys_app(settings_for), name="keys")
    app.command("token")(build_token_command(settings_for))


def build_clients_app(settings_for: SettingsFor) -> typer.Typer:
    clients = typer.Typer(
        help="Register, list and disable department clients.", no_args_is_help=True
    )

    @clients.command("add")
    def add(
        client_id: ClientId,
        name: Annotated[
            str, typer.Option(help="Who the client is, e.g. 'Kaifeng education bureau'.")
        ],
        department: Annotated[
            Department, typer.Option(case_sensitive=False, help="The client's department.")
        ],
        role: Annotated[
            list[str],
            typer.Option("--role", help=f"A role (repeat for several): {', '.join(KNOWN_ROLES)}."),
        ],
        region: Annotated[str, typer.Option(help="Region code scoping what it sees, e.g. 410200.")],
        secret: Annotated[
            str | None, typer.Option(help="Client secret for client_secret_basic (12+ characters).")
        ] = None,
        generate_secret_: Annotated[
            bool,
            typer.Option("--generate-secret", help="Generate a secret and print it once."),
        ] = False,
        jwks: Annotated[
            Path | None,
            typer.Option(
                help="File with the client's public JWKS, for private_key_jwt.", dir_okay=False
            ),
        ] = None,
        data_dir: DataDir = DEFAULT_DATA_DIR,
    ) -> None:
        """Register a client that may ask for tokens."""
        if secret is not None and generate_secret_:
            fail("give --secret or --generate-secret, not both")
        chosen_secret = generate_secret() if generate_secret_ else secret
        public_jwks = _read_jwks(jwks) if jwks is not None else None
        record = run_token_service(
            settings_for(data_dir),
            lambda service: service.clients.add(
                client_id,
                name=name,
                department=department,
                roles=role,
                region=region,
                secret=chosen_secret,
                jwks=public_jwks,
            ),
        )
        console.print(
            f"registered client [bold]{escape(record.client_id)}[/] "
            f"({', '.join(record.auth_methods)})",
            highlight=False,
        )
        if generate_secret_:
            console.print("its secret, shown only now:", highlight=False)
            typer.echo(chosen_secret)

    @clients.command("list")
    def list_clients(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Show every registered client, enabled or not."""
        records = run_token_service(
            settings_for(data_dir), lambda service: service.clients.list_all()
        )
        rows = [
            [
                escape(record.client_id),
                escape(record.name),
                record.department.value,
                ", ".join(record.roles),
                record.region,
                ", ".join(record.auth_methods),
                "enabled" if record.enabled else f"disabled {record.disabled_at:%Y-%m-%d %H:%M}Z",
            ]
            for record in records
        ]
        columns = ["client id", "name", "department", "roles", "region", "authentication", "status"]
        listing = table(columns, rows, wrapping={"name", "roles", "authentication"})
        console.print(listing if records else "no clients are registered")

    @clients.command("disable")
    def disable(client_id: ClientId, data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Disable a client: it gets no new tokens and its current tokens stop working."""
        run_token_service(
            settings_for(data_dir), lambda service: service.clients.disable(client_id)
        )
        console.print(f"client [bold]{escape(client_id)}[/] is disabled", highlight=False)

    @clients.command("demo")
    def demo(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Register the demo clients (id = role, secret = id + '-secret') where missing:
        for a demo hub only (`docker compose up` runs it), never in production."""
        records = run_token_service(
            settings_for(data_dir), lambda service: register_demo_clients(service.clients)
        )
        console.print(f"{len(records)} demo clients are registered")

    return clients


def build_keys_app(settings_for: SettingsFor) -> typer.Typer:
    keys = typer.Typer(help="The hub's token and review signing keys.", no_args_is_help=True)

    @keys.command("rotate")
    def rotate(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Sign with a new key from now on, pseudonymise ID numbers in the access log
        and seal tip-off reporters with new keys. Old signing keys stay published;
        tokens they signed keep working until they expire. Old pseudonym keys stay
        for searching the log, old reporter keys to open what they sealed."""
        settings = settings_for(data_dir)
        rotation = run_token_service(settings, lambda service: service.keys.rotate())
        console.print(f"new signing key {rotation.new_kid}", highlight=False, soft_wrap=True)
        engine = create_sync_engine(settings.database_url)
        try:
            pseudonym_kid = rotate_pseudonym_key(engine)
            reporter_kid = rotate_reporter_key(engine)
        finally:
            engine.dispose()
        console.print(
            f"new access-log pseudonym key {pseudonym_kid} (workers use it once restarted)",
            highlight=False,
            soft_wrap=True,
        )
        console.print(
            f"new tip-off reporter key {reporter_kid} (older reporters stay readable)",
            highlight=False,
            soft_wrap=True,
        )
        for kid in rotation.retired_kids:
            console.print(
                f"retired {kid} (still published in the JWKS)", highlight=False, soft_wrap=True
            )

    @keys.command("list")
    def list_keys(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Show every key in the JWKS and which one signs."""
        published = run_token_service(
            settings_for(data_dir), lambda service: service.keys.published_keys()
        )
        rows = [
            [
                key.kid,
                key.algorithm,
                f"signing since {key.created_at:%Y-%m-%d %H:%M}Z"
                if key.retired_at is None
                else f"retired {key.retired_at:%Y-%m-%d %H:%M}Z",
            ]
            for key in published
        ]
        listing = table(["kid", "alg", "status"], rows, wrapping={"status"})
        console.print(listing if published else "no keys yet: the first token request creates one")

    return keys


def build_token_command(settings_for: SettingsFor) -> Callable[..., None]:
    def token(client_id: ClientId, data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Print a fresh access token for an enabled client (only the token, for scripts:
        TOKEN=$(xietong token demo-education))."""
        issued = run_token_service(
            settings_for(data_dir), lambda service: service.issue_access_token(client_id)
        )
        typer.echo(issued.access_token)

    return token


def run_token_service(settings: Settings, work: Callable[[TokenService], Awaitable[T]]) -> T:
    """Run ``work`` against the hub database; expected failures become one line."""
    try:
        require_migrated(settings)
        return asyncio.run(_with_service(settings, work))
    except (ConfigError, ClientRegistrationError, TrustedDocumentError) as error:
        fail(str(error), code=2)
    except (UnknownClientError, DisabledClientError) as error:
        fail(str(error), code=1)


async def _with_service(settings: Settings, work: Callable[[TokenService], Awaitable[T]]) -> T:
    engine = create_hub_engine(settings.database_url)
    try:
        await check_reachable(engine)
        return await work(TokenService(engine, settings))
    finally:
        await engine.dispose()


def _read_jwks(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        fail(f"cannot read the JWKS file {path}: {error}")
    if not isinstance(document, dict):
        fail(f"{path} is not a JWKS (a JSON object with a 'keys' list)")
    return document
