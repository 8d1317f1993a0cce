"""``xietong reviews``: check an annual review's signatures, export it for others.

::

    add_review_commands(app, settings_for)   # xietong reviews verify|export

``verify ID`` reads the review and the JWKS from the hub database (or the JWKS
from ``--jwks``, e.g. a saved ``/.well-known/jwks.json``); ``verify --document``
checks an exported review with no database at all. Exit 0: intact; 1: something
is wrong (each problem printed) or no such review; 2: bad input.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import async_sessionmaker

from xietong.auth.keys import SigningKeyStore
from xietong.cli.options import DataDir, SettingsFor, require_migrated
from xietong.cli.output import fail
from xietong.kernel.db import check_reachable, create_hub_engine
from xietong.kernel.errors import ConfigError
from xietong.kernel.jws import load_key_set
from xietong.kernel.settings import DEFAULT_DATA_DIR, Settings
from xietong.reviews import store
from xietong.reviews.document import review_document, review_from_document
from xietong.reviews.records import ReviewRecord
from xietong.reviews.signing import open_signed_link
from xietong.reviews.verify import verify_review

ReviewId = Annotated[str | None, typer.Argument(help="The review's id.", show_default=False)]


def add_review_commands(app: typer.Typer, settings_for: SettingsFor) -> None:
    """Mount ``reviews verify`` and ``reviews export`` on the ``xietong`` app."""
    reviews = typer.Typer(help="Verify and export co-signed annual reviews.", no_args_is_help=True)

    @reviews.command()
    def verify(
        review_id: ReviewId = None,
        jwks: Annotated[
            Path | None,
            typer.Option(
                dir_okay=False, help="The hub's JWKS as a file (default: from the database)."
            ),
        ] = None,
        document: Annotated[
            Path | None,
            typer.Option(dir_okay=False, help="Check this exported review, without a database."),
        ] = None,
        data_dir: DataDir = DEFAULT_DATA_DIR,
    ) -> None:
        """Check a review's signatures (JWS against the JWKS), their chain and its status."""
        if (review_id is None) == (document is None):
            fail("give a review id, or --document with --jwks", code=2)
        keys = _read_json(jwks, "JWKS") if jwks else None
        if document is not None:
            if keys is None:
                fail("--document needs --jwks: the keys to check it with", code=2)
            review = _parse_document(_read_json(document, "review"))
        else:
            assert review_id is not None
            review, stored_keys = _from_database(settings_for(data_dir), review_id)
            keys = keys or stored_keys
        report = verify_review(review, keys)
        where = f"review {review.id} ({review.credit_code}, {review.year}, {review.status})"
        if report.intact:
            typer.echo(f"intact: {where}, {report.signatures} signatures, digest {review.digest}")
            key_set = load_key_set(keys)
            for place, signature in enumerate(review.signatures, 1):
                state = "revoked" if not signature.live else str(signature.conclusion)
                named = open_signed_link(signature.jws, key_set).signer
                typer.echo(
                    f"  {place}. {signature.department} signed by {signature.signer} "
                    f"({state}) at {signature.signed_at.isoformat()}; "
                    + (f"its verified JWS names {named}" if named else "its JWS names no signer")
                )
            if review.published_by:
                typer.echo(f"  published by {review.published_by}")
            return
        typer.echo(f"NOT INTACT: {where}")
        for problem in report.problems:
            typer.echo(f"  - {problem}")
        raise typer.Exit(1)

    @reviews.command()
    def export(review_id: ReviewId = None, data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
        """Print a review as JSON, for `verify --document` away from the hub."""
        if review_id is None:
            fail("give a review id", code=2)
        review, _ = _from_database(settings_for(data_dir), review_id)
        typer.echo(json.dumps(review_document(review), ensure_ascii=False, indent=2))

    app.add_typer(reviews, name="reviews")


def _from_database(settings: Settings, review_id: str) -> tuple[ReviewRecord, dict[str, Any]]:
    try:
        require_migrated(settings)
        review, keys = asyncio.run(_load(settings, review_id))
    except ConfigError as error:
        fail(str(error), code=2)
    if review is None:
        fail(f"there is no annual review {review_id}", code=1)
    return review, keys


async def _load(settings: Settings, review_id: str) -> tuple[ReviewRecord | None, dict[str, Any]]:
    engine = create_hub_engine(settings.database_url)
    try:
        await check_reachable(engine)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session:
            review = await store.load_review(session, review_id)
        return review, dict(await SigningKeyStore(sessions).jwks())
    finally:
        await engine.dispose()


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        fail(f"cannot read the {what} file {path}: {error}", code=2)


def _parse_document(document: Any) -> ReviewRecord:
    if not isinstance(document, dict):
        fail("the review file is not a JSON object", code=2)
    try:
        return review_from_document(document)
    except ValueError as error:
        fail(str(error), code=2)
