"""A review's publication is signed by the hub: relabelling, backdating, changing the
opener or un-publishing it in the database fails ``xietong reviews verify`` on an
exported document with the JWKS alone (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.test_reviews import cli_for, published_across_a_key_rotation
from tests.reviews.support import cosigned_review, tamper, workflow
from xietong.reviews.records import ReviewRecord

runner = CliRunner()


async def _cosigned(database_url: str) -> ReviewRecord:
    async with workflow(database_url) as flow:
        return await cosigned_review(flow)


async def _jwks(database_url: str) -> dict[str, object]:
    async with workflow(database_url) as flow:
        return dict(await flow.keys.jwks())


def verified_offline(database_url: str, review_id: str, folder: Path) -> tuple[int, str]:
    """Export the review as stored, then verify the file against a saved JWKS with no
    database to ask."""
    (folder / "jwks.json").write_text(json.dumps(asyncio.run(_jwks(database_url))))
    exported = runner.invoke(cli_for(database_url), ["reviews", "export", review_id])
    assert exported.exit_code == 0, exported.output
    (folder / "review.json").write_text(exported.stdout)
    offline = cli_for("postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(
        offline,
        ["reviews", "verify", "--document", str(folder / "review.json"),
         "--jwks", str(folder / "jwks.json")],
    )  # fmt: skip
    return result.exit_code, result.stdout


def test_the_export_carries_the_publication_and_verifies(
    hub_database_url: str, tmp_path: Path
) -> None:
    review = published_across_a_key_rotation(hub_database_url)

    code, output = verified_offline(hub_database_url, review.id, tmp_path)
    document = json.loads((tmp_path / "review.json").read_text())

    assert code == 0, output
    assert (document["publishedBy"], document["publishedByDepartment"]) == (
        "demo-culture_tourism",
        "CULTURE_TOURISM",
    )
    assert document["publicationJws"].count(".") == 2


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        pytest.param(
            "UPDATE annual_reviews SET published_at = '2025-01-05 08:00:00' WHERE id = :id",
            "its publication time (backdated?) differs from what the hub signed",
            id="backdated",
        ),
        pytest.param(
            "UPDATE annual_reviews SET opened_by = 'someone-else' WHERE id = :id",
            "its opener (openedBy) differs from what the hub signed",
            id="opener",
        ),
        pytest.param(
            "UPDATE annual_reviews SET status = 'COSIGNED', published_at = NULL WHERE id = :id",
            "its status is COSIGNED but it carries the hub's publication signature",
            id="unpublished",
        ),
        pytest.param(
            "UPDATE annual_reviews SET publication_jws = NULL WHERE id = :id",
            "its status is PUBLISHED but it carries no publication signed by the hub",
            id="jws-dropped",
        ),
        pytest.param(
            "UPDATE annual_reviews SET status = 'COSIGNED', published_at = NULL, "
            "published_by = NULL, published_by_department = NULL, publication_jws = NULL "
            "WHERE id = :id",
            "its version 4 does not count its changes (3",
            id="unpublished-and-jws-dropped",
        ),
    ],
)
def test_tampering_with_a_publication_fails_offline_verification(
    hub_database_url: str, tmp_path: Path, statement: str, problem: str
) -> None:
    review = published_across_a_key_rotation(hub_database_url)
    tamper(hub_database_url, statement, id=review.id)

    code, output = verified_offline(hub_database_url, review.id, tmp_path)

    assert code == 1, output
    assert any(line.startswith(f"  - {problem}") for line in output.splitlines()), output


def test_a_cosigned_review_relabelled_published_fails_offline_verification(
    hub_database_url: str, tmp_path: Path
) -> None:
    review = asyncio.run(_cosigned(hub_database_url))
    tamper(
        hub_database_url,
        "UPDATE annual_reviews SET status = 'PUBLISHED', published_at = CURRENT_TIMESTAMP, "
        "version = version + 1 WHERE id = :id",
        id=review.id,
    )

    code, output = verified_offline(hub_database_url, review.id, tmp_path)

    assert code == 1, output
    assert "  - its status is PUBLISHED but it carries no publication signed by the hub" in output
