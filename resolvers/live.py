"""The live notice as each subscriber may see it (DESIGN §13): ``caseAssigned``
gives the cases assigned to the subscriber's own department inside its region,
``riskRaised`` the institutions of its region (or of a narrower one it names).

The policy decided the operation before this runs, as for a query (a refused
subscription never gets here). Subscribing is an access: the start is logged
before the first event can leave (if it cannot be, the subscription fails), and
the end by the transport (its request's event, with every record it returned).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator

from xietong.audit.events import AuditDraft, AuditOutcome, draft_of
from xietong.audit.log import now
from xietong.audit.recorder import tagged_record_keys
from xietong.cases.live import Assignment, RiskRaise
from xietong.cases.records import CaseRecord
from xietong.kernel.live_bus import LiveEvent, Subscription
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
async def subscribed(context: HubContext, topic: str) -> AsyncIterator[AsyncIterator[LiveEvent]]:
    """Events from now on, until the subscriber's token expires (a subscription
    outlives no token: the client subscribes again with a fresh one); the
    subscription's start is in the access log first."""
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
            async with contextlib.aclosing(_until(events, _expiry(context))) as bounded:
                yield bounded
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


async def _until(events: Subscription, expires_at: float | None) -> AsyncGenerator[LiveEvent, None]:
    """``events`` until ``expires_at`` (a UNIX time), then the end of the stream."""
    loop = asyncio.get_running_loop()
    deadline = None if expires_at is None else loop.time() + (expires_at - time.time())
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                event = await anext(events)
        except TimeoutError:
            log.info("a subscription ended with its token")
            return
        yield event


def _expiry(context: HubContext) -> float | None:
    """When the subscriber's bearer token expires (its ``exp``; verified already)."""
    params = context.connection_params or {}
    header = context.request.headers.get("authorization") or str(
        params.get("Authorization") or params.get("authorization") or ""
    )
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return _exp_of(token.strip())


def _exp_of(token: str) -> float | None:
    """The ``exp`` claim of a JWT the verifier accepted for this request (read, not
    verified again); None for anything else."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims["exp"]
    except (IndexError, ValueError, KeyError, TypeError):
        return None
    return float(exp) if isinstance(exp, int | float) else None
