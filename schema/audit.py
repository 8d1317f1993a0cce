"""The access log, for auditors: who read what, and whether the chain is intact."""

from __future__ import annotations

from datetime import datetime

import strawberry

from xietong.audit.events import AuditOutcome
from xietong.audit.queries import AuditCriteria
from xietong.kernel.store import AuditEvent as AuditEventRow
from xietong.resolvers.audit import audit_chain, audit_checkpoints, audit_events
from xietong.resolvers.context import HubInfo
from xietong.schema.enums import Department, register
from xietong.schema.mapping import from_record, from_records
from xietong.schema.pagination import Connection, connection, decode_cursor, page_size, sequence_key
from xietong.schema.scalars import RegionCode

register(AuditOutcome, "How a request ended, as the access log records it.")


@strawberry.type(description="One request as the access log recorded it.")
class AuditEvent:
    seq: int = strawberry.field(description="Position in the chain.")
    at: datetime = strawberry.field(description="When the request was answered.")
    client_id: str | None = strawberry.field(description="The client that asked.")
    subject: str | None = strawberry.field(description="The officer or system that acted.")
    department: Department | None = strawberry.field(description="The client's department.")
    roles: list[str] = strawberry.field(description="The client's roles.")
    region: RegionCode | None = strawberry.field(description="The client's region.")
    purpose: str | None = strawberry.field(description="The purpose stated.")
    case_id: str | None = strawberry.field(description="The case id stated.")
    operation_type: str | None = strawberry.field(description="query, mutation or subscription.")
    operation_name: str | None = strawberry.field(description="The operation's name.")
    document_hash: str | None = strawberry.field(
        description="SHA-256 (hex) of the document's text, or, when the client ran a "
        'registered trusted document, its id ("sha256:…").'
    )
    fields_read: list[str] = strawberry.field(
        description="Fields answered with a value, as Type.field."
    )
    fields_masked: list[str] = strawberry.field(description="Fields answered masked.")
    fields_denied: list[str] = strawberry.field(description="Fields refused.")
    record_keys: list[str] = strawberry.field(
        description="Credit codes returned; ID numbers as their SHA-256."
    )
    error_codes: list[str] = strawberry.field(description="The codes of the errors answered.")
    outcome: AuditOutcome = strawberry.field(description="How the request ended.")
    duration_ms: float = strawberry.field(description="How long it took.")
    prev_hash: str = strawberry.field(description="The previous event's hash.")
    hash: str = strawberry.field(description="SHA-256 over this event and prevHash.")
    trace_id: str | None = strawberry.field(
        default=None,
        description="The request's W3C trace id (its spans, its log lines); not hashed.",
    )


def audit_event_of(row: AuditEventRow) -> AuditEvent:
    # The log stores its enums as text.
    return from_record(
        AuditEvent,
        row,
        department=Department(row.department) if row.department else None,
        outcome=AuditOutcome(row.outcome),
    )


@strawberry.input
class AuditEventFilter:
    client_id: str | None = strawberry.field(default=None, description="Events of this client.")
    subject: str | None = strawberry.field(
        default=None,
        description="Events of this subject: an officer's username (console) or a client id.",
    )
    department: Department | None = strawberry.field(
        default=None, description="Events of this department's clients."
    )
    outcome: AuditOutcome | None = strawberry.field(
        default=None, description="Events that ended so."
    )
    record_key: str | None = strawberry.field(
        default=None, description="A credit code or an ID number the answer contained."
    )
    field: str | None = strawberry.field(
        default=None, description='A field read, masked or refused, as "Type.field".'
    )
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Events from this time on."
    )
    to: datetime | None = strawberry.field(default=None, description="Events before this time.")


@strawberry.type(description="The result of walking the whole hash chain.")
class AuditChainReport:
    intact: bool = strawberry.field(description="Whether every event is as written.")
    events: int = strawberry.field(description="Events checked.")
    first_broken_seq: int | None = strawberry.field(
        description="The first event that does not check out."
    )
    reason: str | None = strawberry.field(description="Why it does not.")
    head_hash: str = strawberry.field(description="The hash of the last event.")


@strawberry.type(
    description="The hub's signed statement that the access log's head was headHash at "
    "seq: keep it, and `xietong audit verify --checkpoints` proves the chain still extends it."
)
class AuditCheckpoint:
    seq: int = strawberry.field(description="The head's sequence number.")
    head_hash: str = strawberry.field(description="The head's hash.")
    at: datetime = strawberry.field(description="When it was signed.")
    jws: str = strawberry.field(
        description='ES256 compact JWS (typ "xietong-checkpoint+jws") over {seq, headHash, at}.'
    )


@strawberry.type
class AuditQuery:
    @strawberry.field(description="Access-log events, newest first.")
    async def audit_events(
        self,
        info: HubInfo,
        filter: AuditEventFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[AuditEvent] | None:
        given = filter or AuditEventFilter()
        criteria = AuditCriteria(
            client_id=given.client_id,
            subject=given.subject,
            department=given.department.value if given.department else None,
            outcome=given.outcome.value if given.outcome else None,
            record_key=given.record_key,
            field=given.field,
            since=given.from_,
            until=given.to,
        )
        size = page_size(first)
        rows, total = await audit_events(
            info.context, criteria, decode_cursor(after, sequence_key), size
        )
        return connection(
            rows,
            first=size,
            after=after,
            total=total,
            key=lambda row: str(row.seq),
            node=audit_event_of,
        )

    @strawberry.field(description="Walk the whole chain: is every event as it was written?")
    async def audit_chain(self, info: HubInfo) -> AuditChainReport | None:
        return from_record(AuditChainReport, await audit_chain(info.context))

    @strawberry.field(description="Signed checkpoints of the chain, oldest first, after seq.")
    async def audit_checkpoints(
        self, info: HubInfo, after: int | None = None, first: int = 50
    ) -> list[AuditCheckpoint] | None:
        made = await audit_checkpoints(info.context, after, page_size(first))
        return from_records(AuditCheckpoint, made)
