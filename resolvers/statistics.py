"""District statistics: the region and what to count, decided from the request; the
counting is ``xietong.statistics``.

A count is computed only when it is selected and the policy lets the reader see it:
each count field of the schema is one ``Measure``, and the policy grants a count
field only to the roles that may read the field it counts (``COUNTED``).
"""

from __future__ import annotations

from functools import partial

from xietong.cases.facts import hub_facts
from xietong.resolvers.context import HubContext
from xietong.statistics.count import count
from xietong.statistics.records import Measure, RegionStatistics, StatisticsGroupBy

MEASURES = {
    "StatisticsGroup.institutions": Measure.INSTITUTIONS,
    "StatisticsGroup.licensed": Measure.LICENSED,
    "StatisticsGroup.unlicensedLeads": Measure.UNLICENSED_LEADS,
    "StatisticsGroup.riskLevels": Measure.RISK_LEVELS,
    "StatisticsGroup.signals": Measure.SIGNALS,
    "StatisticsGroup.prepaidInstitutions": Measure.CUSTODY,
    "StatisticsGroup.custodySupervised": Measure.CUSTODY,
    "StatisticsGroup.custodySupervisionRate": Measure.CUSTODY,
    "StatisticsGroup.openRectifications": Measure.OPEN_RECTIFICATIONS,
    "StatisticsGroup.complaintsLast90Days": Measure.COMPLAINTS,
}
"""Each count field → what it needs counted."""

COUNTED = {
    "StatisticsGroup.institutions": frozenset({"Institution.creditCode"}),
    "StatisticsGroup.licensed": frozenset({"SchoolLicense.status", "SchoolLicense.validUntil"}),
    "StatisticsGroup.unlicensedLeads": frozenset({"Query.unlicensedOperators"}),
    "StatisticsGroup.riskLevels": frozenset({"RiskAssessment.level"}),
    "StatisticsGroup.signals": frozenset({"RiskSignal.code"}),
    "StatisticsGroup.prepaidInstitutions": frozenset({"Course.prepaidLimitMonths"}),
    "StatisticsGroup.custodySupervised": frozenset(
        {"Course.prepaidLimitMonths", "Institution.funds"}
    ),
    "StatisticsGroup.custodySupervisionRate": frozenset(
        {"Course.prepaidLimitMonths", "Institution.funds"}
    ),
    "StatisticsGroup.openRectifications": frozenset({"RectificationNotice.status"}),
    "StatisticsGroup.complaintsLast90Days": frozenset({"Complaint.filedOn"}),
}
"""Each count field → the fields of the joint record whose values it counts: the
policy may grant the count only to roles that may read all of them (a test holds
``auth/policy.toml`` to it)."""

GROUPED_BY = {
    StatisticsGroupBy.DISTRICT: "Institution.region",
    StatisticsGroupBy.DOMAIN: "Institution.domains",
    StatisticsGroupBy.CATEGORY: "Institution.category",
}
"""What each grouping reads of every institution."""


async def statistics(
    context: HubContext, region: str | None, group_by: StatisticsGroupBy
) -> RegionStatistics:
    """Counts within ``region`` (the principal's own when not given; OUT_OF_SCOPE
    outside it), grouped by ``group_by``."""
    scope = context.scope.narrowed(region, argument="region")
    context.require_readable({"groupBy": GROUPED_BY[group_by]})
    selected = context.decisions.read | set(context.decisions.masked)
    wanted = frozenset(
        measure for coordinate, measure in MEASURES.items() if coordinate in selected
    )
    return await count(
        context.hub.adapters,
        region=scope.region,
        region_prefix=scope.prefix,
        group_by=group_by,
        wanted=wanted,
        today=context.hub.today(),
        hub_facts=partial(hub_facts, context.hub.lookup_engine),
    )
