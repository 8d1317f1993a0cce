"""Reading the access log, for auditors: filtered pages of events, and the chain check."""

from __future__ import annotations

from xietong.audit.checkpoints import Checkpoint, checkpoints_after
from xietong.audit.queries import AuditCriteria, check_chain, find_events
from xietong.audit.verify import ChainReport
from xietong.kernel.store import AuditEvent
from xietong.resolvers.context import HubContext


async def audit_events(
    context: HubContext, criteria: AuditCriteria, before_seq: int | None, first: int
) -> tuple[list[AuditEvent], int]:
    """Newest first: up to ``first + 1`` events older than ``before_seq``, and the total."""
    hub = context.hub
    return await find_events(hub.sessions, hub.pseudonyms, criteria, before_seq, first)


async def audit_chain(context: HubContext) -> ChainReport:
    return await check_chain(context.hub.settings.database_url)


async def audit_checkpoints(context: HubContext, after: int | None, first: int) -> list[Checkpoint]:
    return await checkpoints_after(context.hub.sessions, after, first)
