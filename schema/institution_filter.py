"""``InstitutionFilter``: cross-department conditions on institutions (DESIGN §6).

Each predicate tests one field of the joint record, and a principal may filter only
on what it may read (``FIELDS_TESTED``, decided by the policy like a selection).
"""

from __future__ import annotations

import math

import strawberry

from xietong.domain.matching import MAX_COMPLAINTS, MAX_COVERAGE_RATIO, MAX_TEXT, CustodyState
from xietong.kernel.errors import CodedError, ErrorCode
from xietong.planner import FilterCriteria
from xietong.schema.enums import (
    Department,
    FireAcceptanceStatus,
    InstitutionCategory,
    LicenseStatus,
    RegistrationStatus,
    RiskCode,
    RiskLevel,
    TrainingDomain,
    register,
)
from xietong.schema.scalars import RegionCode

FIELDS_TESTED = {
    "region": "Institution.region",
    "category": "Institution.category",
    "domain": "Institution.domains",
    "supervisor": "Institution.supervisors",
    "licenseStatus": "SchoolLicense.status",
    "registrationStatus": "BusinessRegistration.status",
    "fireAcceptance": "FireSafetyRecord.acceptance",
    "coverageBelow": "FundSupervision.coverageRatio",
    "hasUncheckedOrFlaggedStaff": "BackgroundCheck.status",
    "minComplaints": "Institution.complaints",
    "riskAtLeast": "RiskAssessment.level",
    # A signal's code is for every reader of risk (DESIGN §8): filtering on it tells
    # no more than `risk { signals { code } }`, whichever department holds the facts.
    "riskSignals": "RiskSignal.code",
    "nameContains": "Institution.name",
    "legalRepresentative": "BusinessRegistration.legalRepresentative",
    "address": "Institution.address",
    "blacklisted": "Institution.blacklist",
    "custody": "FundSupervision.status",
    "prepaidCapExceeded": "PrepaidOrder.lessonsBought",
}
"""Predicate → the field of the joint record it tests."""


register(CustodyState, "A custody account's state, or NONE: no account at any bank.")


@strawberry.input(
    description="Conditions on institutions across departments; all must hold. A condition "
    "left out, or an empty list, holds for every institution."
)
class InstitutionFilter:
    region: RegionCode | None = strawberry.field(
        default=None, description="Within this region; it must lie within the caller's own."
    )
    category: InstitutionCategory | None = strawberry.field(
        default=None, description="Subject or non-subject."
    )
    domain: TrainingDomain | None = strawberry.field(
        default=None, description="One of its training domains."
    )
    supervisor: Department | None = strawberry.field(
        default=None, description="One of its competent departments."
    )
    license_status: list[LicenseStatus] | None = strawberry.field(
        default=None, description="Its school licence has one of these (no licence: never)."
    )
    registration_status: list[RegistrationStatus] | None = strawberry.field(
        default=None, description="Its business registration has one of these (none: never)."
    )
    fire_acceptance: list[FireAcceptanceStatus] | None = strawberry.field(
        default=None,
        description="Its fire acceptance as the joint record shows it today (EXPIRED: passed "
        "or filed, past its validity); no fire record: never.",
    )
    coverage_below: float | None = strawberry.field(
        default=None,
        description="Custody balance ÷ outstanding prepaid fees below this ratio (above 0, at "
        "most 100). Nothing outstanding has no ratio and is never below; no custody account, "
        "never.",
    )
    has_unchecked_or_flagged_staff: bool | None = strawberry.field(
        default=None,
        description="true: someone on its staff has a record found, a pending check or none; "
        "false: nobody does.",
    )
    min_complaints: int | None = strawberry.field(
        default=None,
        description="At least this many refund complaints on record, of any date (as "
        "Institution.complaints lists them); the 90-day surge is a risk signal.",
    )
    risk_at_least: RiskLevel | None = strawberry.field(
        default=None, description="Its risk assessment is this level or higher."
    )
    risk_signals: list[RiskCode] | None = strawberry.field(
        default=None,
        description="Its risk assessment raises at least one of these signals (风险信号), "
        "as Institution.risk shows them today, e.g. [FUND_SHORTFALL, FIRE_NON_COMPLIANT].",
    )
    name_contains: str | None = strawberry.field(
        default=None,
        description="Its name (as the education bureau registered it) contains this text "
        "(spaces around it ignored; case as given): `启航` finds 开封市龙亭区启航培训学校. "
        "At most 100 characters.",
    )
    legal_representative: str | None = strawberry.field(
        default=None,
        description="Its legal representative (法定代表人, market supervision's registration) "
        "is this person, by full name.",
    )
    address: str | None = strawberry.field(
        default=None,
        description="Its address (办学地址, the education bureau's) contains this text, e.g. "
        "`中山路`.",
    )
    blacklisted: bool | None = strawberry.field(
        default=None,
        description="true: a blacklist entry of the institution holds today; false: none "
        "does. (People barred from the industry show in risk as BLACKLISTED, not here.)",
    )
    custody: list[CustodyState] | None = strawberry.field(
        default=None,
        description="Its custody account is in one of these states (NONE: it has none).",
    )
    prepaid_cap_exceeded: bool | None = strawberry.field(
        default=None,
        description="true: an order (not refunded) prepaid more than 60 lessons or more than "
        "its course's prepaid terms; false: none did.",
    )

    def given(self) -> dict[str, str]:
        """The predicates given, as ``filter.<name>`` → the field each tests."""
        values = {
            "region": self.region,
            "category": self.category,
            "domain": self.domain,
            "supervisor": self.supervisor,
            "licenseStatus": self.license_status,
            "registrationStatus": self.registration_status,
            "fireAcceptance": self.fire_acceptance,
            "coverageBelow": self.coverage_below,
            "hasUncheckedOrFlaggedStaff": self.has_unchecked_or_flagged_staff,
            "minComplaints": self.min_complaints,
            "riskAtLeast": self.risk_at_least,
            "riskSignals": self.risk_signals,
            "nameContains": self.name_contains,
            "legalRepresentative": self.legal_representative,
            "address": self.address,
            "blacklisted": self.blacklisted,
            "custody": self.custody,
            "prepaidCapExceeded": self.prepaid_cap_exceeded,
        }
        return {
            f"filter.{name}": FIELDS_TESTED[name]
            for name, value in values.items()
            if value is not None
        }

    def criteria(self) -> FilterCriteria:
        """The filter in the planner's terms; a value out of range is BAD_USER_INPUT."""
        below = self.coverage_below
        if below is not None and not (math.isfinite(below) and 0 < below <= MAX_COVERAGE_RATIO):
            raise _bad(
                "filter.coverageBelow", f"must be above 0 and at most {MAX_COVERAGE_RATIO:g}"
            )
        if self.min_complaints is not None and not 0 <= self.min_complaints <= MAX_COMPLAINTS:
            raise _bad("filter.minComplaints", f"must be from 0 to {MAX_COMPLAINTS:,}")
        texts = {
            "nameContains": self.name_contains,
            "legalRepresentative": self.legal_representative,
            "address": self.address,
        }
        for name, text in texts.items():
            if text is not None and not (text.strip() and len(text) <= MAX_TEXT):
                raise _bad(f"filter.{name}", f"must be some text, at most {MAX_TEXT} characters")
        return FilterCriteria(
            region=self.region,
            category=self.category,
            domain=self.domain,
            supervisor=self.supervisor,
            license_statuses=frozenset(self.license_status or ()),
            registration_statuses=frozenset(self.registration_status or ()),
            fire_acceptance=frozenset(self.fire_acceptance or ()),
            coverage_below=below,
            has_unchecked_or_flagged_staff=self.has_unchecked_or_flagged_staff,
            min_complaints=self.min_complaints,
            risk_at_least=self.risk_at_least,
            risk_signals=frozenset(self.risk_signals or ()),
            name_contains=_stripped(self.name_contains),
            legal_representative=_stripped(self.legal_representative),
            address=_stripped(self.address),
            blacklisted=self.blacklisted,
            custody=frozenset(state.status() for state in self.custody or ()),
            prepaid_cap_exceeded=self.prepaid_cap_exceeded,
        )


def _stripped(text: str | None) -> str | None:
    return None if text is None else text.strip()


def _bad(argument: str, reason: str) -> CodedError:
    return CodedError(ErrorCode.BAD_USER_INPUT, f"{argument} {reason}", argument=argument)
