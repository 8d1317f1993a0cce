"""Fire records as the hub sees them, checked against the fire database's premises,
inspections, hazards and seal-ups."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.adapters.support import day, opened_sql
from xietong.adapters.config import SourceConfig, SourceKind
from xietong.adapters.fire_safety import SqlFireSafetyAdapter
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.domain.departments import Department
from xietong.domain.records import FireAcceptanceStatus, FireSafetyRecord
from xietong.kernel.identifiers import credit_code_check
from xietong.sandbox.schemas import SCHEMAS

ACCEPTANCE = {
    "1": FireAcceptanceStatus.PASSED,
    "2": FireAcceptanceStatus.FILED,
    "3": FireAcceptanceStatus.NOT_FILED,
    "4": FireAcceptanceStatus.FAILED,
}

CODES = [f"9141020{n:010d}" + credit_code_check(f"9141020{n:010d}") for n in (1, 2, 3)]


@pytest.fixture
async def records(
    sandbox_sources: dict[str, SourceConfig], native: sqlite3.Connection
) -> AsyncIterator[dict[str, FireSafetyRecord]]:
    """Every institution's fire record."""
    codes = [code for (code,) in native.execute("SELECT DISTINCT tyshxydm FROM fire.xf_cs")]
    async with opened_sql(replace(sandbox_sources["fire"], cache_ttl=0)) as source:
        yield dict(await SqlFireSafetyAdapter(source).load(codes))


def test_a_single_premises_maps_its_codes_and_dates_straight(
    records: dict[str, FireSafetyRecord], native: sqlite3.Connection
) -> None:
    for code, status, valid_until in native.execute(
        "SELECT tyshxydm, ysbazt, yxqz FROM fire.xf_cs GROUP BY tyshxydm HAVING COUNT(*) = 1"
    ):
        record = records[code]
        # Past yxqz stays PASSED/FILED here: EXPIRED is judged by the GraphQL layer.
        assert (record.acceptance, record.acceptance_valid_until) == (
            ACCEPTANCE[status],
            day(valid_until),
        )


def test_open_hazards_seal_ups_and_the_last_inspection(
    records: dict[str, FireSafetyRecord], native: sqlite3.Connection
) -> None:
    hazards = dict(native.execute(
        "SELECT c.tyshxydm, COUNT(*) FROM fire.xf_yh y JOIN fire.xf_cs c USING (csid)"
        " WHERE y.zgzt = '0' GROUP BY c.tyshxydm"
    ).fetchall())  # fmt: skip
    assert hazards, "the seed plants open hazards"
    assert {code: r.open_hazards for code, r in records.items() if r.open_hazards} == hazards
    sealed = {code for (code,) in native.execute(
        "SELECT c.tyshxydm FROM fire.xf_cf f JOIN fire.xf_cs c USING (csid) WHERE f.jfrq = ''"
    )}  # fmt: skip
    assert sealed, "the seed plants seal-ups"
    assert {code for code, r in records.items() if r.sealed} == sealed
    latest = native.execute(
        "SELECT c.tyshxydm, MAX(j.jcrq) FROM fire.xf_jc j JOIN fire.xf_cs c USING (csid)"
        " GROUP BY c.tyshxydm"
    ).fetchall()
    assert {code: r.last_inspection_on for code, r in records.items()} == {
        code: day(inspected) for code, inspected in latest
    }


def crafted_fire_db(path: Path, premises: list[tuple[str, str, str]]) -> SourceConfig:
    """A fire database of the native schema holding only ``premises``
    (credit code, ``ysbazt``, ``yxqz``), and a source config reading it."""
    with sqlite3.connect(path) as connection:
        for ddl in SCHEMAS["fire"].tables:
            connection.execute(ddl)
        connection.executemany(
            "INSERT INTO xf_cs VALUES (?, ?, '', '', '410202', 200, ?, '', '', ?, '')",
            [(number, *row) for number, row in enumerate(premises)],
        )
    connection.close()
    return SourceConfig(
        "fire-crafted", Department.FIRE_SAFETY, SourceKind.SQL, f"sqlite:///{path}", "fire",
        cache_ttl=0,
    )  # fmt: skip


async def test_an_institution_on_two_premises_is_as_compliant_as_the_worse(
    tmp_path: Path,
) -> None:
    expiring, failing, unfiled = CODES
    config = crafted_fire_db(tmp_path / "fire.db", [
        (expiring, "1", "20300101"), (expiring, "2", "20250101"),
        (failing, "1", "20300101"), (failing, "4", ""),
        (unfiled, "3", ""), (unfiled, "4", ""),
    ])  # fmt: skip
    async with opened_sql(config) as source:
        found = await SqlFireSafetyAdapter(source).load(CODES)
    assert (found[expiring].acceptance, found[expiring].acceptance_valid_until) == (
        FireAcceptanceStatus.FILED,
        date(2025, 1, 1),
    )
    assert found[failing].acceptance is FireAcceptanceStatus.FAILED
    assert found[unfiled].acceptance is FireAcceptanceStatus.FAILED
    assert found[expiring].last_inspection_on is None
    assert (found[failing].open_hazards, found[failing].sealed) == (0, False)


async def test_a_code_outside_the_glossary_makes_the_source_unavailable(tmp_path: Path) -> None:
    config = crafted_fire_db(tmp_path / "fire.db", [(CODES[0], "9", "")])
    async with opened_sql(config) as source:
        with pytest.raises(
            SourceUnavailableError, match=r"xf_cs\.ysbazt has no code '9'"
        ) as raised:
            await SqlFireSafetyAdapter(source).load(CODES)
    assert (raised.value.department, raised.value.source) == (
        Department.FIRE_SAFETY,
        "fire-crafted",
    )
