"""Migration 0003: the database itself keeps published reviews and signatures as
they are, on SQLite and PostgreSQL, whoever writes."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.reviews.support import CULTURE, cosigned_review, ok, workflow
from xietong.kernel.db import create_sync_engine
from xietong.kernel.migrate import alembic_config, upgrade
from xietong.kernel.store import Base
from xietong.reviews.records import ReviewRecord

NEW_SIGNATURE = (
    "INSERT INTO review_signatures (review_id, department, signer, conclusion, findings, "
    "signed_at, jws) VALUES (:id, 'SPORTS', 'x', 'PASS', 'x', CURRENT_TIMESTAMP, 'x')"
)
LIVE_AGAIN = (
    "INSERT INTO review_signatures (review_id, department, signer, conclusion, findings, "
    "signed_at, jws) VALUES (:id, 'EDUCATION', 'x', 'PASS', 'x', CURRENT_TIMESTAMP, 'x')"
)


async def _review(database_url: str, *, published: bool) -> ReviewRecord:
    async with workflow(database_url) as flow:
        review = await cosigned_review(flow)
        if published:
            review = ok(await flow.reviews.publish(CULTURE, review.id, review.version))
        return review


def _refused(database_url: str, statement: str, review: ReviewRecord, match: str) -> None:
    engine = create_sync_engine(database_url)
    try:
        with pytest.raises(IntegrityError, match=match), engine.begin() as connection:
            connection.execute(text(statement), {"id": review.id})
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE annual_reviews SET status = 'COSIGNED', published_at = NULL WHERE id = :id",
        "UPDATE annual_reviews SET conclusion = 'EXCELLENT' WHERE id = :id",
        "DELETE FROM annual_reviews WHERE id = :id",
        NEW_SIGNATURE,
        "UPDATE review_signatures SET revoked_at = CURRENT_TIMESTAMP WHERE review_id = :id",
    ],
)
async def test_the_database_refuses_to_change_a_published_review(
    hub_database_url: str, statement: str
) -> None:
    review = await _review(hub_database_url, published=True)

    _refused(hub_database_url, statement, review, "published and immutable")

    async with workflow(hub_database_url) as flow:
        assert await flow.reviews.get(review.id) == review


@pytest.mark.parametrize(
    ("statement", "match"),
    [
        ("UPDATE review_signatures SET findings = 'rewritten' WHERE review_id = :id",
         "can only be revoked"),
        ("UPDATE review_signatures SET conclusion = 'FAIL' WHERE review_id = :id",
         "can only be revoked"),
        ("DELETE FROM review_signatures WHERE review_id = :id", "never deleted"),
        (LIVE_AGAIN, "UNIQUE|unique"),
    ],
)  # fmt: skip
async def test_signatures_are_append_only_even_before_publication(
    hub_database_url: str, statement: str, match: str
) -> None:
    review = await _review(hub_database_url, published=False)

    _refused(hub_database_url, statement, review, match)

    engine = create_sync_engine(hub_database_url)
    try:
        with engine.begin() as connection:
            revoke = "UPDATE review_signatures SET revoked_at = CURRENT_TIMESTAMP WHERE id = :seq"
            connection.execute(text(revoke), {"seq": review.signatures[0].seq})
        with pytest.raises(IntegrityError, match="can only be revoked"), engine.begin() as c:
            c.execute(text(revoke), {"seq": review.signatures[0].seq})  # not twice
    finally:
        engine.dispose()


def test_the_models_match_the_migrations(hub_database_url: str) -> None:
    engine = create_sync_engine(hub_database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


async def test_downgrading_0003_lifts_the_guard_and_upgrading_restores_it(
    hub_database_url: str,
) -> None:
    review = await _review(hub_database_url, published=True)
    engine = create_sync_engine(hub_database_url)
    try:
        with engine.begin() as connection:
            config = alembic_config(hub_database_url)
            config.attributes["connection"] = connection
            command.downgrade(config, "0002_client_assertions")
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE annual_reviews SET version = version WHERE id = :id"),
                {"id": review.id},
            )
    finally:
        engine.dispose()
    upgrade(hub_database_url)

    _refused(
        hub_database_url,
        "UPDATE annual_reviews SET version = version WHERE id = :id",
        review,
        "published and immutable",
    )
