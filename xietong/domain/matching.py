"""Conditions a department can be asked to find institutions by (``match``), in the
hub's canonical words; each adapter turns them into its source's own query.

A condition's ``accepts`` is what it means on a canonical record, and the final
word: a source's native query may find a few more (a ratio rounded up to what its
API takes), and the adapter keeps only the records ``accepts``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import Enum

from xietong.domain.departments import Department
from xietong.domain.records import (
    BusinessRegistration,
    CustodyStatus,
    FireAcceptanceStatus,
    FireSafetyRecord,
    FundSupervision,
    InstitutionCategory,
    LicenseStatus,
    RegistrationStatus,
    TrainingDomain,
)

MAX_COMPLAINTS = 100_000
"""No institution has more complaints on record: a larger ``min_complaints`` is a
mistake, refused before any department is asked."""
MAX_TEXT = 100
"""The longest text a name, address or person condition takes."""
MAX_COVERAGE_RATIO = 100.0
"""The largest coverage ratio a bank's scan takes (the custody API's own cap)."""


@dataclass(frozen=True, slots=True)
class InstitutionCriteria:
    """The education bureau's conditions; an absent one holds for every institution."""

    region_prefix: str = ""
    """Codes starting with this (``"4102"`` is Kaifeng, ``""`` the nation)."""
    category: InstitutionCategory | None = None
    domain: TrainingDomain | None = None
    """One of the institution's training domains."""
    supervisor: Department | None = None
    """One of its competent departments."""
    license_statuses: frozenset[LicenseStatus] = frozenset()
    """Its school licence has one of these statuses (no licence: never)."""
    name_contains: str | None = None
    """Its name contains this text (a Chinese substring: ``"启航"``)."""
    address_contains: str | None = None
    """Its address (办学地址) contains this text."""
    blacklisted: bool | None = None
    """True: a blacklist entry holds on ``today``; False: none does."""
    today: date | None = None
    """The day ``blacklisted`` is judged on (given with it)."""

    @property
    def beyond_region(self) -> bool:
        """Whether anything but the region is asked."""
        return self != InstitutionCriteria(self.region_prefix)

    def accepts_text(self, name: str, address: str) -> bool:
        """The substring conditions, on the values themselves (exact and case-sensitive,
        which a database's LIKE is not everywhere)."""
        if self.name_contains is not None and self.name_contains not in name:
            return False
        return self.address_contains is None or self.address_contains in address


@dataclass(frozen=True, slots=True)
class RegistrationCriteria:
    """Market supervision's conditions on a business registration."""

    statuses: frozenset[RegistrationStatus] = frozenset()
    """Empty: any status."""
    min_complaints: int = 0
    """At least this many refund complaints on record (all of them, of any date)."""
    legal_representative: str | None = None
    """The legal representative (法定代表人) is this person, by name exactly."""

    def accepts(self, registration: BusinessRegistration) -> bool:
        if self.statuses and registration.status not in self.statuses:
            return False
        wanted = self.legal_representative
        if wanted is not None and registration.legal_representative != wanted:
            return False
        return len(registration.complaints) >= self.min_complaints


@dataclass(frozen=True, slots=True)
class AcceptanceCriteria:
    """Fire safety's condition: the institution's acceptance, as of ``today``."""

    statuses: frozenset[FireAcceptanceStatus]
    today: date

    def accepts(self, record: FireSafetyRecord) -> bool:
        return record.acceptance_on(self.today) in self.statuses


@dataclass(frozen=True, slots=True)
class CoverageCriteria:
    """Finance's condition: the custody coverage ratio (balance ÷ outstanding prepaid,
    as ``FundSupervision.coverage_ratio`` has it) is below ``below``. An account with
    nothing outstanding has no ratio and is never below; no account, never."""

    below: float

    def accepts(self, funds: FundSupervision) -> bool:
        ratio = funds.coverage_ratio
        return ratio is not None and ratio < self.below

    @property
    def basis_points(self) -> int:
        """``below`` in basis points, rounded up and one more, so that a source comparing
        in basis points finds every account ``accepts`` (and perhaps a few more)."""
        return min(math.ceil(self.below * 10_000) + 1, int(MAX_COVERAGE_RATIO * 10_000))


class CustodyState(Enum):
    """A custody account's state as a filter names it, or NONE: no account at any bank."""

    NONE = "NONE"
    NORMAL = "NORMAL"
    FROZEN = "FROZEN"
    CLOSED = "CLOSED"

    def status(self) -> CustodyStatus | None:
        return None if self is CustodyState.NONE else CustodyStatus(self.value)
