"""An access-log event, its canonical encoding and its place in the hash chain.

Each event's hash is SHA-256 over the previous event's hash and the event's own
canonical JSON (sorted keys, no spaces, UTF-8, times in UTC), so changing,
removing or reordering any stored event breaks every hash after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from xietong.kernel.canonical import canonical, sha256_hex

GENESIS_HASH = "0" * 64


class AuditOutcome(StrEnum):
    OK = "OK"
    PARTIAL = "PARTIAL"
    """Some fields were refused or a department was unavailable; the rest answered."""
    DENIED = "DENIED"
    ERROR = "ERROR"
    UNAUTHENTICATED = "UNAUTHENTICATED"


@dataclass(slots=True)
class AuditDraft:
    """What a request fills in as it goes; sealed into an event when it answers."""

    client_id: str | None = None
    subject: str | None = None
    department: str | None = None
    roles: list[str] = field(default_factory=list)
    region: str | None = None
    purpose: str | None = None
    case_id: str | None = None
    operation_type: str | None = None
    operation_name: str | None = None
    document_hash: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    fields_read: list[str] = field(default_factory=list)
    fields_masked: list[str] = field(default_factory=list)
    fields_denied: list[str] = field(default_factory=list)
    record_keys: list[str] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)
    outcome: AuditOutcome | None = None
    returned_keys: set[str] = field(default_factory=set)
    """Keys of the records resolvers loaded and returned, whether or not the answer
    selected them; merged into ``record_keys`` when the operation ends."""
    trusted_document_id: str | None = None
    """The id (``sha256:…``) of the registered document the request ran, if it
    ran one: the event's ``document_hash`` then carries it."""
    started_at: datetime | None = None
    """When the request arrived: the time of its event, whoever writes it."""
    trace_id: str | None = None
    """The request's trace id (stored beside the event, not hashed: see
    ``kernel.store.UNHASHED``)."""
    written: list[int] = field(default_factory=list)
    """Sequence numbers of the events a write already committed with its change
    (``xietong.audit.in_transaction``): the request's event is then written, and the
    access-log middleware writes no second one."""


DRAFT_KEY = "audit"
"""Where a request's draft event lives in its ASGI scope's ``state``."""


def draft_of(scope: Mapping[str, Any]) -> AuditDraft | None:
    """The event a request is filling in, if its path is audited."""
    draft = scope.get("state", {}).get(DRAFT_KEY)
    return draft if isinstance(draft, AuditDraft) else None


def format_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def event_body(seq: int, at: datetime, draft: AuditDraft, duration_ms: float) -> dict[str, Any]:
    """The event as stored and hashed (everything but ``prev_hash`` and ``hash``)."""
    return {
        "seq": seq,
        "at": format_time(at),
        "client_id": draft.client_id,
        "subject": draft.subject,
        "department": draft.department,
        "roles": draft.roles,
        "region": draft.region,
        "purpose": draft.purpose,
        "case_id": draft.case_id,
        "operation_type": draft.operation_type,
        "operation_name": draft.operation_name,
        "document_hash": draft.document_hash,
        "variables": draft.variables,
        "fields_read": draft.fields_read,
        "fields_masked": draft.fields_masked,
        "fields_denied": draft.fields_denied,
        "record_keys": draft.record_keys,
        "error_codes": draft.error_codes,
        "outcome": (draft.outcome or AuditOutcome.ERROR).value,
        "duration_ms": round(duration_ms, 3),
    }


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return sha256_hex(prev_hash + canonical(body))
