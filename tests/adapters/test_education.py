"""The education platform's rows as the hub sees them, checked against the native tables."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.adapters.support import UNKNOWN_CREDIT_CODE, day, opened_sql, yuan
from tests.support.harness import SandboxWorld
from xietong.adapters.config import SourceConfig
from xietong.adapters.education.adapter import SqlEducationAdapter
from xietong.adapters.education.sections import DOMAINS
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.sql import SqlSource
from xietong.domain.departments import Department
from xietong.domain.records import (
    InstitutionCategory,
    LicenseStatus,
    RectificationStatus,
    TrainingDomain,
)
from xietong.sandbox.reference import REFERENCE_DATE

CATEGORIES = {"1": InstitutionCategory.SUBJECT, "2": InstitutionCategory.NON_SUBJECT}
LICENSE_STATUSES = {
    "1": LicenseStatus.VALID,
    "2": LicenseStatus.SUSPENDED,
    "3": LicenseStatus.REVOKED,
    "4": LicenseStatus.EXPIRED,
}


@pytest.fixture
async def source(sandbox_sources: dict[str, SourceConfig]) -> AsyncIterator[SqlSource]:
    async with opened_sql(replace(sandbox_sources["education"], cache_ttl=0)) as opened:
        yield opened


@pytest.fixture
def education(source: SqlSource) -> SqlEducationAdapter:
    return SqlEducationAdapter(source)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def either_database(
    request: pytest.FixtureRequest, sandbox_sources: dict[str, SourceConfig]
) -> SourceConfig:
    """The education platform's source, on its SQLite file or on a PostgreSQL copy."""
    config = replace(sandbox_sources["education"], cache_ttl=0)
    if request.param == "postgresql":
        config = replace(config, url=request.getfixturevalue("postgres_departments"))
    return config


def all_codes(native: sqlite3.Connection) -> list[str]:
    return [code for (code,) in native.execute("SELECT tyshxydm FROM edu.jg_jbxx ORDER BY 1")]


async def test_one_institution_field_by_field(
    education: SqlEducationAdapter, native: sqlite3.Connection
) -> None:
    # An institution with an inspection that led to a rectification notice.
    (code, jcid) = native.execute(
        "SELECT tyshxydm, jcid FROM edu.zgtzs ORDER BY tzsid LIMIT 1"
    ).fetchone()
    record = (await education.load([code]))[code]
    name, region, category = native.execute(
        "SELECT jgmc, xzqh, jglb FROM edu.jg_jbxx WHERE tyshxydm = ?", (code,)
    ).fetchone()
    assert (record.name, record.region) == (name, region)
    assert record.category is CATEGORIES[category]
    number, status, issued, valid_until = native.execute(
        "SELECT xkzh, xkzzt, fzrq, yxqz FROM edu.bxxkz WHERE tyshxydm = ?", (code,)
    ).fetchone()
    assert record.license is not None
    assert record.license.number == number
    assert record.license.status is LICENSE_STATUSES[status]
    assert (record.license.issued_on, record.license.valid_until) == (day(issued), day(valid_until))
    courses = native.execute(
        "SELECT kcmc, sfxk, zks, sfbz, yszdys, yszdks, jssfzh FROM edu.kc"
        " WHERE tyshxydm = ? ORDER BY kcid",
        (code,),
    ).fetchall()
    assert [
        (c.name, c.subject, c.hours, c.price, c.prepaid_limit_months, c.prepaid_limit_lessons,
         c.teacher_id_number)
        for c in record.courses
    ] == [
        (name, subject == "1", hours, yuan(price), months, lessons, teacher)
        for name, subject, hours, price, months, lessons, teacher in courses
    ]  # fmt: skip
    inspected_on, inspectors, result = native.execute(
        "SELECT jcrq, jcry, jcjg FROM edu.jcjl WHERE jcid = ?", (jcid,)
    ).fetchone()
    (inspection,) = [i for i in record.inspections if i.inspected_on == day(inspected_on)]
    assert inspection.inspector == inspectors
    assert inspection.result == {"2": "RECTIFICATION_ORDERED", "3": "FAILED"}[result]
    issued_on, deadline, state, content = native.execute(
        "SELECT xdrq, zgqx, zgzt, zgnr FROM edu.zgtzs WHERE jcid = ?", (jcid,)
    ).fetchone()
    (notice,) = inspection.notices
    assert (notice.issued_on, notice.deadline, notice.content) == (
        day(issued_on),
        day(deadline),
        content,
    )
    assert notice.status is (
        RectificationStatus.OPEN if state == "0" else RectificationStatus.CLOSED
    )


async def test_every_section_matches_the_native_tables(
    education: SqlEducationAdapter, native: sqlite3.Connection
) -> None:
    found = await education.load(all_codes(native))
    assert len(found) == len(all_codes(native))
    domains = {
        "01": TrainingDomain.ACADEMIC,
        "02": TrainingDomain.SPORTS,
        "03": TrainingDomain.CULTURE_ART,
        "04": TrainingDomain.SCIENCE_TECHNOLOGY,
    }
    for code, domain in native.execute("SELECT tyshxydm, pxly FROM edu.jg_pxly"):
        assert domains[domain] in found[code].domains
    bureaus = {
        "1": Department.EDUCATION,
        "2": Department.CULTURE_TOURISM,
        "3": Department.SCIENCE_TECHNOLOGY,
        "4": Department.SPORTS,
    }
    for code, bureau in native.execute("SELECT tyshxydm, zgbm FROM edu.jg_zgbm"):
        assert bureaus[bureau] in found[code].supervisors
    staff = {
        (member.credit_code, member.id_number, member.position, member.teacher_certificate)
        for record in found.values()
        for member in record.staff
    }
    positions = {"1": "head", "2": "teacher", "3": "teaching assistant",
                 "4": "administration", "5": "finance"}  # fmt: skip
    assert staff == {
        (code, id_number, positions[post], certificate or None)
        for code, id_number, post, certificate in native.execute(
            "SELECT tyshxydm, sfzh, gwlb, jszgzh FROM edu.jzg"
        )
    }
    open_notices = Counter(
        code
        for code, record in found.items()
        for inspection in record.inspections
        for notice in inspection.notices
        if notice.status is RectificationStatus.OPEN
    )
    assert open_notices == Counter(
        code for (code,) in native.execute("SELECT tyshxydm FROM edu.zgtzs WHERE zgzt = '0'")
    )
    tip_offs = {
        (code, t.received_on, t.reporter, t.status)
        for code, record in found.items()
        for t in record.tip_offs
    }
    statuses = {"0": "NEW", "1": "IN_PROGRESS", "2": "CLOSED"}
    assert tip_offs == {
        (code, day(received), reporter, statuses[state])
        for code, received, reporter, state in native.execute(
            "SELECT tyshxydm, jbrq, jbrxm, blzt FROM edu.jb"
        )
    }
    entries = {
        (code, e.listed_on, e.listed_by, e.reason, e.until)
        for code, record in found.items()
        for e in record.blacklist
    }
    assert entries == {
        (code, day(listed), by, reason, day(until) if until else None)
        for code, listed, by, reason, until in native.execute(
            "SELECT tyshxydm, lrrq, lrjg, lryy, ycrq FROM edu.hmd"
        )
    }
    assert any(not e.listed_as_of(REFERENCE_DATE) for record in found.values()
               for e in record.blacklist)  # fmt: skip
    barred = {
        (code, p.id_number, p.barred_by, p.until)
        for code, record in found.items()
        for p in record.barred_staff
    }
    assert barred == {
        (code, id_number, by, day(until) if until else None)
        for code, id_number, by, until in native.execute(
            "SELECT j.tyshxydm, c.sfzh, c.jzjg, c.jzqx FROM edu.jzg j JOIN edu.cyjz c USING (sfzh)"
        )
    }
    assert barred
    course_domains = Counter(
        course.domain for record in found.values() for course in record.courses
    )
    assert course_domains == Counter(
        DOMAINS[domain] for (domain,) in native.execute("SELECT pxly FROM edu.kc")
    )


async def test_a_page_is_ordered_by_credit_code_and_costs_one_call(
    education: SqlEducationAdapter, source: SqlSource, native: sqlite3.Connection
) -> None:
    in_kaifeng = [code for (code,) in native.execute(
        "SELECT tyshxydm FROM edu.jg_jbxx WHERE xzqh LIKE '4102%' ORDER BY tyshxydm"
    )]  # fmt: skip
    page, total = await education.page("4102", None, 50)
    assert total == len(in_kaifeng)
    assert [record.credit_code for record in page] == in_kaifeng[:50]
    assert source.calls == 1
    rest, _ = await education.page("4102", page[-1].credit_code, 500)
    assert [record.credit_code for record in rest] == in_kaifeng[50:]
    full = await education.load([page[0].credit_code])
    assert full[page[0].credit_code] == page[0], "a page holds the whole record"


async def test_pages_of_the_nation_a_district_and_nothing(
    education: SqlEducationAdapter, world: SandboxWorld, native: sqlite3.Connection
) -> None:
    _, nation = await education.page("", None, 1)
    assert nation == world.institutions
    (district,) = native.execute("SELECT xzqh FROM edu.jg_jbxx ORDER BY xzqh LIMIT 1").fetchone()
    records, total = await education.page(district, None, 500)
    assert {record.region for record in records} == {district}
    assert total == len(records)
    assert await education.page("4102", None, 0) == ([], total_in(native, "4102"))
    assert await education.page("9999", None, 10) == ([], 0)


def total_in(native: sqlite3.Connection, prefix: str) -> int:
    (count,) = native.execute(
        "SELECT COUNT(*) FROM edu.jg_jbxx WHERE xzqh LIKE ?", (prefix + "%",)
    ).fetchone()
    return int(count)


async def test_employments_list_every_roster_line_of_a_person(
    education: SqlEducationAdapter, source: SqlSource, native: sqlite3.Connection
) -> None:
    # Teachers lent to another institution appear on both rosters.
    (id_number,) = native.execute(
        "SELECT sfzh FROM edu.jzg GROUP BY sfzh HAVING COUNT(*) > 1 LIMIT 1"
    ).fetchone()
    others = [code for (code,) in native.execute(
        "SELECT DISTINCT sfzh FROM edu.jzg WHERE sfzh <> ? LIMIT 9", (id_number,)
    )]  # fmt: skip
    lines = await education.employments([id_number, *others, "not-an-id"])
    assert sorted(lines) == sorted([id_number, *others])
    assert source.calls == 1
    assert sorted(line.credit_code for line in lines[id_number]) == sorted(
        code for (code,) in native.execute(
            "SELECT tyshxydm FROM edu.jzg WHERE sfzh = ?", (id_number,)
        )
    )  # fmt: skip


@pytest.mark.parametrize("scanned", [False, True], ids=["in-lists", "ranges-of-the-roster"])
async def test_rosters_are_the_native_roster_lines_of_each_institution(
    either_database: SourceConfig,
    native: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
    scanned: bool,
) -> None:
    """Asked by IN lists (a row per institution, its people joined), or (for a city's
    worth of codes) read in ranges of ``jzgid``: the same people, of the institutions
    asked only, on either database."""
    if scanned:
        monkeypatch.setattr("xietong.adapters.education.adapter.ROSTER_SCAN_FROM", 0)
        monkeypatch.setattr("xietong.adapters.education.adapter.ROSTER_RANGE", 97)
    asked = all_codes(native)[::3]

    async with opened_sql(either_database) as source:
        rosters = await SqlEducationAdapter(source).rosters(asked)

    expected: dict[str, list[str]] = {}
    for code, id_number in native.execute("SELECT tyshxydm, sfzh FROM edu.jzg ORDER BY jzgid"):
        if code in set(asked):
            expected.setdefault(code, []).append(id_number)
    assert {code: sorted(people) for code, people in rosters.items()} == {
        code: sorted(people) for code, people in expected.items()
    }
    assert len(expected) > 20


@pytest.mark.parametrize("courses", [True, False])
async def test_signals_read_with_the_census_are_the_signals_read_alone(
    either_database: SourceConfig, courses: bool
) -> None:
    """Statistics hand the region's census to the signals, which then ask only for what
    it lacks: the answer is the same, for the region and for a part of it, on either
    database."""
    async with opened_sql(either_database) as source:
        await _census_and_signals_agree(SqlEducationAdapter(source), courses=courses)


async def _census_and_signals_agree(education: SqlEducationAdapter, *, courses: bool) -> None:
    census = await education.census("4102", REFERENCE_DATE)
    region = sorted(census.institutions)
    assert len(region) > 100
    for among in (region, region[::7]):
        alone = await education.signals(REFERENCE_DATE, among=among, courses=courses)
        shared = await education.signals(
            REFERENCE_DATE, among=among, courses=courses, census=census
        )
        assert shared == alone
    whole = await education.signals(REFERENCE_DATE, among=region, courses=courses)
    for found in (whole.licensed, whole.prepaid, whole.blacklisted, whole.unqualified_teacher):
        assert found
    assert whole.overdue_rectification
    assert whole.licensed < frozenset(region), "some are unlicensed"
    # SCOPE_MISMATCH's facts only with the courses.
    assert bool(whole.course_domains) is courses
    assert bool(whole.subject) is courses
    assert bool(whole.outside_domains) is courses, "the seed teaches outside some licences"


async def test_orders_over_prepaid_terms_are_compared_at_the_platform(
    either_database: SourceConfig, native: sqlite3.Connection
) -> None:
    """Each order (code, course, most lessons) is over when a course of that name of the
    institution has terms of fewer lessons: the platform's answer is the brute force over
    its native rows, on either database."""
    terms: dict[tuple[str, str], list[int]] = {}
    for code, course, most in native.execute("SELECT tyshxydm, kcmc, yszdks FROM edu.kc"):
        terms.setdefault((code, course), []).append(int(most))
    # Every course at its terms, one lesson over, and none; an unknown course and code.
    orders = [
        (code, course, min(limits) + delta)
        for (code, course), limits in sorted(terms.items())
        for delta in (0, 1)
    ]
    orders += [(orders[0][0], "无此课程", 59), ("91410000MA00000000", "钢琴", 59)]
    expected = {
        code
        for code, course, most in orders
        if any(0 < limit < most for limit in terms.get((code, course), []))
    }
    async with opened_sql(either_database) as source:
        found = await SqlEducationAdapter(source).over_prepaid_terms(orders)
    assert found == expected
    assert expected, "some orders are over their terms"
    assert len(expected) < len({code for code, _, _ in orders}), "and others are not"


async def test_licences_and_prepaid_terms_are_asked_as_their_exceptions(
    either_database: SourceConfig, native: sqlite3.Connection
) -> None:
    """The platform answers the institutions without a licence valid today and those
    selling nothing on prepaid terms; what the hub makes of it is the brute force over
    the native rows, on either database, an unknown code included (neither)."""
    today = REFERENCE_DATE.strftime("%Y%m%d")
    in_force = {c for (c,) in native.execute("SELECT tyshxydm FROM edu.bxxkz WHERE xkzzt = '1'")}
    valid = {
        code
        for (code,) in native.execute(
            "SELECT tyshxydm FROM edu.bxxkz WHERE xkzzt = '1' AND (yxqz = '' OR yxqz >= ?)",
            (today,),
        )
    }
    prepaid = {
        c for (c,) in native.execute("SELECT tyshxydm FROM edu.kc WHERE yszdys > 0 OR yszdks > 0")
    }
    asked = [*all_codes(native), UNKNOWN_CREDIT_CODE]

    async with opened_sql(either_database) as source:
        found = await SqlEducationAdapter(source).signals(
            REFERENCE_DATE, among=asked, courses=False
        )

    assert found.licensed == valid
    assert found.valid_licence == in_force
    assert found.prepaid == prepaid
    assert set(asked) - in_force - {UNKNOWN_CREDIT_CODE}, "the seed has unlicensed ones"


async def test_a_domain_outside_the_glossary_makes_the_census_and_the_signals_unavailable(
    sandbox_sources: dict[str, SourceConfig], tmp_path: Path
) -> None:
    """Domains come joined in one value an institution: one code outside the glossary
    among them still refuses the answer, as a row of its own did."""
    config = replace(sandbox_sources["education"], cache_ttl=0)
    copy = tmp_path / "education.db"
    shutil.copyfile(make_url(config.url).database or "", copy)
    with closing(sqlite3.connect(copy)) as native, native:
        (code,) = native.execute(
            "SELECT tyshxydm FROM jg_jbxx WHERE xzqh LIKE '4102%' ORDER BY 1 LIMIT 1"
        ).fetchone()
        native.execute("INSERT INTO jg_pxly VALUES (?, '99')", (code,))
        native.execute("UPDATE kc SET pxly = '98' WHERE tyshxydm = ?", (code,))
    async with opened_sql(replace(config, url=f"sqlite:///{copy}")) as source:
        education = SqlEducationAdapter(source)
        with pytest.raises(SourceUnavailableError, match=r"jg_pxly\.pxly has no code '99'"):
            await education.census("4102", REFERENCE_DATE)
        with pytest.raises(SourceUnavailableError, match=r"kc\.pxly has no code '98'"):
            await education.signals(REFERENCE_DATE, among=[code], courses=True)
