"""Enums shared across the schema: the hub's own enums, registered with strawberry
so that resolvers and schema share one type (names are fixed, DESIGN §6), each value
described from the glossary (``schema.labels``)."""

from enum import Enum

import strawberry

from xietong.cases.live import AssignmentReason
from xietong.cases.records import (
    CaseAction,
    CaseErrorCode,
    CaseKind,
    CaseStatus,
    InspectionKind,
    MediationOutcome,
    TipOffCategory,
    TipOffChannel,
    TipOffConcern,
)
from xietong.domain.departments import Department
from xietong.domain.records import (
    BackgroundCheckStatus,
    FireAcceptanceStatus,
    InstitutionCategory,
    LicenseStatus,
    RecordOrigin,
    RectificationStatus,
    RegistrationStatus,
    TrainingDomain,
)
from xietong.domain.risk import RiskCode, RiskLevel
from xietong.schema.compat import describe_enum_values
from xietong.schema.labels import term_of

REGISTERED: list[type[Enum]] = []
"""Every enum registered with the schema, in order (what the ``labels`` query lists)."""


def register(enum: type[Enum], description: str) -> None:
    """Register ``enum`` with strawberry, each value described by the glossary."""
    strawberry.enum(enum, description=description)
    describe_enum_values(
        enum, {member.name: term.description for member in enum if (term := term_of(member))}
    )
    REGISTERED.append(enum)


register(Department, "A department sharing data through the hub.")
register(InstitutionCategory, "Subject (学科类) or non-subject (非学科类) training.")
register(TrainingDomain, "What an institution trains in.")
register(LicenseStatus, "The status of a school licence (办学许可证).")
register(RegistrationStatus, "The status of a business registration.")
register(FireAcceptanceStatus, "Fire acceptance or filing of premises (消防验收/备案).")
register(BackgroundCheckStatus, "Public security's check of a staff member.")
register(RectificationStatus, "Whether a rectification notice (整改通知书) was complied with.")
register(RecordOrigin, "Where a record comes from: a department's own system or the hub.")
register(RiskLevel, "How much concern an institution's risk signals raise.")
register(RiskCode, "A risk rule, named for what it finds.")
register(CaseKind, "What a joint case is: a notice, a tip-off, a complaint or an inspection.")
register(CaseStatus, "Where a joint case stands.")
register(CaseAction, "What a step of a case's timeline did.")
register(CaseErrorCode, "Why a case mutation was refused.")
register(TipOffCategory, "What a tip-off (举报) reports.")
register(TipOffConcern, "What makes a tip-off an early warning (爆雷): TIP_OFF_ALERT.")
register(TipOffChannel, "How a tip-off or complaint reached the bureau.")
register(MediationOutcome, "How mediating a refund complaint (调解) ended.")
register(InspectionKind, "Routine, special (专项) or joint (联合执法) inspection.")
register(AssignmentReason, "Why a case came to a department's inbox (caseAssigned).")

__all__ = [
    "AssignmentReason",
    "BackgroundCheckStatus",
    "CaseAction",
    "CaseErrorCode",
    "CaseKind",
    "CaseStatus",
    "Department",
    "FireAcceptanceStatus",
    "InspectionKind",
    "InstitutionCategory",
    "LicenseStatus",
    "MediationOutcome",
    "RecordOrigin",
    "RectificationStatus",
    "RegistrationStatus",
    "RiskCode",
    "RiskLevel",
    "TipOffCategory",
    "TipOffChannel",
    "TipOffConcern",
    "TrainingDomain",
]
