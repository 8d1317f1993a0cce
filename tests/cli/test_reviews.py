"""``xietong reviews verify|export`` as an operator or an outside checker runs them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.domain.test_risk import clean_record
from tests.reviews.support import (
    ARTS_SCHOOL,
    CULTURE,
    EDUCATION,
    arts_school,
    observing,
    ok,
    tamper,
    workflow,
)
from xietong.cli.reviews import add_review_commands
from xietong.kernel.settings import Settings
from xietong.reviews.records import ReviewConclusion, ReviewRecord

runner = CliRunner()


def cli_for(database_url: str) -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    add_review_commands(
        app, lambda data_dir: Settings.from_env({"XIETONG_DATABASE_URL": database_url})
    )
    return app


def published_across_a_key_rotation(database_url: str) -> ReviewRecord:
    """Education signs with the first key, culture with the next, then it is published."""
    return asyncio.run(_published_across_a_key_rotation(database_url))


async def _published_across_a_key_rotation(database_url: str) -> ReviewRecord:
    async with workflow(database_url) as flow:
        reviews = flow.reviews
        review = ok(await reviews.open(EDUCATION, ARTS_SCHOOL, 2025, arts_school()))
        # Each signer saw the joint record: the snapshot is signed with the signature.
        seen = observing(clean_record())
        ok(await reviews.sign(EDUCATION, review.id, ReviewConclusion.PASS, "in order", 1, seen))
        await flow.keys.rotate()
        ok(await reviews.sign(CULTURE, review.id, ReviewConclusion.PASS, "in order", 2, seen))
        return ok(await reviews.publish(CULTURE, review.id, 3))


def test_a_published_review_verifies_after_a_key_rotation(hub_database_url: str) -> None:
    review = published_across_a_key_rotation(hub_database_url)

    result = runner.invoke(cli_for(hub_database_url), ["reviews", "verify", review.id])

    assert result.exit_code == 0, result.output
    first, *signers, published = result.stdout.strip().splitlines()
    assert first == (
        f"intact: review {review.id} ({ARTS_SCHOOL}, 2025, PUBLISHED), 2 signatures, "
        f"digest {review.digest}"
    )
    # Each signature's verified JWS names who signed.
    assert [line.split(" signed by ")[0].strip() for line in signers] == [
        "1. EDUCATION",
        "2. CULTURE_TOURISM",
    ]
    for line, signature in zip(signers, review.signatures, strict=True):
        assert f"its verified JWS names {signature.signer}" in line
    assert published.strip() == f"published by {review.published_by}"


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        pytest.param(
            "UPDATE review_signatures SET findings = 'nothing to see' WHERE id = :first",
            "signature 1 (EDUCATION, demo-education): its department, signer, conclusion, "
            "findings or time differ from what was signed",
            id="finding",
        ),
        pytest.param(
            'UPDATE review_signatures SET snapshot = replace(snapshot, \'"level":"LOW"\','
            ' \'"level":"HIGH"\') WHERE id = :first',
            "signature 1 (EDUCATION, demo-education): the snapshot of the record it keeps is "
            "not the one its signer saw",
            id="snapshot",
        ),
        pytest.param(
            "UPDATE review_signatures SET jws = :forged WHERE id = :first",
            "signature 1 (EDUCATION, demo-education): its JWS does not verify with key",
            id="signature",
        ),
        pytest.param(
            "DELETE FROM review_signatures WHERE id = :first",
            "signature 1 (CULTURE_TOURISM, demo-culture_tourism): it does not follow the "
            "review's content",
            id="removed-signature",
        ),
        pytest.param(
            "UPDATE annual_reviews SET year = 2024 WHERE id = :id",
            "signature 1 (EDUCATION, demo-education): it does not follow the review's content",
            id="year",
        ),
        pytest.param(
            "UPDATE annual_reviews SET conclusion = 'EXCELLENT' WHERE id = :id",
            "its status PUBLISHED (EXCELLENT) does not follow from its live signatures",
            id="conclusion",
        ),
    ],
)
def test_tampering_with_the_stored_review_is_named(
    hub_database_url: str, statement: str, problem: str
) -> None:
    review = published_across_a_key_rotation(hub_database_url)
    first = review.signatures[0]
    head, payload, signature = first.jws.split(".")
    forged = f"{head}.{payload}.{signature[::-1]}"
    tamper(hub_database_url, statement, id=review.id, first=first.seq, forged=forged)

    result = runner.invoke(cli_for(hub_database_url), ["reviews", "verify", review.id])

    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"NOT INTACT: review {review.id}")
    assert any(line.startswith(f"  - {problem}") for line in lines[1:]), result.stdout


def test_an_exported_review_verifies_offline_with_a_saved_jwks(
    hub_database_url: str, tmp_path: Path
) -> None:
    review = published_across_a_key_rotation(hub_database_url)
    (tmp_path / "jwks.json").write_text(json.dumps(asyncio.run(_jwks(hub_database_url))))
    exported = runner.invoke(cli_for(hub_database_url), ["reviews", "export", review.id])
    (tmp_path / "review.json").write_text(exported.stdout)
    offline = cli_for("postgresql://nobody@127.0.0.1:1/none")  # no database is asked
    verify = [
        "reviews", "verify", "--document", str(tmp_path / "review.json"),
        "--jwks", str(tmp_path / "jwks.json"),
    ]  # fmt: skip

    intact = runner.invoke(offline, verify)
    document = json.loads(exported.stdout)
    document["signatures"][1]["findings"] = "changed on the way"
    (tmp_path / "review.json").write_text(json.dumps(document))
    changed = runner.invoke(offline, verify)

    assert exported.exit_code == 0
    assert intact.exit_code == 0, intact.output
    assert intact.stdout.startswith(f"intact: review {review.id}")
    assert changed.exit_code == 1
    assert "signature 2 (CULTURE_TOURISM, demo-culture_tourism)" in changed.stdout


async def _jwks(database_url: str) -> dict[str, object]:
    async with workflow(database_url) as flow:
        return dict(await flow.keys.jwks())


def test_a_missing_review_or_bad_input_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    from xietong.kernel.migrate import upgrade

    upgrade(sqlite_url)
    app = cli_for(sqlite_url)
    (tmp_path / "bad.json").write_text("{")
    attempts = {
        ("reviews", "verify", "no-such-review"): (1, "error: there is no annual review"),
        ("reviews", "verify"): (2, "error: give a review id, or --document"),
        ("reviews", "verify", "--document", str(tmp_path / "bad.json")): (2, "error: --document"),
        ("reviews", "verify", "x", "--jwks", str(tmp_path / "bad.json")): (2, "error: cannot"),
    }
    for args, (code, message) in attempts.items():
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.output)
        assert result.stderr.startswith(message), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, args


def test_an_unmigrated_database_is_named_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(
        cli_for(f"sqlite:///{tmp_path / 'hub.db'}"), ["reviews", "verify", "some-review"]
    )

    assert result.exit_code == 2
    assert "run `xietong migrate` first" in result.stderr
    assert "Traceback" not in result.output
