"""The SQL of the release workflow over the hub's ``release_orders`` (lessons approved
per order) and ``release_instructions`` (the outbox); callers own the session and
its transaction.

An approval's transaction starts by touching its order's row (``lock_order``): the
row lock on PostgreSQL, the write lock on SQLite, so approvals of one order take
turns, and everything after sees the turn before. The lessons are then taken with
a conditional ``UPDATE ... WHERE approved + n <= limit``: however the approvals
interleave, no lesson is approved twice and none beyond what was given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Insert, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from xietong.auth.clock import as_utc
from xietong.funds.records import InstructionFilter, InstructionRecord, ReleaseStatus
from xietong.kernel.store import ReleaseInstruction, ReleaseOrder

FOLLOWS_REFUSAL = "an earlier instruction of this order was refused"


async def lock_order(
    session: AsyncSession,
    credit_code: str,
    order_number: str,
    *,
    bank: str,
    lessons_bought: int,
    amount_fen: int,
    released: int,
    now: datetime,
) -> int:
    """Take the order's turn (creating its row at the bank's count of lessons released,
    the first time); the lessons approved so far."""
    values = {
        "credit_code": credit_code,
        "order_number": order_number,
        "bank": bank,
        "lessons_bought": lessons_bought,
        "amount_fen": amount_fen,
        "approved_lessons": released,
        "updated_at": now,
    }
    await session.execute(_insert_new(session, values))
    approved = await session.scalar(
        update(ReleaseOrder)
        .where(*_order(credit_code, order_number))
        .values(updated_at=now)
        .returning(ReleaseOrder.approved_lessons)
    )
    assert approved is not None, "the row was just made"
    return int(approved)


def _insert_new(session: AsyncSession, values: dict[str, object]) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgres_insert(ReleaseOrder).values(values).on_conflict_do_nothing()
    return sqlite_insert(ReleaseOrder).values(values).on_conflict_do_nothing()


async def take_lessons(
    session: AsyncSession, credit_code: str, order_number: str, lessons: int, limit: int
) -> int | None:
    """Approve ``lessons`` more of the order if that stays within ``limit``; the first
    lesson taken, or None if it would not."""
    approved = await session.scalar(
        update(ReleaseOrder)
        .where(
            *_order(credit_code, order_number),
            ReleaseOrder.approved_lessons + lessons <= limit,
        )
        .values(approved_lessons=ReleaseOrder.approved_lessons + lessons)
        .returning(ReleaseOrder.approved_lessons)
    )
    return None if approved is None else int(approved) - lessons + 1


async def add_instruction(session: AsyncSession, record: InstructionRecord) -> None:
    await session.execute(
        insert(ReleaseInstruction).values(
            instruction_id=record.instruction_id,
            credit_code=record.credit_code,
            region=record.region,
            order_number=record.order_number,
            bank=record.bank,
            first_lesson=record.first_lesson,
            lessons=record.lessons,
            amount_fen=record.amount_fen,
            client_id=record.client_id,
            idempotency_key=record.idempotency_key,
            approved_by=record.approved_by,
            approved_at=record.approved_at,
            status=record.status.value,
            attempts=0,
        )
    )


async def approval(session: AsyncSession, client_id: str, key: str) -> list[InstructionRecord]:
    """The instructions recorded under ``key`` by ``client_id``, in order."""
    rows = await session.scalars(
        select(ReleaseInstruction)
        .where(
            ReleaseInstruction.client_id == client_id,
            ReleaseInstruction.idempotency_key == key,
        )
        .order_by(ReleaseInstruction.seq)
    )
    return [_record(row) for row in rows]


async def first_pending(
    session: AsyncSession, credit_code: str, order_number: str
) -> InstructionRecord | None:
    """The order's oldest instruction still PENDING: the only one that may be sent now
    (a bank checks amounts against what it released before, so order matters)."""
    row = await session.scalar(
        select(ReleaseInstruction)
        .where(
            ReleaseInstruction.credit_code == credit_code,
            ReleaseInstruction.order_number == order_number,
            ReleaseInstruction.status == ReleaseStatus.PENDING.value,
        )
        .order_by(ReleaseInstruction.seq)
        .limit(1)
    )
    return None if row is None else _record(row)


async def pending_orders(session: AsyncSession, idle_since: datetime) -> list[tuple[str, str]]:
    """Orders with an instruction PENDING and not tried since ``idle_since``."""
    rows = await session.execute(
        select(ReleaseInstruction.credit_code, ReleaseInstruction.order_number)
        .where(
            ReleaseInstruction.status == ReleaseStatus.PENDING.value,
            (ReleaseInstruction.last_attempt_at.is_(None))
            | (ReleaseInstruction.last_attempt_at < idle_since),
        )
        .group_by(ReleaseInstruction.credit_code, ReleaseInstruction.order_number)
        .order_by(func.min(ReleaseInstruction.seq))
    )
    return [(code, number) for code, number in rows]


async def note_attempt(session: AsyncSession, seq: int, now: datetime) -> None:
    await session.execute(
        update(ReleaseInstruction)
        .where(ReleaseInstruction.seq == seq)
        .values(attempts=ReleaseInstruction.attempts + 1, last_attempt_at=now)
    )


async def settle_applied(session: AsyncSession, seq: int, reference: str, now: datetime) -> None:
    await session.execute(
        update(ReleaseInstruction)
        .where(
            ReleaseInstruction.seq == seq,
            ReleaseInstruction.status == ReleaseStatus.PENDING.value,
        )
        .values(status=ReleaseStatus.APPLIED.value, bank_reference=reference, settled_at=now)
    )


async def settle_refused(
    session: AsyncSession, record: InstructionRecord, code: str, reason: str, now: datetime
) -> None:
    """Refuse the instruction and every later one of its order still PENDING (their
    lessons and amounts were reckoned after it), and give their lessons back."""
    refused = await session.execute(
        update(ReleaseInstruction)
        .where(
            ReleaseInstruction.credit_code == record.credit_code,
            ReleaseInstruction.order_number == record.order_number,
            ReleaseInstruction.seq >= record.seq,
            ReleaseInstruction.status == ReleaseStatus.PENDING.value,
        )
        .values(
            status=ReleaseStatus.REFUSED.value,
            refusal_code=code,
            refusal_reason=reason,
            settled_at=now,
        )
        .returning(ReleaseInstruction.seq, ReleaseInstruction.lessons)
        .execution_options(synchronize_session=False)
    )
    rows = list(refused.all())
    given_back = sum(int(lessons) for _seq, lessons in rows)
    later = [seq for seq, _lessons in rows if seq != record.seq]
    if later:
        await session.execute(
            update(ReleaseInstruction)
            .where(ReleaseInstruction.seq.in_(later))
            .values(refusal_reason=f"{FOLLOWS_REFUSAL}: {reason}")
        )
    if given_back:
        await session.execute(
            update(ReleaseOrder)
            .where(*_order(record.credit_code, record.order_number))
            .values(approved_lessons=ReleaseOrder.approved_lessons - given_back, updated_at=now)
        )


async def instructions_page(
    session: AsyncSession,
    where: InstructionFilter,
    region_prefix: str,
    *,
    after: int | None,
    first: int,
) -> tuple[list[InstructionRecord], int]:
    """Newest first: ``first + 1`` instructions after the one numbered ``after``, and
    how many match in all."""
    conditions = _filtered(where, region_prefix)
    total = await session.scalar(
        select(func.count()).select_from(ReleaseInstruction).where(*conditions)
    )
    query = select(ReleaseInstruction).where(*conditions)
    if after is not None:
        query = query.where(ReleaseInstruction.seq < after)
    rows = await session.scalars(query.order_by(ReleaseInstruction.seq.desc()).limit(first + 1))
    return [_record(row) for row in rows], int(total or 0)


def _filtered(where: InstructionFilter, region_prefix: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if region_prefix:
        conditions.append(ReleaseInstruction.region.startswith(region_prefix, autoescape=True))
    if where.credit_code is not None:
        conditions.append(ReleaseInstruction.credit_code == where.credit_code)
    if where.order_number is not None:
        conditions.append(ReleaseInstruction.order_number == where.order_number)
    if where.statuses:
        conditions.append(ReleaseInstruction.status.in_([s.value for s in where.statuses]))
    return conditions


def _order(credit_code: str, order_number: str) -> Sequence[ColumnElement[bool]]:
    return (ReleaseOrder.credit_code == credit_code, ReleaseOrder.order_number == order_number)


def _record(row: ReleaseInstruction) -> InstructionRecord:
    return InstructionRecord(
        seq=row.seq,
        instruction_id=row.instruction_id,
        credit_code=row.credit_code,
        region=row.region,
        order_number=row.order_number,
        bank=row.bank,
        first_lesson=row.first_lesson,
        lessons=row.lessons,
        amount_fen=row.amount_fen,
        client_id=row.client_id,
        idempotency_key=row.idempotency_key,
        approved_by=row.approved_by,
        approved_at=as_utc(row.approved_at),
        status=ReleaseStatus(row.status),
        bank_reference=row.bank_reference,
        refusal_code=row.refusal_code,
        refusal_reason=row.refusal_reason,
        attempts=row.attempts,
        settled_at=None if row.settled_at is None else as_utc(row.settled_at),
    )
