"""The brute-force answer to ``statistics``: every institution's joint record judged in
Python, written from the contract (the field descriptions, DESIGN §6), not from the
counting code."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from tests.support.harness import HubHarness
from xietong.domain.records import LicenseStatus, RectificationStatus
from xietong.domain.risk import JointRecord, RiskCode, RiskLevel, assess
from xietong.kernel.identifiers import region_prefix

GROUP = """
  key label institutions licensed unlicensedLeads
  riskLevels { level label count } signals { code label count }
  prepaidInstitutions custodySupervised custodySupervisionRate
  openRectifications complaintsLast90Days
"""
STATISTICS = (
    "query Statistics($region: RegionCode, $groupBy: StatisticsGroupBy!) {"
    " statistics(region: $region, groupBy: $groupBy) { region groupBy asOf"
    f" total {{ {GROUP} }} groups {{ {GROUP} }} }} }}"
)
LEADS = """
query Leads($region: RegionCode, $after: String) {
  unlicensedOperators(region: $region, first: 500, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { creditCode region } }
  }
}
"""


async def leads(harness: HubHarness, client: str, region: str) -> list[str]:
    """The region of every unlicensed operator, as ``unlicensedOperators`` lists them."""
    regions: list[str] = []
    after = None
    while True:
        body = (await harness.graphql(client, LEADS, {"region": region, "after": after})).json()
        connection = body["data"]["unlicensedOperators"]
        regions += [edge["node"]["region"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return regions
        after = connection["pageInfo"]["endCursor"]


def brute_force(
    records: list[JointRecord], region: str, group_by: str, lead_regions: list[str], today: date
) -> dict[str, Any]:
    """``statistics`` as its descriptions define it, counted record by record."""
    prefix = region_prefix(region)
    groups: dict[str, dict[str, Any]] = {}
    if group_by == "DOMAIN":
        for key in ("ACADEMIC", "SPORTS", "CULTURE_ART", "SCIENCE_TECHNOLOGY"):
            groups[key] = _blank(key, leads=False)
    elif group_by == "CATEGORY":
        for key in ("SUBJECT", "NON_SUBJECT"):
            groups[key] = _blank(key, leads=False)
    total = _blank("", leads=True)
    for record in records:
        institution = record.institution
        if not institution.region.startswith(prefix):
            continue
        if group_by == "DISTRICT":
            keys = [institution.region]
        elif group_by == "DOMAIN":
            keys = sorted({domain.value for domain in institution.domains})
        else:
            keys = [institution.category.value]
        for target in [total, *(groups.setdefault(k, _blank(k, leads=True)) for k in keys)]:
            _add(target, record, today)
    for lead_region in lead_regions:
        total["unlicensedLeads"] += 1
        if group_by == "DISTRICT":
            groups.setdefault(lead_region, _blank(lead_region, leads=True))["unlicensedLeads"] += 1
    ordered = (
        [groups[key] for key in sorted(groups)] if group_by == "DISTRICT" else list(groups.values())
    )
    return {"total": _finished(total), "groups": [_finished(g) for g in ordered]}


def _blank(key: str, *, leads: bool) -> dict[str, Any]:
    return {
        "key": key,
        "institutions": 0,
        "licensed": 0,
        "unlicensedLeads": 0 if leads else None,
        "riskLevels": Counter[str](),
        "signals": Counter[str](),
        "prepaidInstitutions": 0,
        "custodySupervised": 0,
        "openRectifications": 0,
        "complaintsLast90Days": 0,
    }


def _add(target: dict[str, Any], record: JointRecord, today: date) -> None:
    institution, licence = record.institution, record.institution.license
    level, signals = assess(record)
    prepaid = any(
        course.prepaid_limit_months or course.prepaid_limit_lessons
        for course in institution.courses
    )
    since = today - timedelta(days=90)
    target["institutions"] += 1
    target["licensed"] += bool(
        licence is not None
        and licence.status is LicenseStatus.VALID
        and (licence.valid_until is None or licence.valid_until >= today)
    )
    target["riskLevels"][level.name] += 1
    for signal in signals:
        target["signals"][signal.code.value] += 1
    target["prepaidInstitutions"] += prepaid
    target["custodySupervised"] += prepaid and record.funds is not None
    target["openRectifications"] += sum(
        notice.status is RectificationStatus.OPEN
        for inspection in institution.inspections
        for notice in inspection.notices
    ) + sum(notice.status is RectificationStatus.OPEN for notice in record.hub_notices)
    registration = record.registration
    target["complaintsLast90Days"] += (
        sum(complaint.filed_on >= since for complaint in registration.complaints)
        if registration
        else 0
    )


def _finished(counts: dict[str, Any]) -> dict[str, Any]:
    prepaid = counts["prepaidInstitutions"]
    return {
        **counts,
        "riskLevels": {level.name: counts["riskLevels"][level.name] for level in RiskLevel},
        "signals": {code.value: counts["signals"][code.value] for code in RiskCode},
        "custodySupervisionRate": counts["custodySupervised"] / prepaid if prepaid else None,
    }


def answered(group: dict[str, Any]) -> dict[str, Any]:
    """A group of the GraphQL answer in the brute force's shape (labels left out)."""
    shaped = {key: value for key, value in group.items() if key != "label"}
    shaped["riskLevels"] = {entry["level"]: entry["count"] for entry in group["riskLevels"]}
    shaped["signals"] = {entry["code"]: entry["count"] for entry in group["signals"]}
    return shaped
