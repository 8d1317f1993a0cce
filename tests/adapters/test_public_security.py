"""Background checks as the hub sees them, checked against the check service's store."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.adapters.support import day, opened_http
from xietong.adapters.config import SourceConfig, SourceKind
from xietong.adapters.public_security import BATCH_LIMIT, HttpPublicSecurityAdapter
from xietong.adapters.sources.http import HttpSource
from xietong.domain.departments import Department
from xietong.domain.records import BackgroundCheck, BackgroundCheckStatus
from xietong.kernel.identifiers import id_number_check
from xietong.sandbox.schemas import SCHEMAS
from xietong.sandbox.serve import serve_in_thread
from xietong.sandbox.services import police_app

CATEGORIES = {"01": "SEXUAL_ASSAULT", "02": "ABUSE", "03": "TRAFFICKING", "04": "VIOLENCE"}


@pytest.fixture
async def source(sandbox_sources: dict[str, SourceConfig]) -> AsyncIterator[HttpSource]:
    async with opened_http(replace(sandbox_sources["police"], cache_ttl=0)) as opened:
        yield opened


@pytest.fixture
def police(source: HttpSource) -> HttpPublicSecurityAdapter:
    return HttpPublicSecurityAdapter(source)


async def test_every_rostered_person_maps_to_the_status_the_store_implies(
    police: HttpPublicSecurityAdapter, source: HttpSource, native: sqlite3.Connection
) -> None:
    people = sorted({id_number for (id_number,) in native.execute("SELECT sfzh FROM edu.jzg")})
    found = await police.load(people)
    assert source.calls == -(-len(people) // BATCH_LIMIT), "one call per batch of the service's cap"
    checks = {
        id_number: (state, checked)
        for id_number, state, checked in native.execute("SELECT sfzh, hczt, hcrq FROM pol.rybjhc")
    }
    records: dict[str, set[str]] = {}
    for id_number, category in native.execute("SELECT sfzh, ajlb FROM pol.wfjl"):
        records.setdefault(id_number, set()).add(CATEGORIES[category])
    never_submitted = [p for p in people if p not in checks]
    assert never_submitted, "the seed leaves some staff unchecked"
    assert not any(p in found for p in never_submitted), "absent: the hub shows NOT_REQUESTED"
    for id_number, check in found.items():
        state, checked = checks[id_number]
        if state == "2":
            expected = BackgroundCheckStatus.PENDING
        elif id_number in records:
            expected = BackgroundCheckStatus.RECORD_FOUND
        else:
            expected = BackgroundCheckStatus.CLEAR
        assert check.status is expected
        assert check.checked_on == day(checked)
        assert set(check.record_categories) == records.get(id_number, set())


async def test_cleared_is_everyone_load_finds_clear(
    police: HttpPublicSecurityAdapter, native: sqlite3.Connection
) -> None:
    """The lean answer the staff rule reads: exactly the people ``load`` calls CLEAR (an
    invalid ID number, unknown to the service, is not cleared)."""
    people = sorted({id_number for (id_number,) in native.execute("SELECT sfzh FROM edu.jzg")})
    invalid = people[0][:17] + ("0" if people[0][17] != "0" else "1")
    found = await police.load(people)
    clear = {key for key, check in found.items() if check.status is BackgroundCheckStatus.CLEAR}
    assert clear, "the seed has clear people"
    assert len(clear) < len(people), "and others"
    assert await police.cleared([*people, invalid]) == clear


def person(serial: int) -> str:
    body = f"41020219900101{serial:03d}"
    return body + id_number_check(body)


async def test_each_check_state_of_the_service(tmp_path: Path) -> None:
    clear, flagged, pending, never = (person(n) for n in (1, 2, 3, 4))
    store = tmp_path / "police.db"
    with sqlite3.connect(store) as connection:
        for ddl in SCHEMAS["police"].tables:
            connection.execute(ddl)
        connection.executemany(
            "INSERT INTO rybjhc VALUES (?, '某人', ?, ?, '', '20260101')",
            [(clear, "1", "20260105"), (flagged, "1", "20260106"), (pending, "2", "")],
        )
        connection.executemany(
            "INSERT INTO wfjl (sfzh, ajlb, larq) VALUES (?, ?, '20200101')",
            [(flagged, "04"), (flagged, "01"), (flagged, "04")],
        )
    connection.close()
    config = SourceConfig(
        "police-crafted", Department.PUBLIC_SECURITY, SourceKind.HTTP, "", "police", cache_ttl=0
    )
    with serve_in_thread(police_app(store)) as url:
        async with opened_http(replace(config, url=url)) as source:
            adapter = HttpPublicSecurityAdapter(source)
            found = await adapter.load([clear, flagged, pending, never])
            cleared = await adapter.cleared([clear, flagged, pending, never])
    assert cleared == {clear}
    assert found == {
        clear: BackgroundCheck(clear, BackgroundCheckStatus.CLEAR, date(2026, 1, 5), ()),
        flagged: BackgroundCheck(
            flagged,
            BackgroundCheckStatus.RECORD_FOUND,
            date(2026, 1, 6),
            ("SEXUAL_ASSAULT", "VIOLENCE"),
        ),
        pending: BackgroundCheck(pending, BackgroundCheckStatus.PENDING, None, ()),
    }
