"""An ``InstitutionFilter`` in the hub's canonical words, and what each department
is asked for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from xietong.domain.departments import Department
from xietong.domain.matching import (
    AcceptanceCriteria,
    CoverageCriteria,
    InstitutionCriteria,
    RegistrationCriteria,
)
from xietong.domain.records import (
    CustodyStatus,
    FireAcceptanceStatus,
    InstitutionCategory,
    LicenseStatus,
    RegistrationStatus,
    TrainingDomain,
)
from xietong.domain.risk import RiskCode, RiskLevel


@dataclass(frozen=True, slots=True)
class FilterCriteria:
    """Every predicate of DESIGN §6's ``InstitutionFilter``; all must hold. An absent
    predicate (None, or an empty set of statuses) holds for every institution.

    ``region`` is checked against the principal's scope before planning, and the
    validity of values (a ratio above 0, a count not below 0) at the edge.
    """

    region: str | None = None
    category: InstitutionCategory | None = None
    domain: TrainingDomain | None = None
    supervisor: Department | None = None
    license_statuses: frozenset[LicenseStatus] = frozenset()
    registration_statuses: frozenset[RegistrationStatus] = frozenset()
    fire_acceptance: frozenset[FireAcceptanceStatus] = frozenset()
    """As of the hub's ``today``: a passed or filed acceptance past its validity is EXPIRED."""
    coverage_below: float | None = None
    """Custody balance ÷ outstanding prepaid below this; nothing outstanding, or no
    custody account, is never below."""
    has_unchecked_or_flagged_staff: bool | None = None
    """True: someone on the roster has a record, a pending check or none at all (the
    UNCHECKED_OR_FLAGGED_STAFF rule); False: nobody does (an empty roster included)."""
    min_complaints: int | None = None
    """At least this many refund complaints on record, of any date (``Institution.
    complaints``); the 90-day surge is what ``riskAtLeast`` sees."""
    risk_at_least: RiskLevel | None = None
    risk_signals: frozenset[RiskCode] = frozenset()
    """Its risk assessment raises at least one of these signals."""
    name_contains: str | None = None
    """The education bureau's name of the institution contains this."""
    legal_representative: str | None = None
    """Market supervision's legal representative is this person (by name, exactly)."""
    address: str | None = None
    """The education bureau's address (办学地址) of the institution contains this."""
    blacklisted: bool | None = None
    """True: a blacklist entry of the institution holds today; False: none does."""
    custody: frozenset[CustodyStatus | None] = frozenset()
    """The custody account is in one of these states; None stands for NONE (at no bank)."""
    prepaid_cap_exceeded: bool | None = None
    """True: an order (not refunded) bought more lessons than may be prepaid (the
    PREPAID_CAP_EXCEEDED rule); False: none did."""

    @property
    def only_region(self) -> bool:
        """Nothing asked beyond a region: the plain list answers it."""
        return self == FilterCriteria(region=self.region)

    def institution(self, region_prefix: str, today: date) -> InstitutionCriteria:
        return InstitutionCriteria(
            region_prefix=region_prefix,
            category=self.category,
            domain=self.domain,
            supervisor=self.supervisor,
            license_statuses=self.license_statuses,
            name_contains=self.name_contains,
            address_contains=self.address,
            blacklisted=self.blacklisted,
            today=today if self.blacklisted is not None else None,
        )

    def registration(self) -> RegistrationCriteria | None:
        wanted = (self.registration_statuses, self.min_complaints, self.legal_representative)
        if not any(wanted):
            return None
        return RegistrationCriteria(
            self.registration_statuses, self.min_complaints or 0, self.legal_representative
        )

    def acceptance(self, today: date) -> AcceptanceCriteria | None:
        return AcceptanceCriteria(self.fire_acceptance, today) if self.fire_acceptance else None

    def coverage(self) -> CoverageCriteria | None:
        return None if self.coverage_below is None else CoverageCriteria(self.coverage_below)

    def risk(self) -> RiskLevel | None:
        """The least level asked for; LOW holds for everyone, so it asks nothing."""
        if self.risk_at_least is None or self.risk_at_least is RiskLevel.LOW:
            return None
        return self.risk_at_least

    @property
    def asks_risk(self) -> bool:
        """Whether the risk rules must be judged (a level above LOW, or signals)."""
        return self.risk() is not None or bool(self.risk_signals)
