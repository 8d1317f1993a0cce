"""``xietong supergraph``: the province's composed schema, without rover.

    xietong supergraph kaifeng=https://hub.kaifeng.example/graphql \\
                       zhengzhou=https://hub.zhengzhou.example/graphql --out supergraph.graphql

Each hub's subgraph SDL is the one this release publishes under that name (what
``xietong schema --subgraph NAME`` prints and the hub's ``_service { sdl }``
answers); ``compose.mjs`` (``@apollo/composition``, the library Apollo's own tools
compose with) joins them, with each hub's routing URL, into the supergraph that
``gateway.mjs`` serves (``SUPERGRAPH=supergraph.graphql``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from xietong.cli.output import fail
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import federation_name_of
from xietong.schema.compat import graphql_schema_of
from xietong.schema.federation import subgraph_sdl
from xietong.schema.root import build_schema

REPOSITORY_GATEWAY = Path(__file__).resolve().parents[2] / "tests" / "federation" / "gateway"
"""Where the gateway's package lives in a checkout of the repository."""
COMPOSE_SECONDS = 120

Subgraphs = Annotated[
    list[str],
    typer.Argument(
        help="Each city hub as NAME=URL: its XIETONG_FEDERATION_NAME and the URL of its "
        "/graphql as the gateway reaches it.",
        show_default=False,
    ),
]
Out = Annotated[
    Path | None,
    typer.Option(help="Write the supergraph here (default: standard output).", dir_okay=False),
]
GatewayDir = Annotated[
    Path,
    typer.Option(
        help="The gateway's folder, with compose.mjs and its node_modules (npm ci).",
        envvar="XIETONG_GATEWAY_DIR",
        file_okay=False,
    ),
]


def add_federation_commands(app: typer.Typer) -> None:
    @app.command()
    def supergraph(
        subgraphs: Subgraphs, out: Out = None, gateway_dir: GatewayDir = REPOSITORY_GATEWAY
    ) -> None:
        """Compose the cities' hubs into the province's supergraph (no rover)."""
        node = shutil.which("node")
        if node is None:
            fail("node is not installed: composition runs @apollo/composition")
        if not (gateway_dir / "node_modules" / "@apollo" / "composition").is_dir():
            fail(f"{gateway_dir} has no @apollo/composition: run `npm ci` there")
        hubs = [_subgraph(item) for item in subgraphs]
        with tempfile.TemporaryDirectory(prefix="xietong-supergraph-") as folder:
            arguments = []
            for name, url in hubs:
                sdl = Path(folder) / f"{name}.graphql"
                schema = graphql_schema_of(build_schema(federation_name=name))
                sdl.write_text(subgraph_sdl(schema, name), encoding="utf-8")
                arguments.append(f"{name}={url}={sdl}")
            composed = subprocess.run(
                [node, "compose.mjs", *arguments],
                cwd=gateway_dir,
                capture_output=True,
                text=True,
                timeout=COMPOSE_SECONDS,
                check=False,
            )
        if composed.returncode != 0:
            fail(f"the hubs do not compose: {composed.stderr.strip()}", code=1)
        if out is None:
            typer.echo(composed.stdout, nl=False)
        else:
            out.write_text(composed.stdout, encoding="utf-8")
            typer.echo(f"wrote the supergraph of {', '.join(n for n, _ in hubs)} to {out}")


def _subgraph(item: str) -> tuple[str, str]:
    name, _, url = item.partition("=")
    if not url.startswith(("http://", "https://")):
        fail(f"{item!r}: give each hub as NAME=URL, e.g. kaifeng=https://hub.kaifeng/graphql")
    try:
        federation_name_of(name)
    except ConfigError as error:
        fail(str(error))
    return name, url
