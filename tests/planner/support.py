"""Helpers of the planner tests: the brute-force answer to a filter, and walking the
pages of a filtered ``institutions``.

The brute force loads every institution's joint record through the adapters and
evaluates each predicate in Python, written here from the contract (DESIGN §6 and
the ``InstitutionFilter`` descriptions), not from the planner's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tests.support.harness import HubHarness
from xietong.adapters.catalog import AdapterCatalog
from xietong.domain.records import BackgroundCheckStatus, FireAcceptanceStatus
from xietong.domain.risk import JointRecord, RiskLevel, assess
from xietong.kernel.identifiers import region_prefix

FILTERED = """
query Filtered($filter: InstitutionFilter, $first: Int!, $after: String) {
  institutions(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { creditCode } }
  }
}
"""
AUDITOR = "demo-auditor"
"""Region 410200 (Kaifeng); may read every field a filter tests, with a purpose."""


@dataclass(frozen=True, slots=True)
class Walk:
    codes: list[str]
    totals: list[int]
    pages: int


async def walk(
    harness: HubHarness, filter_: dict[str, Any], *, first: int = 500, client: str = AUDITOR
) -> Walk:
    """Every page of the filtered list, following ``endCursor``."""
    codes: list[str] = []
    totals: list[int] = []
    after = None
    while True:
        body = (
            await harness.graphql(
                client, FILTERED, {"filter": filter_, "first": first, "after": after}
            )
        ).json()
        assert "errors" not in body, body["errors"]
        connection = body["data"]["institutions"]
        codes += [edge["node"]["creditCode"] for edge in connection["edges"]]
        totals.append(connection["totalCount"])
        if not connection["pageInfo"]["hasNextPage"]:
            return Walk(codes, totals, len(totals))
        after = connection["pageInfo"]["endCursor"]


async def every_joint_record(adapters: AdapterCatalog, today: date) -> list[JointRecord]:
    """The joint record of every institution the education bureau holds, nationwide."""
    institutions, _total = await adapters.education.page("", None, 100_000)
    codes = [record.credit_code for record in institutions]
    registrations = await adapters.market.load(codes)
    fire = await adapters.fire_safety.load(codes)
    funds = await adapters.finance.load(codes)
    checks = await adapters.public_security.load(
        [member.id_number for record in institutions for member in record.staff]
    )
    return [
        JointRecord(
            institution=record,
            registration=registrations.get(record.credit_code),
            fire_safety=fire.get(record.credit_code),
            funds=funds.get(record.credit_code),
            background_checks=checks,
            today=today,
        )
        for record in institutions
    ]


def brute_force(
    records: list[JointRecord], filter_: dict[str, Any], scope: str = "410200"
) -> list[str]:
    """The credit codes, sorted, of the records within ``scope`` meeting ``filter_``."""
    return sorted(
        record.institution.credit_code
        for record in records
        if record.institution.region.startswith(region_prefix(scope))
        and all(_holds(record, name, value) for name, value in filter_.items())
    )


def _holds(record: JointRecord, name: str, value: Any) -> bool:
    institution, registration = record.institution, record.registration
    if value is None or value == []:
        return True
    match name:
        case "region":
            return institution.region.startswith(region_prefix(value))
        case "category":
            return bool(institution.category.value == value)
        case "domain":
            return value in [domain.value for domain in institution.domains]
        case "supervisor":
            return value in [department.value for department in institution.supervisors]
        case "licenseStatus":
            return institution.license is not None and institution.license.status.value in value
        case "registrationStatus":
            return registration is not None and registration.status.value in value
        case "fireAcceptance":
            return record.fire_safety is not None and _acceptance(record) in value
        case "coverageBelow":
            funds = record.funds
            if funds is None or funds.outstanding_prepaid == 0:
                return False
            return float(funds.balance / funds.outstanding_prepaid) < float(value)
        case "hasUncheckedOrFlaggedStaff":
            return _has_unchecked_or_flagged(record) is value
        case "minComplaints":
            return (len(registration.complaints) if registration else 0) >= int(value)
        case "riskAtLeast":
            return assess(record)[0] >= RiskLevel[value]
        case "riskSignals":
            return any(signal.code.value in value for signal in assess(record)[1])
        case "nameContains":
            return str(value).strip() in institution.name
        case "legalRepresentative":
            return registration is not None and registration.legal_representative == value
        case "address":
            return str(value).strip() in institution.address
        case "blacklisted":
            listed = any(
                entry.until is None or entry.until > record.today for entry in institution.blacklist
            )
            return listed is value
        case "custody":
            return (record.funds.status.value if record.funds else "NONE") in value
        case "prepaidCapExceeded":
            return _over_cap(record) is value
    raise AssertionError(f"no brute force for {name}")


_WORST_FIRST = ("FAILED", "NOT_FILED", "EXPIRED", "FILED", "PASSED")
"""The filter's contract: the worst campus decides, in this order."""


def _acceptance(record: JointRecord) -> str:
    fire = record.fire_safety
    assert fire is not None
    statuses = []
    for campus in fire.premises:
        lapsed = (
            campus.acceptance_valid_until is not None
            and campus.acceptance_valid_until < record.today
        )
        if (
            campus.acceptance in (FireAcceptanceStatus.PASSED, FireAcceptanceStatus.FILED)
            and lapsed
        ):
            statuses.append("EXPIRED")
        else:
            statuses.append(campus.acceptance.value)
    assert statuses, "fire safety lists every institution with its campuses"
    return min(statuses, key=_WORST_FIRST.index)


def _has_unchecked_or_flagged(record: JointRecord) -> bool:
    checks = record.background_checks or {}
    for member in record.institution.staff:
        check = checks.get(member.id_number)
        if check is None or check.status is not BackgroundCheckStatus.CLEAR:
            return True
    return False


def _over_cap(record: JointRecord) -> bool:
    """An order, not refunded, of more than 60 lessons or more than its course's terms."""
    if record.funds is None:
        return False
    for order in record.funds.orders:
        limits = [
            course.prepaid_limit_lessons
            for course in record.institution.courses
            if course.name == order.course and course.prepaid_limit_lessons
        ]
        if order.status.value != "REFUNDED" and order.lessons_bought > min([60, *limits]):
            return True
    return False
