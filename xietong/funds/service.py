"""The release workflow: approve lessons given, record the instructions, send them.

An approval reads what the bank and the education platform say (the account, the
order, the lessons confirmed), asks ``rules`` whether it may be made, and records
its instructions in one transaction with its access-log event
(``xietong.audit.in_transaction``): the outbox. Only then is the bank called. The
bank's answer settles an instruction (APPLIED or REFUSED); no answer (a timeout, a
crash, a bank down) leaves it PENDING, and ``send`` — called again by the approval
that follows, or by the hub's resender (``xietong.hub.releases``) — sends it again
until the bank answers. The bank applies an instruction id once, so a re-sent
instruction that had in fact been applied is answered, not applied again.

An order's instructions are sent one at a time, oldest first, each only once the
one before it is settled: a bank checks each amount against what it released
before (the last lesson takes the remainder), so they must arrive in order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.audit.in_transaction import WriteEvent, audited
from xietong.auth.clock import Clock, utc_now
from xietong.domain.actors import Actor
from xietong.domain.records import (
    FundSupervision,
    LessonDelivery,
    OrderStatus,
    PrepaidOrder,
    ReleaseRequest,
)
from xietong.funds import rules, store
from xietong.funds.records import (
    Approval,
    InstructionFilter,
    InstructionRecord,
    ReleaseErrorCode,
    ReleaseFailure,
    ReleaseStatus,
)

ReleaseResult = Approval | ReleaseFailure
_WantedOf = Callable[[FundSupervision, list[LessonDelivery]], list["_Wanted"]]
"""What an approval asks for, given the account and the lessons reported."""


class _Refused(Exception):
    """A rule said no inside the transaction: undo it and answer ``failure``."""

    def __init__(self, failure: ReleaseFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass(frozen=True, slots=True)
class _Wanted:
    """Lessons of one order to approve: ``lessons`` (None: every confirmed lesson left),
    within ``confirmed`` lessons given and confirmed."""

    order: PrepaidOrder
    lessons: int | None
    confirmed: int


class ReleaseService:
    """The workflow over the hub database and the banks, through the adapters.

    Example::

        releases = ReleaseService(hub.sessions, hub.adapters, event=WriteEvent(draft))
        result = await releases.approve_lessons(approver, "410202", code, "JM…", 2, "key-1")
        if isinstance(result, ReleaseFailure): ...   # result.code says why
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        adapters: AdapterCatalog,
        *,
        clock: Clock = utc_now,
        event: WriteEvent | None = None,
    ) -> None:
        self._sessions = sessions
        self._adapters = adapters
        self._clock = clock
        self._event = event

    async def approve_lessons(
        self,
        approver: Actor,
        region: str | None,
        credit_code: str,
        order_number: str,
        lessons: int,
        key: str,
    ) -> ReleaseResult:
        """Release ``lessons`` more of one order. ``region``: the institution's, as the
        education bureau registers it (None: no such institution)."""

        def wanted(funds: FundSupervision, given: list[LessonDelivery]) -> list[_Wanted]:
            order = next((o for o in funds.orders if o.number == order_number), None)
            if order is None:
                raise _Refused(
                    ReleaseFailure(
                        ReleaseErrorCode.NOT_FOUND,
                        f"no order {order_number} in the custody account of {credit_code}",
                        "orderNumber",
                    )
                )
            return [_Wanted(order, lessons, rules.confirmed_lessons(given, order_number))]

        return await self._approve(approver, region, credit_code, key, wanted)

    async def approve_through(
        self, approver: Actor, region: str | None, credit_code: str, through: date, key: str
    ) -> ReleaseResult:
        """Release every lesson given and confirmed on or before ``through`` and not yet
        released, on every running order of the institution (一键拨付)."""

        def wanted(funds: FundSupervision, given: list[LessonDelivery]) -> list[_Wanted]:
            return [
                _Wanted(order, None, rules.confirmed_lessons(given, order.number, through))
                for order in sorted(funds.orders, key=lambda o: o.number)
                if order.status is OrderStatus.RUNNING
            ]

        return await self._approve(approver, region, credit_code, key, wanted)

    async def _approve(
        self,
        approver: Actor,
        region: str | None,
        credit_code: str,
        key: str,
        wanted_of: _WantedOf,
    ) -> ReleaseResult:
        refusal = rules.refusal_to_approve(approver)
        if refusal is not None:
            return refusal
        first = await self.approval(approver.client_id, key)
        if first is not None:
            return _duplicate(key, first)
        refusal = rules.refusal_of_scope(approver, credit_code, region)
        if refusal is not None:
            return refusal
        assert region is not None, "refusal_of_scope checked it"
        try:
            funds = (await self._adapters.finance.load([credit_code])).get(credit_code)
        except SourceUnavailableError as error:
            return ReleaseFailure(
                ReleaseErrorCode.BANK_UNAVAILABLE,
                f"the supervising banks could not be asked ({error}); nothing was released",
            )
        refusal = rules.refusal_of_account(credit_code, funds)
        if refusal is not None:
            return refusal
        assert funds is not None, "refusal_of_account checked it"
        given = await self._adapters.education.deliveries(credit_code)
        try:
            wanted = wanted_of(funds, given)
            recorded = await self._record(approver, region, funds, key, wanted)
        except _Refused as refused:
            if refused.failure.code is not ReleaseErrorCode.DUPLICATE:
                return refused.failure
            first = await self.approval(approver.client_id, key)
            assert first is not None, "the key was taken"
            return _duplicate(key, first)
        except IntegrityError:
            # The same key, by another request at the same moment: the unique index
            # kept one. Its outcome is the answer.
            first = await self.approval(approver.client_id, key)
            if first is None:
                raise
            return _duplicate(key, first)
        for order_number in sorted({r.order_number for r in recorded}):
            await self.send(credit_code, order_number)
        approval = await self.approval(approver.client_id, key)
        assert approval is not None, "it was just recorded"
        if approval.status is ReleaseStatus.REFUSED:
            return _refused_by_bank(approval)
        return approval

    async def _record(
        self,
        approver: Actor,
        region: str,
        funds: FundSupervision,
        key: str,
        wanted: Sequence[_Wanted],
    ) -> list[InstructionRecord]:
        now = self._clock()
        recorded: list[InstructionRecord] = []
        changed: list[str] = [funds.credit_code]  # read when the event is written, at the end
        async with audited(self._sessions, self._event, changed=changed) as session:
            for want in wanted:
                record = await _take(session, approver, region, funds, want, key, now)
                if record is not None:
                    await store.add_instruction(session, record)
                    recorded.append(record)
                    changed.append(_changed_key(record))
            if not recorded:
                raise _Refused(
                    ReleaseFailure(
                        ReleaseErrorCode.NOT_DELIVERED,
                        f"no lesson of {funds.credit_code} given and confirmed by the payer "
                        "is waiting for release",
                        "through",
                    )
                )
            refusal = rules.refusal_of_balance(funds, sum(r.amount_fen for r in recorded))
            if refusal is not None:
                raise _Refused(refusal)
            # Last before the event: another request under the same key, in its own
            # transaction, made its instructions first (the unique index says so too).
            if len(await store.approval(session, approver.client_id, key)) != len(recorded):
                raise _Refused(ReleaseFailure(ReleaseErrorCode.DUPLICATE, "", "idempotencyKey"))
        return recorded

    async def send(self, credit_code: str, order_number: str) -> None:
        """Send the order's PENDING instructions, oldest first, each once the one before
        is settled; stop at the first the bank does not answer (it stays PENDING)."""
        while True:
            async with self._sessions.begin() as session:
                pending = await store.first_pending(session, credit_code, order_number)
                if pending is None:
                    return
                await store.note_attempt(session, pending.seq, self._clock())
            try:
                verdict = await self._adapters.finance.release(pending.bank, _request(pending))
            except SourceUnavailableError:
                return
            async with self._sessions.begin() as session:
                if verdict.applied:
                    await store.settle_applied(
                        session, pending.seq, verdict.reference or "", self._clock()
                    )
                else:
                    assert verdict.refusal is not None, "a refusal says why"
                    code = rules.BANK_REFUSALS[verdict.refusal]
                    await store.settle_refused(
                        session, pending, code.value, verdict.reason, self._clock()
                    )

    async def resend_pending(self, idle: timedelta = timedelta(0)) -> int:
        """Send again what is PENDING and was not tried for ``idle``; orders tried."""
        async with self._sessions() as session:
            orders = await store.pending_orders(session, self._clock() - idle)
        for credit_code, order_number in orders:
            await self.send(credit_code, order_number)
        return len(orders)

    async def approval(self, client_id: str, key: str) -> Approval | None:
        async with self._sessions() as session:
            found = await store.approval(session, client_id, key)
        return Approval(found[0].credit_code, key, tuple(found)) if found else None

    async def instructions(
        self, where: InstructionFilter, region_prefix: str, *, after: int | None, first: int
    ) -> tuple[list[InstructionRecord], int]:
        async with self._sessions() as session:
            return await store.instructions_page(
                session, where, region_prefix, after=after, first=first
            )


async def _take(
    session: AsyncSession,
    approver: Actor,
    region: str,
    funds: FundSupervision,
    want: _Wanted,
    key: str,
    now: datetime,
) -> InstructionRecord | None:
    """Take the order's turn and its lessons; the instruction for them, or None when a
    whole-institution approval finds none waiting on this order."""
    order = want.order
    approved = await store.lock_order(
        session,
        funds.credit_code,
        order.number,
        bank=funds.bank,
        lessons_bought=order.lessons_bought,
        amount_fen=rules.fen_of(order),
        released=order.lessons_released,
        now=now,
    )
    lessons = want.lessons
    if lessons is None:
        lessons = min(want.confirmed, order.lessons_bought) - approved
        if lessons <= 0:
            return None
    refusal = rules.refusal_of_lessons(order, approved, want.confirmed, lessons)
    if refusal is not None:
        raise _Refused(refusal)
    limit = min(want.confirmed, order.lessons_bought)
    first = await store.take_lessons(session, funds.credit_code, order.number, lessons, limit)
    if first is None:  # the turn was ours, so this cannot be; but never release on a doubt
        raise _Refused(ReleaseFailure(ReleaseErrorCode.NOT_DELIVERED, "no lesson left", "lessons"))
    return InstructionRecord(
        seq=0,
        instruction_id=str(uuid.uuid4()),
        credit_code=funds.credit_code,
        region=region,
        order_number=order.number,
        bank=funds.bank,
        first_lesson=first,
        lessons=lessons,
        amount_fen=rules.amount_fen(rules.fen_of(order), order.lessons_bought, first, lessons),
        client_id=approver.client_id,
        idempotency_key=key,
        approved_by=approver.name,
        approved_at=now,
        status=ReleaseStatus.PENDING,
        bank_reference=None,
        refusal_code=None,
        refusal_reason=None,
        attempts=0,
        settled_at=None,
    )


def _request(record: InstructionRecord) -> ReleaseRequest:
    return ReleaseRequest(
        instruction_id=record.instruction_id,
        order_number=record.order_number,
        lessons=record.lessons,
        amount_fen=record.amount_fen,
        approved_by=record.approved_by,
        approved_at=record.approved_at,
    )


def _changed_key(record: InstructionRecord) -> str:
    """The access log's words for one instruction: its order, lessons and amount."""
    return (
        f"order:{record.order_number} lessons:{record.first_lesson}-{record.last_lesson}"
        f" amount:{record.amount} instruction:{record.instruction_id}"
    )


def _duplicate(key: str, first: Approval) -> ReleaseFailure:
    return ReleaseFailure(
        ReleaseErrorCode.DUPLICATE,
        f"idempotency key {key!r} was used before; its outcome is returned",
        "idempotencyKey",
        first=first,
    )


def _refused_by_bank(approval: Approval) -> ReleaseFailure:
    refused = approval.instructions[0]
    return ReleaseFailure(
        ReleaseErrorCode(refused.refusal_code or ReleaseErrorCode.NOT_FOUND),
        f"the bank refused the release: {refused.refusal_reason}",
        first=approval,
    )
