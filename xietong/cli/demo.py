"""``xietong demo``: the embedded default, from nothing to a served hub.

Migrates the SQLite hub store, seeds the sandbox departments if they are not
seeded yet, writes their sources file, registers the demo clients, then serves
the hub and the sandbox's HTTP services in one event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import uvicorn
from rich.console import Console
from rich.table import Table

from xietong.auth.demo import DEMO_CLIENTS, demo_tokens, register_demo_clients
from xietong.cli.runtime import tune_garbage_collector
from xietong.hub.demo_cases import seed_demo_cases
from xietong.hub.services import Hub
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.sandbox.config import write_sources_file
from xietong.sandbox.reference import REFERENCE_DATE
from xietong.sandbox.serve import SandboxPorts, sandbox_servers, serve_together
from xietong.web.app import create_app
from xietong.web.logs import log_config


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
    """Migrate the hub store and write the sandbox's sources file."""
    upgrade(plan.settings.database_url)
    return write_sources_file(plan.settings.data_dir, plan.host, plan.sandbox_ports)


async def serve_demo(plan: DemoPlan, console: Console) -> None:
    hub = await Hub.open(plan.settings)
    try:
        await hub.tokens.keys.ensure_signing_key()
        await register_demo_clients(hub.tokens.clients)
        await seed_demo_cases(hub)
        tokens = await demo_tokens(hub.tokens)
        console.print(credentials_table())
        console.print("[bold]Access tokens[/] (valid 15 minutes; `xietong token ID` makes more):")
        for client_id, token in tokens.items():
            console.print(f"{client_id}  {token.access_token}", soft_wrap=True, highlight=False)
        console.print(
            f"\n[bold]Xietong demo[/] on {plan.base_url}/graphql (GraphiQL in a browser); "
            f"demo data as of {plan.settings.reference_date}. Ctrl+C stops it.\n"
            f"Token: curl -u demo-education:demo-education-secret "
            f"-d grant_type=client_credentials {plan.base_url}/oauth/token"
        )
        sandbox = sandbox_servers(plan.settings.data_dir, plan.host, plan.sandbox_ports)
        # After the sandbox's: each uvicorn.Config sets up logging, and the hub's
        # JSON log (shared by uvicorn's loggers) must be the one that stays.
        hub_server = uvicorn.Server(
            uvicorn.Config(
                create_app(plan.settings, hub=hub),
                host=plan.host,
                port=plan.port,
                log_config=log_config("info"),
            )
        )
        tune_garbage_collector()
        # The hub last: its signal handler is the one that hears Ctrl+C.
        await serve_together([*sandbox, hub_server])
    finally:
        await hub.close()


def credentials_table() -> Table:
    table = Table(title="Demo clients")
    for column in ("client id", "role", "region", "secret"):
        table.add_column(column, no_wrap=True)
    for demo in DEMO_CLIENTS:
        table.add_row(demo.client_id, demo.role, demo.region, demo.secret)
    return table
