"""The live notice as each subscriber may see it (DESIGN §13): ``caseAssigned``
gives the cases assigned to the subscriber's own department inside its region,
``riskRaised`` the institutions of its region (or of a narrower one it names).

The policy decided the operation before this runs, as for a query (a refused
subscription never gets here). Subscribing is an access: the start is logged
before the first event can leave (if it cannot be, the subscription fails), and
the end by the transport (its request's event, with every record it returned).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import AsyncGenerator, AsyncIterator

from xietong.audit.events import AuditDraft, AuditOutcome, draft_of
from xietong.audit.log import now
from xietong.audit.recorder import tagged_record_keys
from xietong.cases.live import Assignment, RiskRaise
from xietong.cases.records import CaseRecord
from xietong.kernel.live_bus import Subscription
from xietong.resolvers.cases.queries import service
from xietong.resolvers.context import HubContext
from xietong.resolvers.returned import note_returned

log = logging.getLogger("xietong.live")


async def case_assignments(
    context: HubContext,
) -> AsyncGenerator[tuple[Assignment, CaseRecord], None]:
    """Each case assigned to the subscriber's department in its region, as it happens."""
    department = context.principal.department
    async with subscribed(context, "caseAssigned") as events:
        async for event in events:
            assigned = Assignment.of(event)
            if (
                assigned is None
                or assigned.department is not department
                or not context.scope.contains(assigned.region)
            ):
                continue
            case = await service(context).get(assigned.case_id)
            if case is None or not case.visible_to(department):
                continue
            note_returned(context, _keys(case))
            yield assigned, case


async def risk_raises(context: HubContext, region: str | None) -> AsyncGenerator[RiskRaise, None]:
    """Each institution of the region (the subscriber's, or a narrower one) whose
    risk level went up."""
    scope = context.scope.narrowed(region, argument="region")
    async with subscribed(context, "riskRaised") as events:
        async for event in events:
            raised = RiskRaise.of(event)
            if raised is None or not raised.region.startswith(scope.prefix):
                continue
            note_returned(context, [raised.credit_code])
            yield raised


@contextlib.asynccontextmanager
async def subscribed(context: HubContext, topic: str) -> AsyncIterator[Subscription]:
    """Events from now on; the subscription's start is in the access log first."""
    draft = draft_of(context.request.scope)
    if draft is not None:
        _fill(draft, context)
        start = dataclasses.replace(
            draft,
            outcome=AuditOutcome.OK,
            error_codes=[],
            returned_keys=set(),
            written=[],
        )
        await context.hub.audit_log.append(start, at=now(), duration_ms=0.0)
    async with context.hub.live.subscription() as events:
        transport = "websocket" if context.request.scope["type"] == "websocket" else "sse"
        log.info(
            "subscription to %s started by %s over %s",
            topic,
            context.principal.client_id,
            transport,
            extra={"transport": transport},
        )
        try:
            yield events
        finally:
            if draft is not None:
                returned = tagged_record_keys(set(), draft.returned_keys, context.hub.pseudonyms.of)
                draft.record_keys = sorted({*draft.record_keys, *returned})
                draft.outcome = draft.outcome or AuditOutcome.OK
            log.info("subscription to %s ended (%d missed)", topic, events.missed)


def _fill(draft: AuditDraft, context: HubContext) -> None:
    """Who subscribes, why, and what the policy let it read."""
    principal = context.principal
    draft.client_id = principal.client_id
    draft.subject = principal.subject
    draft.department = principal.department.value
    draft.roles = list(principal.roles)
    draft.region = principal.region
    draft.purpose = context.purpose
    draft.case_id = context.case_id
    decisions = context.decisions
    draft.fields_read = sorted(decisions.read)
    draft.fields_masked = sorted(decisions.masked)
    draft.fields_denied = sorted(decisions.refused)


def _keys(case: CaseRecord) -> list[str]:
    return [f"id:{case.id}", *([case.credit_code] if case.credit_code else [])]
