"""Every logged value in a form the hub's store accepts, fixed before it is queued.

The log writes the events of many requests in one transaction, so one value the
database refuses would fail every request in the batch. What a client sends (a
header, an operation name, the variables) is therefore bounded here: text cut to
its column's length, lone surrogates (which no UTF-8 encoder takes) and NUL
(which PostgreSQL refuses in text) replaced by U+FFFD, and numbers JSON has no
word for (NaN, infinity) written as text. Limits the hub enforces on requests
come first and say so to the client; this is the safety net behind them.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from typing import Any

from sqlalchemy import JSON, String

from xietong.audit.events import AuditDraft, AuditOutcome
from xietong.kernel.errors import ErrorCode
from xietong.kernel.store import AuditEvent

TRUNCATED = "…"
REPLACEMENT = "\ufffd"

_LENGTHS: dict[str, int | None] = {
    column.name: column.type.length
    for column in AuditEvent.__table__.columns
    if isinstance(column.type, String)
}
_JSON = frozenset(
    column.name for column in AuditEvent.__table__.columns if isinstance(column.type, JSON)
)
_TEXT_FIELDS = tuple(field.name for field in fields(AuditDraft) if field.name in _LENGTHS)
_JSON_FIELDS = tuple(field.name for field in fields(AuditDraft) if field.name in _JSON)


def storable(draft: AuditDraft) -> AuditDraft:
    """``draft`` with every value bounded and encodable (a copy; the draft is the
    request's own)."""
    changes: dict[str, Any] = {
        name: _text(value, _LENGTHS[name])
        for name in _TEXT_FIELDS
        if isinstance(value := getattr(draft, name), str)
    }
    changes.update({name: _json(getattr(draft, name)) for name in _JSON_FIELDS})
    return replace(draft, **changes)


def refused_form(draft: AuditDraft) -> AuditDraft:
    """What is left to log of a request whose event the store refused: who asked and
    that it failed, none of what it sent."""
    return AuditDraft(
        client_id=draft.client_id,
        subject=draft.subject,
        department=draft.department,
        roles=list(draft.roles),
        region=draft.region,
        operation_type=draft.operation_type,
        error_codes=[ErrorCode.INTERNAL.value],
        outcome=AuditOutcome.ERROR,
    )


def _text(value: str, length: int | None) -> str:
    value = _encodable(value)
    if length is not None and len(value) > length:
        return value[: length - len(TRUNCATED)] + TRUNCATED
    return value


def _encodable(value: str) -> str:
    if value.isascii():
        return value.replace("\x00", REPLACEMENT) if "\x00" in value else value
    try:
        value.encode()
    except UnicodeEncodeError:
        # Through UTF-16 a valid surrogate pair becomes its character again and a
        # lone one the replacement character.
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value.replace("\x00", REPLACEMENT)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        return _encodable(value)
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {_encodable(str(key)): _json(item) for key, item in value.items()}
    return _encodable(str(value))
