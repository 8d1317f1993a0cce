"""The access-log event a write commits with (``xietong.audit.in_transaction``):
who asks and why, known before the write, so a service can log the change in the
change's own transaction."""

from __future__ import annotations

from xietong.audit.events import draft_of
from xietong.audit.in_transaction import WriteEvent
from xietong.resolvers.context import HubContext


def write_event(context: HubContext) -> WriteEvent | None:
    """The request's event, filled with what is known now; ``None`` outside an
    audited request (the middleware is then not there to log it either)."""
    draft = draft_of(context.request.scope)
    if draft is None:
        return None
    principal = context.principal
    draft.client_id = principal.client_id
    draft.subject = principal.subject
    draft.department = principal.department.value
    draft.roles = list(principal.roles)
    draft.region = principal.region
    draft.purpose = context.purpose
    draft.case_id = context.case_id
    return WriteEvent(draft)
