"""The live notice (DESIGN §13): subscriptions over ``graphql-transport-ws`` and
GraphQL over Server-Sent Events, under the same policy, scope and access log as
queries.

    subscription { caseAssigned { reason at case { id kind status answerDue } } }
    subscription { riskRaised(region: "410202") { creditCode previous level at } }
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import datetime
from typing import Annotated

import strawberry

from xietong.cases.live import AssignmentReason
from xietong.domain.risk import RiskLevel
from xietong.resolvers import live
from xietong.resolvers.context import HubInfo
from xietong.schema.cases import Case
from xietong.schema.mapping import from_record
from xietong.schema.scalars import CreditCode, RegionCode


@strawberry.type(description="A case that came to the subscriber's department.")
class CaseAssignment:
    reason: AssignmentReason = strawberry.field(description="Why it came.")
    at: datetime = strawberry.field(description="When it came (or was found overdue).")
    case: Case = strawberry.field(description="The case as it stands now.")


@strawberry.type(description="An institution whose risk level went up.")
class RiskRaise:
    credit_code: CreditCode = strawberry.field(description="The institution.")
    region: RegionCode = strawberry.field(description="Its region (county code).")
    previous: RiskLevel = strawberry.field(description="The level it had.")
    level: RiskLevel = strawberry.field(description="The level it has now.")
    at: datetime = strawberry.field(description="When the rise was found.")


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description="Cases referred to, returned to or overdue for the subscriber's "
        "department, in its region, as it happens."
    )
    async def case_assigned(self, info: HubInfo) -> AsyncGenerator[CaseAssignment | None, None]:
        async with aclosing(live.case_assignments(info.context)) as assignments:
            async for assigned, case in assignments:
                yield from_record(CaseAssignment, assigned, case=from_record(Case, case))

    @strawberry.subscription(
        description="Institutions of the region whose risk level went up: re-assessed "
        "when a case changes, and by the hub's periodic sweep."
    )
    async def risk_raised(
        self,
        info: HubInfo,
        region: Annotated[
            RegionCode | None,
            strawberry.argument(description="Only this part of the subscriber's region."),
        ] = None,
    ) -> AsyncGenerator[RiskRaise | None, None]:
        async with aclosing(live.risk_raises(info.context, region)) as raises:
            async for raised in raises:
                yield from_record(RiskRaise, raised)
