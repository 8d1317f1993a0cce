"""What statistics answer: counts per group and for the whole region."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.domain.risk import RiskCode, RiskLevel


class StatisticsGroupBy(StrEnum):
    DISTRICT = "DISTRICT"
    """By the institution's region code (区县)."""
    DOMAIN = "DOMAIN"
    """By training domain; an institution training in two counts in both."""
    CATEGORY = "CATEGORY"
    """Subject or non-subject."""


class Measure(StrEnum):
    """What can be counted; each is computed only when asked for and readable."""

    INSTITUTIONS = "INSTITUTIONS"
    LICENSED = "LICENSED"
    UNLICENSED_LEADS = "UNLICENSED_LEADS"
    RISK_LEVELS = "RISK_LEVELS"
    SIGNALS = "SIGNALS"
    CUSTODY = "CUSTODY"
    OPEN_RECTIFICATIONS = "OPEN_RECTIFICATIONS"
    COMPLAINTS = "COMPLAINTS"


@dataclass(slots=True)
class Counts:
    """One group's counts (or the region's); None where not asked for or unavailable."""

    key: str
    institutions: int = 0
    licensed: int | None = None
    unlicensed_leads: int | None = None
    risk_levels: dict[RiskLevel, int] | None = None
    signals: dict[RiskCode, int] | None = None
    prepaid_institutions: int | None = None
    custody_supervised: int | None = None
    open_rectifications: int | None = None
    complaints_last_90_days: int | None = None

    @property
    def custody_supervision_rate(self) -> float | None:
        """Share of the institutions taking prepaid fees that hold a custody account;
        None when none takes any."""
        if not self.prepaid_institutions or self.custody_supervised is None:
            return None
        return self.custody_supervised / self.prepaid_institutions


@dataclass(frozen=True, slots=True)
class RegionStatistics:
    region: str
    group_by: StatisticsGroupBy
    as_of: date
    """The day the rules were judged on (the hub's today)."""
    total: Counts
    groups: list[Counts]
    unavailable: Mapping[Measure, SourceUnavailableError] = field(default_factory=dict)
    """Measures a department needed for did not answer: their counts are None."""
