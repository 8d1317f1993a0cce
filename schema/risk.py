"""The risk assessment of an institution, across departments."""

from __future__ import annotations

import strawberry

from xietong.schema.enums import Department, RiskCode, RiskLevel


@strawberry.type(description="One reason for concern, from the department whose data shows it.")
class RiskSignal:
    code: RiskCode
    department: Department
    detail: str


@strawberry.type
class RiskAssessment:
    level: RiskLevel
    signals: list[RiskSignal]
    unavailable: list[Department] = strawberry.field(
        description="Departments that did not answer, so their rules were not evaluated."
    )
