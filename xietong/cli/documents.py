"""``xietong documents``: the GraphQL documents each client is registered to run
(trusted documents), and the clients that may run nothing else.

    add_document_commands(app, settings_for)   # xietong documents add|list|remove|only
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from graphql import GraphQLError, GraphQLSchema, parse, validate
from rich.console import Console
from rich.markup import escape

from xietong.auth.token_service import TokenService
from xietong.auth.trusted_documents import DOCUMENT_ID_PREFIX
from xietong.cli.auth import ClientId, run_token_service
from xietong.cli.options import DataDir, SettingsFor
from xietong.cli.output import fail
from xietong.kernel.settings import DEFAULT_DATA_DIR
from xietong.schema.compat import graphql_schema_of
from xietong.schema.root import build_schema

console = Console()

Files = Annotated[
    list[Path],
    typer.Argument(
        help="GraphQL files (one document each), or JSON manifests mapping each "
        "document's SHA-256 to its text (GraphQL Code Generator's persisted documents).",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
]
DocumentId = Annotated[
    str, typer.Argument(help="The document's id, sha256:<hex>.", show_default=False)
]


def add_document_commands(app: typer.Typer, settings_for: SettingsFor) -> None:
    """Mount ``documents`` on the ``xietong`` app."""
    app.add_typer(build_documents_app(settings_for), name="documents")


def build_documents_app(settings_for: SettingsFor) -> typer.Typer:
    documents = typer.Typer(
        help="Trusted documents: the GraphQL documents each client is registered to run "
        '(by id: {"documentId": "sha256:…"}).',
        no_args_is_help=True,
    )

    @documents.command("add")
    def add(client_id: ClientId, files: Files, data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Register documents for a client, each checked against the hub's schema."""
        settings = settings_for(data_dir)
        schema = graphql_schema_of(
            build_schema(settings.query_limits, federation_name=settings.federation_name)
        )
        read = [item for path in files for item in _documents_in(path)]
        for name, text, _ in read:
            _check_against(schema, name, text)

        async def register(service: TokenService) -> list[tuple[str, str, bool]]:
            done = []
            for name, text, given_id in read:
                record, added = await service.documents.add(
                    client_id, text, name=name, document_id=given_id
                )
                done.append((record.document_id, name, added))
            return done

        for document_id, name, added in run_token_service(settings, register):
            state = "registered" if added else "already registered"
            console.print(
                f"{state} {document_id} ({escape(name)})", highlight=False, soft_wrap=True
            )

    @documents.command("list")
    def list_documents(
        client_id: Annotated[
            str | None, typer.Argument(help="Only this client's.", show_default=False)
        ] = None,
        data_dir: DataDir = DEFAULT_DATA_DIR,
    ) -> None:
        """Show the registered documents, and which clients run only theirs."""
        settings = settings_for(data_dir)
        records = run_token_service(settings, lambda service: service.documents.list_for(client_id))
        clients = run_token_service(settings, lambda service: service.clients.list_all())
        only = sorted(c.client_id for c in clients if c.trusted_documents_only)
        # One line a document, not a table: an id is 71 characters, and a line stays
        # whole and greppable on any terminal.
        for r in records:
            console.print(
                f"{escape(r.client_id)}  {r.document_id}  {r.added_at:%Y-%m-%d %H:%M}Z  "
                f"{escape(r.name or '')}",
                highlight=False,
                soft_wrap=True,
            )
        if not records:
            console.print("no documents are registered")
        shown = [c for c in only if client_id is None or c == client_id]
        if shown:
            console.print(
                f"trusted documents only: {escape(', '.join(shown))}",
                highlight=False,
                soft_wrap=True,
            )

    @documents.command("remove")
    def remove(
        client_id: ClientId, document_id: DocumentId, data_dir: DataDir = DEFAULT_DATA_DIR
    ) -> None:
        """Unregister a document: the client's next request naming it is refused."""
        run_token_service(
            settings_for(data_dir), lambda service: service.documents.remove(client_id, document_id)
        )
        console.print(f"removed {document_id} for {escape(client_id)}", highlight=False)

    @documents.command("only")
    def only(
        client_id: ClientId,
        off: Annotated[
            bool, typer.Option("--off", help="Let the client run any document again.")
        ] = False,
        data_dir: DataDir = DEFAULT_DATA_DIR,
    ) -> None:
        """Let a client run only its registered documents (from its next request)."""
        run_token_service(
            settings_for(data_dir),
            lambda service: service.clients.require_trusted_documents(client_id, only=not off),
        )
        what = "any document" if off else "only its registered documents"
        console.print(f"client {escape(client_id)} runs {what}", highlight=False)

    return documents


def _documents_in(path: Path) -> list[tuple[str, str, str | None]]:
    """``(name, text, id the file gives or None)`` for each document in ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {path}: {error}")
    if path.suffix.lower() != ".json":
        return [(path.name, text, None)]
    try:
        manifest = json.loads(text)
    except ValueError as error:
        fail(f"{path} is not JSON: {error}")
    if not isinstance(manifest, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in manifest.items()
    ):
        fail(f"{path} must map each document's SHA-256 to its text")
    return [
        (f"{path.name}#{index}", document, _with_prefix(key))
        for index, (key, document) in enumerate(manifest.items(), start=1)
    ]


def _with_prefix(key: str) -> str:
    return key if key.startswith(DOCUMENT_ID_PREFIX) else DOCUMENT_ID_PREFIX + key


def _check_against(schema: GraphQLSchema, name: str, text: str) -> None:
    """A document the hub could never run is refused before it is registered."""
    try:
        problems = validate(schema, parse(text))
    except GraphQLError as error:
        fail(f"{name} is not GraphQL: {error.message}")
    if problems:
        fail(f"{name}: {problems[0].message}")
