"""The risk assessment of an institution, across departments."""

from __future__ import annotations

import strawberry

from xietong.schema.enums import Department, RiskCode, RiskLevel


@strawberry.type(description="One reason for concern, from the department whose data shows it.")
class RiskSignal:
    code: RiskCode = strawberry.field(description="The rule that raised it.")
    department: Department = strawberry.field(description="The department whose data shows it.")
    detail: str = strawberry.field(
        description="The facts behind the signal, when the reader may read every field "
        "they come from; otherwise which department holds them."
    )
    level: RiskLevel = strawberry.field(description="What this signal alone weighs.")
    basis: str = strawberry.field(description="The regulation the rule applies.")


@strawberry.type
class RiskAssessment:
    level: RiskLevel = strawberry.field(description="The overall level.")
    signals: list[RiskSignal] = strawberry.field(description="Every signal raised.")
    unavailable: list[Department] = strawberry.field(
        description="Departments that did not answer, so their rules were not evaluated."
    )
