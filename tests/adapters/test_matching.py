"""``match``, over every kind of source: the institutions a department finds by its own
query are exactly those whose canonical record meets the condition, whether it
scans or looks up given candidates. Public security has no ``match`` at all."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest

from tests.adapters.cases import CASES, Adapter, AdapterCase
from tests.adapters.support import UNKNOWN_CREDIT_CODE, FakeClock, open_source
from xietong.adapters.config import SourceConfig
from xietong.adapters.public_security import HttpPublicSecurityAdapter
from xietong.domain.departments import Department
from xietong.domain.matching import (
    AcceptanceCriteria,
    CoverageCriteria,
    InstitutionCriteria,
    RegistrationCriteria,
)
from xietong.domain.records import (
    FireAcceptanceStatus,
    Institution,
    InstitutionCategory,
    LicenseStatus,
    RegistrationStatus,
    TrainingDomain,
)
from xietong.sandbox.reference import REFERENCE_DATE

FIRE = FireAcceptanceStatus


def _institution_meets(criteria: InstitutionCriteria, record: Institution) -> bool:
    licence = record.license
    return (
        record.region.startswith(criteria.region_prefix)
        and criteria.category in (None, record.category)
        and (criteria.domain is None or criteria.domain in record.domains)
        and (criteria.supervisor is None or criteria.supervisor in record.supervisors)
        and (
            not criteria.license_statuses
            or (licence is not None and licence.status in criteria.license_statuses)
        )
        and (criteria.name_contains is None or criteria.name_contains in record.name)
        and (criteria.address_contains is None or criteria.address_contains in record.address)
        and (
            criteria.blacklisted is None
            or criteria.blacklisted
            is any(e.until is None or e.until > REFERENCE_DATE for e in record.blacklist)
        )
    )


CONDITIONS: dict[Department, list[Any]] = {
    Department.EDUCATION: [
        InstitutionCriteria(),
        InstitutionCriteria("4102"),
        InstitutionCriteria("410202", category=InstitutionCategory.SUBJECT),
        InstitutionCriteria(domain=TrainingDomain.SPORTS, supervisor=Department.SPORTS),
        InstitutionCriteria(
            license_statuses=frozenset(
                {LicenseStatus.SUSPENDED, LicenseStatus.REVOKED, LicenseStatus.EXPIRED}
            )
        ),
        InstitutionCriteria(supervisor=Department.FINANCE),
        InstitutionCriteria(name_contains="启航"),
        InstitutionCriteria("4102", name_contains="艺术", address_contains="路"),
        InstitutionCriteria(name_contains="100%_\\"),  # LIKE's own characters, literally
        InstitutionCriteria(blacklisted=True, today=REFERENCE_DATE),
        InstitutionCriteria(
            category=InstitutionCategory.NON_SUBJECT, blacklisted=False, today=REFERENCE_DATE
        ),
    ],
    Department.FIRE_SAFETY: [
        *(AcceptanceCriteria(frozenset({status}), REFERENCE_DATE) for status in FIRE),
        AcceptanceCriteria(frozenset(set(FIRE) - {FIRE.PASSED}), REFERENCE_DATE),
    ],
    Department.FINANCE: [CoverageCriteria(ratio) for ratio in (0.5, 1.0, 1.37, 100.0)],
    Department.MARKET_SUPERVISION: [
        RegistrationCriteria(frozenset({RegistrationStatus.ACTIVE})),
        RegistrationCriteria(frozenset({RegistrationStatus.REVOKED, RegistrationStatus.CANCELLED})),
        RegistrationCriteria(min_complaints=3),
        RegistrationCriteria(frozenset({RegistrationStatus.ACTIVE}), min_complaints=1),
        RegistrationCriteria(legal_representative="无此人"),
    ],
}
MATCHING = [case for case in CASES if case.department in CONDITIONS]


def _meets(condition: Any) -> Callable[[Any], bool]:
    if isinstance(condition, InstitutionCriteria):
        return lambda record: _institution_meets(condition, record)
    meets: Callable[[Any], bool] = condition.accepts
    return meets


@pytest.fixture(params=MATCHING, ids=[case.id for case in MATCHING])
def case(request: pytest.FixtureRequest) -> AdapterCase:
    chosen: AdapterCase = request.param
    return chosen


@pytest.fixture
async def adapter(
    case: AdapterCase, sandbox_sources: dict[str, SourceConfig], request: pytest.FixtureRequest
) -> AsyncIterator[Adapter]:
    config = sandbox_sources[case.source_format]
    if case.backend == "postgresql":
        config = replace(config, url=request.getfixturevalue("postgres_departments"))
    source = open_source(config)
    try:
        yield case.make(source, FakeClock())
    finally:
        await source.close()


async def test_match_finds_exactly_the_records_that_meet_the_condition(
    case: AdapterCase, adapter: Adapter, native: sqlite3.Connection
) -> None:
    held = sorted({key for (key,) in native.execute(case.held_keys)})
    records = await adapter.load(held)
    # A few candidates: some that meet each condition, some not, one nobody holds.
    candidates = [*held[::3], UNKNOWN_CREDIT_CODE]

    sizes = []
    conditions = list(CONDITIONS[case.department])
    if case.department is Department.MARKET_SUPERVISION:
        someone = next(iter(records.values())).legal_representative
        conditions.append(RegistrationCriteria(legal_representative=someone))
    for condition in conditions:
        meets = _meets(condition)
        expected = {code for code, record in records.items() if meets(record)}
        scanned = await adapter.match(condition)  # type: ignore[attr-defined]
        among = await adapter.match(condition, among=candidates)  # type: ignore[attr-defined]

        assert scanned == expected, condition
        assert among == expected & set(candidates), condition
        sizes.append(len(scanned))
    assert any(0 < size < len(held) for size in sizes), "no condition splits the records"


def test_public_security_cannot_be_asked_to_match() -> None:
    assert not hasattr(HttpPublicSecurityAdapter, "match")
