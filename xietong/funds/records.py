"""The release workflow's vocabulary: statuses, refusal codes, an instruction as
recorded, an approval as answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class ReleaseStatus(StrEnum):
    PENDING = "PENDING"
    """Recorded, not yet confirmed by the bank: the hub sends it until it is."""
    APPLIED = "APPLIED"
    """The bank paid it to the institution (its reference says where)."""
    REFUSED = "REFUSED"
    """The bank would not (its reason says why); nothing moved."""


class ReleaseErrorCode(StrEnum):
    """Why an approval was refused (``ReleaseError.code``)."""

    NOT_PERMITTED = "NOT_PERMITTED"
    """Only an education supervisor approves releases."""
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    NOT_FOUND = "NOT_FOUND"
    """No such institution, custody account or order."""
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    NOT_DELIVERED = "NOT_DELIVERED"
    """The lessons were not reported as given, or the payer has not confirmed them."""
    EXCEEDS_ORDER = "EXCEEDS_ORDER"
    """More lessons than the order has left (a refunded order has none)."""
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    BANK_UNAVAILABLE = "BANK_UNAVAILABLE"
    """The bank could not be asked; nothing was recorded or released: try again."""
    DUPLICATE = "DUPLICATE"
    """This idempotency key was used before: the first outcome is returned with it."""


@dataclass(frozen=True, slots=True)
class InstructionRecord:
    """One release instruction of the outbox."""

    seq: int
    instruction_id: str
    credit_code: str
    region: str
    order_number: str
    bank: str
    first_lesson: int
    lessons: int
    amount_fen: int
    client_id: str
    idempotency_key: str
    approved_by: str
    approved_at: datetime
    status: ReleaseStatus
    bank_reference: str | None
    refusal_code: str | None
    refusal_reason: str | None
    attempts: int
    settled_at: datetime | None

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_fen).scaleb(-2)

    @property
    def last_lesson(self) -> int:
        return self.first_lesson + self.lessons - 1


@dataclass(frozen=True, slots=True)
class Approval:
    """What one approval (one idempotency key) recorded: one instruction per order."""

    credit_code: str
    idempotency_key: str
    instructions: tuple[InstructionRecord, ...]

    @property
    def approved_by(self) -> str:
        return self.instructions[0].approved_by

    @property
    def approved_at(self) -> datetime:
        return self.instructions[0].approved_at

    @property
    def lessons(self) -> int:
        return sum(instruction.lessons for instruction in self.instructions)

    @property
    def amount(self) -> Decimal:
        return sum((i.amount for i in self.instructions), Decimal("0.00"))

    @property
    def status(self) -> ReleaseStatus:
        """PENDING while any instruction is; REFUSED if every one was; else APPLIED."""
        statuses = {instruction.status for instruction in self.instructions}
        if ReleaseStatus.PENDING in statuses:
            return ReleaseStatus.PENDING
        if statuses == {ReleaseStatus.REFUSED}:
            return ReleaseStatus.REFUSED
        return ReleaseStatus.APPLIED


@dataclass(frozen=True, slots=True)
class ReleaseFailure:
    """An expected refusal, returned as a value (``ReleaseError`` in the schema)."""

    code: ReleaseErrorCode
    message: str
    field: str | None = None
    first: Approval | None = None
    """With DUPLICATE: the outcome of the first approval under the key."""


@dataclass(frozen=True, slots=True)
class InstructionFilter:
    credit_code: str | None = None
    order_number: str | None = None
    statuses: frozenset[ReleaseStatus] = frozenset()
