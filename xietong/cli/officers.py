"""``xietong officers add|list|disable``: the hub's own officer accounts (console sign-in).

::

    add_officer_commands(app, settings_for)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import pyotp
import typer
from rich.console import Console
from rich.markup import escape

from xietong.auth.identity_errors import OfficerRegistrationError, UnknownOfficerError
from xietong.auth.roles import KNOWN_ROLES
from xietong.auth.token_service import TokenService
from xietong.cli.options import DataDir, SettingsFor, require_migrated
from xietong.cli.output import fail, table
from xietong.domain.departments import Department
from xietong.kernel.db import check_reachable, create_hub_engine
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import DEFAULT_DATA_DIR, Settings

T = TypeVar("T")
Username = Annotated[
    str, typer.Argument(help="The officer's username, e.g. wang.fang.", show_default=False)
]
console = Console()


def add_officer_commands(app: typer.Typer, settings_for: SettingsFor) -> None:
    officers = typer.Typer(
        help="Officer accounts that sign in to the console (/console).", no_args_is_help=True
    )

    @officers.command("add")
    def add(
        username: Username,
        name: Annotated[str, typer.Option(help="The officer's name, e.g. 王芳.")],
        department: Annotated[
            Department, typer.Option(case_sensitive=False, help="The officer's department.")
        ],
        role: Annotated[
            str,
            typer.Option(
                help=f"The officer's role: {', '.join(r for r in KNOWN_ROLES if r != 'admin')}."
            ),
        ],
        region: Annotated[
            str, typer.Option(help="Region code scoping what they see, e.g. 410200.")
        ],
        password: Annotated[
            str,
            typer.Option(
                prompt=True,
                hide_input=True,
                confirmation_prompt=True,
                help="The password (10+ characters); asked for when not given.",
            ),
        ],
        totp: Annotated[
            bool,
            typer.Option(
                "--totp",
                help="Require a TOTP code too; prints the secret and its otpauth URI once.",
            ),
        ] = False,
        data_dir: DataDir = DEFAULT_DATA_DIR,
    ) -> None:
        """Create an officer account (argon2id password, optional TOTP)."""
        secret = pyotp.random_base32() if totp else None
        record = _run(
            settings_for(data_dir),
            lambda service: service.officers.add(
                username,
                name=name,
                department=department,
                role=role,
                region=region,
                password=password,
                totp_secret=secret,
            ),
        )
        console.print(
            f"added officer [bold]{escape(record.username)}[/] ({escape(record.name)}, "
            f"{record.department.value}, {record.roles[0]}, {record.region})",
            highlight=False,
        )
        if secret is not None:
            console.print("TOTP secret, shown only now:", highlight=False)
            typer.echo(secret)
            typer.echo(
                pyotp.TOTP(secret).provisioning_uri(name=record.username, issuer_name="Xietong")
            )

    @officers.command("list")
    def list_officers(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Show every officer account, enabled or not."""
        records = _run(settings_for(data_dir), lambda service: service.officers.list_all())
        rows = [
            [
                escape(record.username),
                escape(record.name),
                record.department.value,
                ", ".join(record.roles),
                record.region,
                "yes" if record.has_totp else "no",
                "enabled" if record.enabled else f"disabled {record.disabled_at:%Y-%m-%d %H:%M}Z",
            ]
            for record in records
        ]
        columns = ["username", "name", "department", "role", "region", "TOTP", "status"]
        listing = table(columns, rows, wrapping={"department", "status"})
        console.print(listing if records else "no officers")

    @officers.command("disable")
    def disable(username: Username, data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Disable an account: no sign-in, and its console sessions stop at once."""
        _run(settings_for(data_dir), lambda service: service.officers.disable(username))
        console.print(f"officer [bold]{escape(username)}[/] is disabled", highlight=False)

    app.add_typer(officers, name="officers")


def _run(settings: Settings, work: Callable[[TokenService], Awaitable[T]]) -> T:
    try:
        require_migrated(settings)
        return asyncio.run(_with_service(settings, work))
    except (ConfigError, OfficerRegistrationError) as error:
        fail(str(error), code=2)
    except UnknownOfficerError as error:
        fail(str(error), code=1)


async def _with_service(settings: Settings, work: Callable[[TokenService], Awaitable[T]]) -> T:
    engine = create_hub_engine(settings.database_url)
    try:
        await check_reachable(engine)
        return await work(TokenService(engine, settings))
    finally:
        await engine.dispose()
