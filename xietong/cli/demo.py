"""``xietong demo``: the embedded default, from nothing to a served hub.

Migrates the SQLite hub store, seeds the sandbox departments if they are not
seeded yet, writes their sources file, registers the demo clients, then serves
the hub and the sandbox's HTTP services in one event loop.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from xietong.auth.access_tokens import IssuedToken
from xietong.auth.demo import DEMO_CLIENTS, demo_tokens, register_demo_clients
from xietong.auth.demo_officers import DEMO_OFFICERS, register_demo_officers
from xietong.cli.runtime import tune_garbage_collector
from xietong.console.app import create_hub_app
from xietong.hub.demo_cases import seed_demo_cases
from xietong.hub.services import Hub
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import DATA_DIR_CONFIG, Settings
from xietong.sandbox.config import write_sources_file
from xietong.sandbox.reference import REFERENCE_DATE
from xietong.sandbox.serve import SandboxPorts, sandbox_servers, serve_together
from xietong.web.logs import log_config
from xietong.web.tracing import configure_tracing


@dataclass(frozen=True, slots=True)
class DemoPlan:
    settings: Settings
    host: str
    port: int

    @property
    def sandbox_ports(self) -> SandboxPorts:
        # Beside the hub's port, so two demos on different ports do not collide.
        return SandboxPorts(market=self.port + 101, police=self.port + 102, bank=self.port + 103)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def demo_settings(data_dir: Path, host: str, port: int) -> DemoPlan:
    settings = Settings.from_env(data_dir=data_dir.resolve())
    settings = settings.with_changes(
        demo=True,
        issuer=f"http://{host}:{port}",
        reference_date=settings.reference_date or REFERENCE_DATE,
    )
    return DemoPlan(settings, host, port)


def prepare(plan: DemoPlan) -> Path:
    """Migrate the hub store and write the sandbox's sources file (and the issuer)."""
    upgrade(plan.settings.database_url)
    write_issuer(plan)
    return write_sources_file(plan.settings.data_dir, plan.host, plan.sandbox_ports)


async def serve_demo(plan: DemoPlan, console: Console) -> None:
    configure_tracing(plan.settings)
    hub = await Hub.open(plan.settings)
    try:
        await hub.tokens.keys.ensure_signing_key()
        await register_demo_clients(hub.tokens.clients)
        await register_demo_officers(hub.tokens.officers)
        await seed_demo_cases(hub)
        tokens = await demo_tokens(hub.tokens)
        tokens_file = write_tokens(plan.settings.data_dir, tokens)
        console.print(banner(plan, tokens_file))
        sandbox = sandbox_servers(plan.settings.data_dir, plan.host, plan.sandbox_ports)
        # After the sandbox's: each uvicorn.Config sets up logging, and the hub's
        # JSON log (shared by uvicorn's loggers) must be the one that stays.
        hub_server = uvicorn.Server(
            uvicorn.Config(
                create_hub_app(plan.settings, hub=hub),
                host=plan.host,
                port=plan.port,
                log_config=log_config(plan.settings.log_level),
            )
        )
        tune_garbage_collector()
        # The hub last: its signal handler is the one that hears Ctrl+C.
        await serve_together([*sandbox, hub_server])
    finally:
        await hub.close()


def write_issuer(plan: DemoPlan) -> Path:
    """``<data dir>/xietong.toml``: the demo's issuer and reference date, so that every
    command run on this data directory (``xietong token``, ``serve``) agrees with it."""
    path = plan.settings.data_dir / DATA_DIR_CONFIG
    reference = plan.settings.reference_date or REFERENCE_DATE
    path.write_text(
        "# Written by `xietong demo`: every command on this data directory reads it.\n"
        f'issuer = "{plan.settings.issuer}"\n'
        f'reference_date = "{reference.isoformat()}"\n',
        encoding="utf-8",
    )
    return path


def write_tokens(data_dir: Path, tokens: Mapping[str, IssuedToken]) -> Path:
    """``<data dir>/demo-tokens.json``, readable by its owner only: ``{client id: token}``.
    Tokens are kept off the terminal (its scrollback, a shared screen, a recording)."""
    path = data_dir / "demo-tokens.json"
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    document = {client_id: token.access_token for client_id, token in tokens.items()}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def banner(plan: DemoPlan, tokens_file: Path) -> Group:
    """What the demo prints before serving: under 80 columns, no secrets but the
    demo's own (each secret is the client id followed by ``-secret``)."""
    base = plan.base_url
    return Group(
        credentials_table(),
        officers_table(),
        Text.from_markup(
            f"[bold]Xietong demo[/] on {base}/graphql (GraphiQL in a browser)\n"
            f"Officers' console: {base}/console (password: username + -secret)\n"
            f"Demo data as of {plan.settings.reference_date}. Ctrl+C stops it.\n"
            "Each client's secret is its id followed by -secret.\n"
            f"Access tokens (15 minutes) are in {tokens_file}\n"
            "More: xietong token ID, or\n"
            "  curl -u demo-education:demo-education-secret \\\n"
            f"    -d grant_type=client_credentials {base}/oauth/token"
        ),
    )


def credentials_table() -> Table:
    table = Table(title="Demo clients")
    for column in ("client id", "role", "region"):
        table.add_column(column, no_wrap=True)
    for demo in DEMO_CLIENTS:
        table.add_row(demo.client_id, demo.role, demo.region)
    return table


def officers_table() -> Table:
    """The demo officers who sign in to the console; each password is the username
    followed by ``-secret`` (demo only)."""
    table = Table(title="Demo officers (console)")
    for column in ("username", "name", "role", "password"):
        table.add_column(column, no_wrap=True)
    for demo in DEMO_OFFICERS:
        table.add_row(demo.username, demo.name, demo.role, demo.password)
    return table
