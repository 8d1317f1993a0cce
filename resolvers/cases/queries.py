"""Reading cases: within the principal's region (row scope, as for the joint
record) and only those its department has a part in, auditors seeing every one.
A case another department keeps to itself is not listed, and not found by id."""

from __future__ import annotations

from datetime import datetime

from xietong.cases.attachments import Attachment, AttachmentService
from xietong.cases.records import CaseFilter, CaseRecord, Reporter
from xietong.cases.service import CaseService
from xietong.cases.store import PageKey
from xietong.domain.departments import Department
from xietong.resolvers.context import HubContext
from xietong.resolvers.returned import note_returned, page_of


def service(context: HubContext) -> CaseService:
    """The workflow for reads (no event: the request's own event logs them)."""
    hub = context.hub
    return CaseService(hub.sessions, hub.settings.cases, today=hub.today)


def reader(context: HubContext) -> Department | None:
    """The department whose part in a case decides if it is seen; None: auditors."""
    department = context.principal.department
    return None if department is Department.AUDIT else department


async def case(context: HubContext, case_id: str) -> CaseRecord | None:
    found = await service(context).get(case_id)
    if found is None:
        return None
    context.scope.require(found.region, what=f"the institution of case {case_id}", argument="id")
    if not found.visible_to(context.principal.department):
        return None
    note_returned(context, _keys(found))
    return found


async def cases_page(
    context: HubContext, where: CaseFilter, region: str | None, after: PageKey | None, first: int
) -> tuple[list[CaseRecord], int]:
    """Up to ``first`` cases after the cursor key ``after``, and how many match."""
    scope = context.scope.narrowed(region, argument="filter.region")
    where = CaseFilter(
        assigned_to=where.assigned_to,
        kind=where.kind,
        status=where.status,
        overdue=where.overdue,
        credit_code=where.credit_code,
        visible_to=reader(context),
    )
    found, total = await service(context).page(
        region_prefix=scope.prefix, where=where, after=after, limit=first
    )
    note_returned(context, [key for c in page_of(found, first) for key in _keys(c)])
    return found, total


async def attachments(context: HubContext, record: CaseRecord) -> list[Attachment]:
    """An inspection's declared files, each saying whether its bytes are in."""
    hub = context.hub
    return await AttachmentService(hub.sessions, hub.settings.cases).of_case(record)


def attachment_url(attachment: Attachment) -> str:
    return f"/cases/{attachment.case_id}/attachments/{attachment.sha256}"


async def reporter(context: HubContext, record: CaseRecord) -> Reporter | None:
    """The tip-off's reporter, opened: the policy has granted the field (education,
    with a purpose) before this runs, and the access log records the read."""
    return await service(context).reporter(record)


def overdue(context: HubContext, record: CaseRecord) -> bool:
    return record.overdue_on(context.hub.today())


def cursor_key(record: CaseRecord) -> str:
    return f"{record.opened_at.isoformat()}|{record.id}"


def page_key(key: str) -> PageKey:
    """The (opened at, id) a cursor stands for; ValueError for anything else."""
    at, bar, case_id = key.partition("|")
    if not bar or not case_id:
        raise ValueError(key)
    return datetime.fromisoformat(at), case_id


def _keys(record: CaseRecord) -> list[str]:
    return [f"id:{record.id}", *([record.credit_code] if record.credit_code else [])]
