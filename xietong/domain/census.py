"""What each department can count of all its institutions at once, for district
statistics (``xietong.statistics``): the facts behind each risk rule, answered by
the department's own query (a GROUP BY, a filtered scan) instead of by loading
every joint record.

Each census states, per credit code, only what its department knows; the
statistics combine them. A census must agree with the rules of
``domain.risk`` applied to the loaded records: ``tests/statistics`` checks it
against a brute-force count over every joint record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from xietong.domain.records import InstitutionCategory, RegistrationStatus, TrainingDomain


@dataclass(frozen=True, slots=True)
class Listed:
    """An institution as the education bureau lists it: what statistics group by."""

    region: str
    category: InstitutionCategory
    domains: tuple[TrainingDomain, ...]


@dataclass(frozen=True, slots=True)
class EducationCensus:
    """The education bureau's counts over the institutions of one region."""

    institutions: Mapping[str, Listed]
    valid_licence: frozenset[str]
    """Licence status VALID, whatever its validity date (REGISTRATION_INACTIVE's test)."""
    licensed: frozenset[str]
    """A VALID licence not past its validity: the complement of LICENSE_INACTIVE."""
    unqualified_teacher: frozenset[str]
    """A subject course taught by no certified member of its own staff."""
    overdue_rectification: frozenset[str]
    """An open rectification notice past its deadline."""
    open_notices: Mapping[str, int]
    """Open rectification notices (整改中), of any deadline, per institution having one."""
    prepaid: frozenset[str]
    """Offering a course with prepaid terms (fees collected in advance)."""


@dataclass(frozen=True, slots=True)
class Registered:
    """A business registration as a scan of the registry lists it."""

    region: str
    status: RegistrationStatus
    business_scope: str
    non_profit: bool
    recent_complaints: int
    """Refund complaints filed on or after the census's ``since``."""
    covers_training: bool
    """The registry's own flag: its scope covers training (what the hunt for unlicensed
    operators scans)."""
    recent_ad_violations: int = 0
    """Advertising violations found on or after the census's ``ads_since`` (0 when it
    was not asked)."""


@dataclass(frozen=True, slots=True)
class MarketCensus:
    registrations: Mapping[str, Registered] = field(default_factory=dict)
    """By credit code: the region's registrations, and those of the codes asked about."""


@dataclass(frozen=True, slots=True)
class EducationSignals:
    """The education bureau's facts behind the risk rules, for many institutions at
    once (``xietong.planner.signals``): each set holds the institutions (of those
    asked) it names."""

    valid_licence: frozenset[str]
    """Licence status VALID, whatever its validity date (REGISTRATION_INACTIVE)."""
    licensed: frozenset[str]
    """A VALID licence not past its validity: the complement of LICENSE_INACTIVE."""
    unqualified_teacher: frozenset[str]
    """A subject course taught by no certified member of its own staff."""
    overdue_rectification: frozenset[str]
    """An open rectification notice of its own inspections, past its deadline."""
    blacklisted: frozenset[str]
    """A blacklist entry holding today, or someone on its roster barred today."""
    prepaid: frozenset[str]
    """Offering a course with prepaid terms (NO_CUSTODY_ACCOUNT)."""
    subject: frozenset[str]
    """Of category SUBJECT (SCOPE_MISMATCH: subject training is non-profit)."""
    course_domains: Mapping[str, frozenset[TrainingDomain]]
    """The domains its courses are filed under (SCOPE_MISMATCH against the business
    scope), for the institutions having a course."""
    outside_domains: frozenset[str]
    """A course filed under a domain its licence does not approve (SCOPE_MISMATCH)."""


@dataclass(frozen=True, slots=True)
class MarketSignals:
    """The registrations (of all, or of those asked) that market supervision's facts
    flag for the risk rules, each found by the registry's own filtered scan."""

    inactive: frozenset[str]
    """Status other than ACTIVE (REGISTRATION_INACTIVE, with a valid school licence)."""
    complaint_surge: frozenset[str]
    """At least ``COMPLAINT_SURGE_COUNT`` refund complaints in the window."""
    ad_violation: frozenset[str]
    """An advertising violation found in the window."""
