"""``statistics(region:, groupBy:)``: counts over a region's institutions, for a
district's dashboard. Each count is null, with FORBIDDEN, for a role that may not read
the field it counts; null with SOURCE_UNAVAILABLE when a department it needs is down.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import strawberry

from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.domain.records import InstitutionCategory, TrainingDomain
from xietong.resolvers import statistics as resolve
from xietong.resolvers.context import HubInfo
from xietong.schema.enums import RiskCode, RiskLevel, register
from xietong.schema.labels import label_of
from xietong.schema.scalars import RegionCode
from xietong.statistics.records import Counts, Measure, RegionStatistics, StatisticsGroupBy

register(StatisticsGroupBy, "How statistics group a region's institutions.")


@strawberry.type(description="How many institutions are at one risk level.")
class RiskLevelCount:
    level: RiskLevel = strawberry.field(description="The level.")
    label: str = strawberry.field(description="Its Chinese label.")
    count: int = strawberry.field(description="Institutions at this level.")


@strawberry.type(description="How many institutions raise one risk signal.")
class RiskSignalCount:
    code: RiskCode = strawberry.field(description="The signal.")
    label: str = strawberry.field(description="Its Chinese label.")
    count: int = strawberry.field(description="Institutions raising it.")


@strawberry.type(description="Counts for one group of institutions, or the whole region.")
class StatisticsGroup:
    counts: strawberry.Private[Counts]
    unavailable: strawberry.Private[Mapping[Measure, SourceUnavailableError]]
    key: str = strawberry.field(
        description="The region code, training domain or category of the group; empty for "
        "the whole region."
    )
    label: str = strawberry.field(
        description="The domain's or category's Chinese label; the region code for a district."
    )

    def _available(self, measure: Measure) -> None:
        """SOURCE_UNAVAILABLE at this field when a department the count needs is down."""
        error = self.unavailable.get(measure)
        if error is not None:
            raise error

    @strawberry.field(description="Institutions the education bureau lists.")
    def institutions(self) -> int:
        return self.counts.institutions

    @strawberry.field(description="Holding a valid school licence, not past its validity.")
    def licensed(self) -> int | None:
        self._available(Measure.LICENSED)
        return self.counts.licensed

    @strawberry.field(
        description="Registrations whose scope covers training without an education licence "
        "(as unlicensedOperators lists them); by the registration's district, null for a "
        "domain or category."
    )
    def unlicensed_leads(self) -> int | None:
        self._available(Measure.UNLICENSED_LEADS)
        return self.counts.unlicensed_leads

    @strawberry.field(description="Institutions at each risk level, as Institution.risk judges.")
    def risk_levels(self) -> list[RiskLevelCount] | None:
        self._available(Measure.RISK_LEVELS)
        levels = self.counts.risk_levels
        if levels is None:
            return None
        return [
            RiskLevelCount(level=level, label=label_of(level), count=count)
            for level, count in levels.items()
        ]

    @strawberry.field(description="Institutions raising each risk signal.")
    def signals(self) -> list[RiskSignalCount] | None:
        self._available(Measure.SIGNALS)
        signals = self.counts.signals
        if signals is None:
            return None
        return [
            RiskSignalCount(code=code, label=label_of(code), count=count)
            for code, count in signals.items()
        ]

    @strawberry.field(description="Institutions offering a course paid in advance.")
    def prepaid_institutions(self) -> int | None:
        self._available(Measure.CUSTODY)
        return self.counts.prepaid_institutions

    @strawberry.field(
        description="Of those, the institutions holding a custody account (资金监管账户)."
    )
    def custody_supervised(self) -> int | None:
        self._available(Measure.CUSTODY)
        return self.counts.custody_supervised

    @strawberry.field(
        description="custodySupervised ÷ prepaidInstitutions; null when none takes prepaid fees."
    )
    def custody_supervision_rate(self) -> float | None:
        self._available(Measure.CUSTODY)
        return self.counts.custody_supervision_rate

    @strawberry.field(description="Rectification notices still open (整改中), of any deadline.")
    def open_rectifications(self) -> int | None:
        self._available(Measure.OPEN_RECTIFICATIONS)
        return self.counts.open_rectifications

    @strawberry.field(
        description="Refund complaints filed at market supervision in the last 90 days."
    )
    def complaints_last90_days(self) -> int | None:
        self._available(Measure.COMPLAINTS)
        return self.counts.complaints_last_90_days


@strawberry.type(description="Counts over a region's institutions, in total and by group.")
class Statistics:
    region: RegionCode = strawberry.field(description="The region counted.")
    group_by: StatisticsGroupBy = strawberry.field(description="How the groups are formed.")
    as_of: date = strawberry.field(description="The day the risk rules were judged on.")
    total: StatisticsGroup = strawberry.field(description="The whole region.")
    groups: list[StatisticsGroup] = strawberry.field(
        description="One per district present, per training domain, or per category."
    )

    @classmethod
    def of(cls, found: RegionStatistics) -> Statistics:
        def group(counts: Counts) -> StatisticsGroup:
            return StatisticsGroup(
                counts=counts,
                unavailable=found.unavailable,
                key=counts.key,
                label=_label(found.group_by, counts.key),
            )

        return cls(
            region=RegionCode(found.region),
            group_by=found.group_by,
            as_of=found.as_of,
            total=group(found.total),
            groups=[group(counts) for counts in found.groups],
        )


def _label(group_by: StatisticsGroupBy, key: str) -> str:
    if not key:
        return "合计"
    if group_by is StatisticsGroupBy.DOMAIN:
        return label_of(TrainingDomain(key))
    if group_by is StatisticsGroupBy.CATEGORY:
        return label_of(InstitutionCategory(key))
    return key


@strawberry.type
class StatisticsQuery:
    @strawberry.field(
        description="Counts over the institutions of a region (the caller's own when not "
        "given), grouped by district, training domain or category; from each department's "
        "own aggregates."
    )
    async def statistics(
        self,
        info: HubInfo,
        region: RegionCode | None = None,
        group_by: StatisticsGroupBy = StatisticsGroupBy.DISTRICT,
    ) -> Statistics | None:
        return Statistics.of(await resolve.statistics(info.context, region, group_by))
