"""Enums shared across the schema: the hub's own enums, registered with strawberry
so that resolvers and schema share one type (names are fixed, DESIGN §6)."""

import strawberry

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

for enum in (
    Department,
    InstitutionCategory,
    TrainingDomain,
    LicenseStatus,
    RegistrationStatus,
    FireAcceptanceStatus,
    BackgroundCheckStatus,
    RectificationStatus,
    RecordOrigin,
    RiskLevel,
    RiskCode,
):
    strawberry.enum(enum)

__all__ = [
    "BackgroundCheckStatus",
    "Department",
    "FireAcceptanceStatus",
    "InstitutionCategory",
    "LicenseStatus",
    "RecordOrigin",
    "RectificationStatus",
    "RegistrationStatus",
    "RiskCode",
    "RiskLevel",
    "TrainingDomain",
]
