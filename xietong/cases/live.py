"""What the live notice says (DESIGN §13): a case assigned to a department (referred
to it, returned to it, or overdue there) and an institution's risk raised. Events
carry ids, codes and levels only; a subscriber reads the case or the institution
through the policy like any query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from xietong.cases.records import CaseRecord
from xietong.domain.departments import Department
from xietong.domain.risk import RiskLevel
from xietong.kernel.live_bus import LiveEvent

CASE_ASSIGNED = "caseAssigned"
RISK_RAISED = "riskRaised"


class AssignmentReason(StrEnum):
    REFERRED = "REFERRED"
    """Referred to the department, which has to accept or return it."""
    RETURNED = "RETURNED"
    """Returned by the department it was referred to: it is the first contact's again."""
    OVERDUE = "OVERDUE"
    """A referral to the department not answered by its due day."""


@dataclass(frozen=True, slots=True)
class Assignment:
    case_id: str
    department: Department
    region: str
    reason: AssignmentReason
    at: datetime

    def event(self) -> LiveEvent:
        return LiveEvent(
            CASE_ASSIGNED,
            {
                "caseId": self.case_id,
                "department": self.department.value,
                "region": self.region,
                "reason": self.reason.value,
                "at": self.at.isoformat(),
            },
        )

    @classmethod
    def of(cls, event: LiveEvent) -> Assignment | None:
        if event.topic != CASE_ASSIGNED:
            return None
        values = event.values
        try:
            return cls(
                case_id=str(values["caseId"]),
                department=Department(values["department"]),
                region=str(values["region"]),
                reason=AssignmentReason(values["reason"]),
                at=datetime.fromisoformat(str(values["at"])),
            )
        except (KeyError, ValueError):
            return None  # not one of ours: a subscriber hears nothing of it


def assignment(case: CaseRecord, reason: AssignmentReason, at: datetime) -> Assignment:
    return Assignment(case.id, case.assigned_to, case.region, reason, at)


@dataclass(frozen=True, slots=True)
class RiskRaise:
    credit_code: str
    region: str
    level: RiskLevel
    previous: RiskLevel
    at: datetime

    def event(self) -> LiveEvent:
        return LiveEvent(
            RISK_RAISED,
            {
                "creditCode": self.credit_code,
                "region": self.region,
                "level": self.level.name,
                "previous": self.previous.name,
                "at": self.at.isoformat(),
            },
        )

    @classmethod
    def of(cls, event: LiveEvent) -> RiskRaise | None:
        if event.topic != RISK_RAISED:
            return None
        values = event.values
        try:
            return cls(
                credit_code=str(values["creditCode"]),
                region=str(values["region"]),
                level=RiskLevel[str(values["level"])],
                previous=RiskLevel[str(values["previous"])],
                at=datetime.fromisoformat(str(values["at"])),
            )
        except (KeyError, ValueError):
            return None
