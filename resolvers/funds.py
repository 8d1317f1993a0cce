"""What the schema calls for releases of prepaid fees (一课一消): who approves, the
institution they name, and the workflow's answer; the outbox as the ledger shows it."""

from __future__ import annotations

import re
from datetime import date

from xietong.domain.records import CustodyDistrict
from xietong.funds.records import InstructionFilter, InstructionRecord
from xietong.funds.rules import MAX_LESSONS
from xietong.funds.service import ReleaseResult, ReleaseService
from xietong.kernel.errors import CodedError, ErrorCode
from xietong.planner.custody import custody_by_district, overall
from xietong.resolvers.context import HubContext
from xietong.resolvers.returned import note_returned, page_of
from xietong.resolvers.writes import write_event

MAX_KEY = 100
_ORDER_NUMBER = re.compile(r"[0-9A-Za-z_-]{1,64}")


async def approve_lesson_release(
    context: HubContext, credit_code: str, order_number: str, lessons: int, key: str
) -> ReleaseResult:
    if not _ORDER_NUMBER.fullmatch(order_number):
        raise _bad("input.orderNumber", "is not an order number (letters, digits, - and _)")
    if not 1 <= lessons <= MAX_LESSONS:
        raise _bad("input.lessons", f"must be from 1 to {MAX_LESSONS}")
    region = await _region(context, credit_code)
    return await _service(context).approve_lessons(
        context.actor, region, credit_code, order_number, lessons, _key(key)
    )


async def approve_releases(
    context: HubContext, credit_code: str, through: date, key: str
) -> ReleaseResult:
    if through > context.hub.today():
        raise _bad("input.through", "lies in the future: lessons not yet given cannot be released")
    region = await _region(context, credit_code)
    return await _service(context).approve_through(
        context.actor, region, credit_code, through, _key(key)
    )


async def release_instructions(
    context: HubContext, where: InstructionFilter, after: int | None, first: int
) -> tuple[list[InstructionRecord], int]:
    """Up to ``first`` instructions within the principal's region, newest first."""
    found, total = await _service(context).instructions(
        where, context.scope.prefix, after=after, first=first
    )
    note_returned(context, {record.credit_code for record in page_of(found, first)})
    return found, total


async def institution_releases(context: HubContext, credit_code: str) -> list[InstructionRecord]:
    """The instructions of an institution the principal already sees, newest first."""
    found, _total = await _service(context).instructions(
        InstructionFilter(credit_code=credit_code), context.scope.prefix, after=None, first=500
    )
    return found


async def custody_overview(
    context: HubContext, region: str | None
) -> tuple[CustodyDistrict, list[CustodyDistrict]]:
    """The region asked (within the principal's) as a whole, and district by district."""
    scope = context.scope.narrowed(region, argument="region")
    districts = await custody_by_district(context.hub.adapters, scope.prefix)
    return overall(scope.region, districts), districts


def _service(context: HubContext) -> ReleaseService:
    return ReleaseService(context.hub.sessions, context.hub.adapters, event=write_event(context))


async def _region(context: HubContext, credit_code: str) -> str | None:
    institution = await context.loaders.institutions.load(credit_code)
    return institution.region if institution else None


def _key(key: str) -> str:
    if not key.strip() or len(key) > MAX_KEY or not key.isprintable():
        raise _bad("input.idempotencyKey", f"must be 1 to {MAX_KEY} printable characters")
    return key


def _bad(argument: str, reason: str) -> CodedError:
    return CodedError(ErrorCode.BAD_USER_INPUT, f"{argument} {reason}", argument=argument)
