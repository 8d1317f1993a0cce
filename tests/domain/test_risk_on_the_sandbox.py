"""Every risk rule against the sandbox's own tables, by brute force: the institutions
each signal fires for are exactly those the native data shows the anomaly for
(``tests.sandbox.native.ANOMALY_QUERIES``, written in the sources' own columns)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from tests.planner.support import every_joint_record
from tests.sandbox.native import ANOMALY_QUERIES, codes, open_native
from tests.support.harness import HubHarness, SandboxWorld
from xietong.domain.risk import RiskCode, assess
from xietong.sandbox.anomalies import Anomaly
from xietong.sandbox.reference import REFERENCE_DATE

FROM_THE_HUB = frozenset({RiskCode.TIP_OFF_ALERT})
"""Signals only the hub's own cases raise (an open alarming tip-off): no department's
table shows them, so the sandbox plants none (``tests/schema/test_cases.py`` has them)."""


@pytest.fixture
def native(world: SandboxWorld) -> Iterator[sqlite3.Connection]:
    connection = open_native(world.data_dir)
    yield connection
    connection.close()


async def test_each_signal_fires_exactly_where_the_sources_show_its_anomaly(
    sqlite_harness: HubHarness, native: sqlite3.Connection
) -> None:
    records = await every_joint_record(sqlite_harness.hub.adapters, REFERENCE_DATE)
    institutions = {record.institution.credit_code for record in records}
    fired: dict[RiskCode, set[str]] = {code: set() for code in RiskCode}
    for record in records:
        for signal in assess(record)[1]:
            fired[signal.code].add(record.institution.credit_code)

    from_sources = set(RiskCode) - FROM_THE_HUB
    assert {code.value for code in from_sources} == set(Anomaly), "a rule without an anomaly"
    for code in from_sources:
        shown = codes(native, ANOMALY_QUERIES[Anomaly(code.value)]) & institutions
        assert shown, code  # the seed plants every kind
        assert fired[code] == shown, code
    for code in FROM_THE_HUB:
        assert not fired[code], code  # the departments' records alone never raise it


async def test_the_new_signals_name_what_the_record_holds(
    sqlite_harness: HubHarness, native: sqlite3.Connection
) -> None:
    """A course outside the approved domains is named; a second campus's fault is
    named with its campus; a barred head is counted."""
    records = await every_joint_record(sqlite_harness.hub.adapters, REFERENCE_DATE)
    by_code = {record.institution.credit_code: record for record in records}
    (code, course) = native.execute(
        "SELECT k.tyshxydm, k.kcmc FROM edu.kc k WHERE k.pxly NOT IN"
        " (SELECT pxly FROM edu.jg_pxly p WHERE p.tyshxydm = k.tyshxydm) LIMIT 1"
    ).fetchone()
    (scope,) = [s for s in assess(by_code[code])[1] if s.code is RiskCode.SCOPE_MISMATCH]
    assert f"course {course} (ACADEMIC) is outside the licence's approved domains" in scope.detail

    second = native.execute(
        "SELECT tyshxydm, csmc FROM fire.xf_cs c WHERE csmc LIKE '%分校区'"
        " AND ysbazt IN ('3', '4') LIMIT 1"
    ).fetchone()
    if second is not None:
        (fire,) = [
            s for s in assess(by_code[second[0]])[1] if s.code is RiskCode.FIRE_NON_COMPLIANT
        ]
        assert fire.detail.startswith(second[1])

    (barred,) = native.execute(
        "SELECT j.tyshxydm FROM edu.jzg j JOIN edu.cyjz USING (sfzh) LIMIT 1"
    ).fetchone()
    (listed,) = [s for s in assess(by_code[barred])[1] if s.code is RiskCode.BLACKLISTED]
    assert "1 staff barred from the industry" in listed.detail
