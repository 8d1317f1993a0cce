"""Each review change commits with its access-log event, in one transaction, on
SQLite and PostgreSQL: the event says who changed which review, the chain stays
intact, and a change whose event cannot be written is not made."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, Row, func, select, text

from tests.reviews.support import (
    ARTS_SCHOOL,
    CULTURE,
    EDUCATION,
    Workflow,
    arts_school,
    ok,
    workflow,
)
from xietong.audit.events import AuditDraft
from xietong.audit.in_transaction import AuditWriteError, WriteEvent
from xietong.audit.verify import verify_chain
from xietong.kernel.db import create_sync_engine
from xietong.kernel.store import AnnualReview, AuditEvent, ReviewSignature
from xietong.reviews.records import ReviewConclusion
from xietong.reviews.service import ReviewService

PASS = ReviewConclusion.PASS


def request_of(client_id: str, department: str) -> AuditDraft:
    """A request's draft as the resolvers leave it before the service writes."""
    return AuditDraft(
        client_id=client_id,
        subject=f"officer of {client_id}",
        department=department,
        roles=[department.lower()],
        region="410200",
        purpose="annual review 2025",
        case_id="AR-2025-7",
        operation_type="mutation",
        operation_name="ReviewChange",
        record_keys=[f"asked:{ARTS_SCHOOL}"],
    )


@pytest.fixture
async def flow(hub_database_url: str) -> AsyncIterator[Workflow]:
    async with workflow(hub_database_url) as opened:
        await opened.keys.ensure_signing_key()
        yield opened


@pytest.fixture
def sync_engine(hub_database_url: str) -> Iterator[Engine]:
    engine = create_sync_engine(hub_database_url)
    yield engine
    engine.dispose()


def as_request(flow: Workflow, request: AuditDraft) -> ReviewService:
    return ReviewService(flow.sessions, flow.keys, event=WriteEvent(request))


def events(engine: Engine) -> Sequence[Row[Any]]:
    with engine.connect() as connection:
        columns = AuditEvent.__table__.columns
        return connection.execute(select(*columns).order_by(AuditEvent.seq)).all()


def refuse_audit_events(engine: Engine) -> None:
    """Make every insert into the access log fail, as a full or broken store would."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events "
                    "BEGIN SELECT RAISE(ABORT, 'the access log refuses'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'the access log refuses'; END $$"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
                )
            )


async def test_each_change_leaves_its_event_with_who_and_which_review(
    flow: Workflow, sync_engine: Engine
) -> None:
    education, culture = (
        request_of("demo-education", "EDUCATION"),
        request_of("demo-culture", "CULTURE_TOURISM"),
    )

    opened = ok(await as_request(flow, education).open(EDUCATION, ARTS_SCHOOL, 2025, arts_school()))
    signed = ok(await as_request(flow, culture).sign(CULTURE, opened.id, PASS, "in order", 1))

    stored = events(sync_engine)
    assert [(e.client_id, e.outcome, e.purpose, e.case_id) for e in stored] == [
        ("demo-education", "OK", "annual review 2025", "AR-2025-7"),
        ("demo-culture", "OK", "annual review 2025", "AR-2025-7"),
    ]
    assert stored[1].record_keys == [
        f"asked:{ARTS_SCHOOL}",
        f"changed:{ARTS_SCHOOL}",
        f"changed:id:{opened.id}",
    ]
    assert (stored[1].department, stored[1].region, stored[1].roles) == (
        "CULTURE_TOURISM",
        "410200",
        ["culture_tourism"],
    )
    assert signed.version == 2
    # The requests know their events are written, so the middleware writes no second.
    assert (education.written, culture.written) == ([1], [2])
    assert verify_chain(sync_engine).intact


async def test_a_change_whose_event_cannot_be_written_is_not_made(
    flow: Workflow, sync_engine: Engine
) -> None:
    review = ok(await flow.reviews.open(EDUCATION, ARTS_SCHOOL, 2024, arts_school()))
    refuse_audit_events(sync_engine)
    education = request_of("demo-education", "EDUCATION")

    with pytest.raises(AuditWriteError):
        await as_request(flow, education).open(EDUCATION, ARTS_SCHOOL, 2025, arts_school())
    with pytest.raises(AuditWriteError):
        await as_request(flow, education).sign(EDUCATION, review.id, PASS, "in order", 1)

    with sync_engine.connect() as connection:
        years = connection.scalars(select(AnnualReview.year)).all()
        signatures = connection.scalar(select(func.count()).select_from(ReviewSignature))
    assert years == [2024], "the 2025 review was not opened"
    assert signatures == 0, "the signature was not kept"
    current = await flow.reviews.get(review.id)
    assert current is not None
    assert current.version == 1, "the review did not move"
    assert education.written == []
    assert events(sync_engine) == []


async def test_a_change_waits_for_the_chain_head_and_extends_the_chain(
    flow: Workflow, sync_engine: Engine
) -> None:
    """A change made while another writer holds the chain head (the access log's
    group commit) waits for it and then follows it: one line."""
    education = request_of("demo-education", "EDUCATION")
    with sync_engine.connect() as connection:
        connection.execute(text("UPDATE audit_chain_head SET seq = seq WHERE id = 1"))
        opening = asyncio.create_task(
            as_request(flow, education).open(EDUCATION, ARTS_SCHOOL, 2025, arts_school())
        )
        await asyncio.sleep(0.3)
        assert not opening.done(), "the change waited for the chain head"
        connection.commit()
    opened = ok(await opening)

    assert education.written == [1]
    assert [e.record_keys[-1] for e in events(sync_engine)] == [f"changed:id:{opened.id}"]
    assert verify_chain(sync_engine).intact
