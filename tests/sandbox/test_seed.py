"""Seeding: deterministic, valid keys, realistic regions, every anomaly planted."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from tests.sandbox.conftest import SEEDED_INSTITUTIONS
from tests.sandbox.native import ANOMALY_QUERIES, REF, codes, content_digest, open_native
from xietong.kernel.identifiers import credit_code_error, id_number_error
from xietong.sandbox.anomalies import LEDGER_ANOMALIES, Anomaly
from xietong.sandbox.generate.plan import plan_institution
from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.reference import (
    DEFAULT_SEED,
    KAIFENG_DISTRICTS,
    ZHENGZHOU,
    ZHENGZHOU_DISTRICTS,
)
from xietong.sandbox.seed import is_seeded, seed_sandbox, unlicensed_count

ALL_CREDIT_CODES = "SELECT tyshxydm FROM mkt.qydj"
ALL_ID_NUMBERS = """
    SELECT sfzh FROM edu.jzg UNION SELECT jssfzh FROM edu.kc
    UNION SELECT sfzh FROM pol.rybjhc UNION SELECT fddbrzjhm FROM mkt.qydj"""


def test_the_same_seed_gives_the_same_content(tmp_path: Path) -> None:
    seed_sandbox(tmp_path / "a", 80, seed=7)
    seed_sandbox(tmp_path / "b", 80, seed=7)
    assert content_digest(tmp_path / "a") == content_digest(tmp_path / "b")


def test_another_seed_gives_other_content(tmp_path: Path) -> None:
    seed_sandbox(tmp_path / "a", 80, seed=7)
    seed_sandbox(tmp_path / "b", 80, seed=8)
    assert content_digest(tmp_path / "a") != content_digest(tmp_path / "b")


def test_worker_processes_produce_what_one_process_does(tmp_path: Path) -> None:
    seed_sandbox(tmp_path / "serial", 120, seed=3, workers=0)
    seed_sandbox(tmp_path / "parallel", 120, seed=3, workers=2)
    assert content_digest(tmp_path / "serial") == content_digest(tmp_path / "parallel")


def test_progress_counts_every_institution_once(tmp_path: Path) -> None:
    reported: list[int] = []
    summary = seed_sandbox(tmp_path, 250, progress=reported.append)
    assert sum(reported) == 250
    assert len(reported) > 1
    assert summary.rows == sum(summary.tables.values())


def test_reseeding_replaces_the_files(tmp_path: Path) -> None:
    assert not is_seeded(tmp_path)
    seed_sandbox(tmp_path, 40)
    assert is_seeded(tmp_path, institutions=40, seed=DEFAULT_SEED)
    seed_sandbox(tmp_path, 25, seed=5)
    assert is_seeded(tmp_path, institutions=25, seed=5)
    assert not is_seeded(tmp_path, institutions=40)
    with sqlite3.connect(sandbox_files(tmp_path).education) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM jg_jbxx").fetchone()
    assert count == 25
    assert not list(sandbox_files(tmp_path).folder.glob("*.partial"))


def test_credit_codes_are_valid_and_unique(native: sqlite3.Connection) -> None:
    rows = [row[0] for row in native.execute(ALL_CREDIT_CODES)]
    assert len(rows) == SEEDED_INSTITUTIONS + unlicensed_count(SEEDED_INSTITUTIONS)
    assert len(set(rows)) == len(rows)
    assert [code for code in rows if credit_code_error(code)] == []


def test_id_numbers_are_valid_with_real_birth_dates(native: sqlite3.Connection) -> None:
    numbers = codes(native, ALL_ID_NUMBERS)
    assert len(numbers) > SEEDED_INSTITUTIONS * 3
    assert [number for number in numbers if id_number_error(number)] == []
    for number in numbers:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        assert 18 <= (date(2026, 11, 1) - born).days // 365 <= 65


def test_one_id_number_is_one_person(native: sqlite3.Connection) -> None:
    clashes = native.execute(
        "SELECT sfzh FROM edu.jzg GROUP BY sfzh HAVING COUNT(DISTINCT xm) > 1"
    ).fetchall()
    assert clashes == []


def test_regions_are_kaifeng_districts_and_a_few_in_zhengzhou(
    native: sqlite3.Connection,
) -> None:
    regions = [row[0] for row in native.execute("SELECT xzqh FROM edu.jg_jbxx")]
    assert set(regions) <= set(KAIFENG_DISTRICTS) | set(ZHENGZHOU_DISTRICTS)
    zhengzhou = sum(region in ZHENGZHOU_DISTRICTS for region in regions)
    assert 0 < zhengzhou < len(regions) * 0.12
    assert len(set(regions) & set(KAIFENG_DISTRICTS)) >= 8
    mismatched = native.execute(
        "SELECT tyshxydm FROM edu.jg_jbxx WHERE substr(tyshxydm, 3, 6) <> xzqh"
    ).fetchall()
    assert mismatched == []


def test_a_zhengzhou_sandbox_holds_zhengzhou_institutions_only(tmp_path: Path) -> None:
    seed_sandbox(tmp_path, 60, seed=11, city=ZHENGZHOU)
    with closing(open_native(tmp_path)) as native:
        regions = {row[0] for row in native.execute("SELECT xzqh FROM edu.jg_jbxx")}
        registered = {row[0] for row in native.execute("SELECT tyshxydm FROM mkt.qydj")}
    assert regions == set(ZHENGZHOU_DISTRICTS)
    assert {code[2:6] for code in registered} == {"4101"}


def test_a_sandbox_is_of_kaifeng_or_zhengzhou(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="410200, 410100"):
        seed_sandbox(tmp_path, 5, city="410300")


def test_competent_departments_follow_the_training_domains(native: sqlite3.Connection) -> None:
    bureau_of_domain = {"02": "4", "03": "2", "04": "3"}
    domains: dict[str, set[str]] = {}
    for code, domain in native.execute("SELECT tyshxydm, pxly FROM edu.jg_pxly"):
        domains.setdefault(code, set()).add(domain)
    bureaus: dict[str, set[str]] = {}
    for code, bureau in native.execute("SELECT tyshxydm, zgbm FROM edu.jg_zgbm"):
        bureaus.setdefault(code, set()).add(bureau)
    assert len(domains) == SEEDED_INSTITUTIONS
    for code, held in domains.items():
        assert bureaus[code] == {"1"} | {bureau_of_domain[d] for d in held if d != "01"}
        assert held == {"01"} or "01" not in held  # academic training stands alone
    assert any(len(held) == 2 for held in domains.values())
    subject = codes(native, "SELECT tyshxydm FROM edu.jg_jbxx WHERE jglb = '1'")
    assert subject == {code for code, held in domains.items() if held == {"01"}}


@pytest.mark.parametrize("anomaly", [kind for kind in Anomaly if kind not in LEDGER_ANOMALIES])
def test_each_anomaly_shows_in_the_native_data_exactly_where_planted(
    native: sqlite3.Connection, anomaly: Anomaly
) -> None:
    planned = {
        plan.credit_code
        for plan in (
            plan_institution(DEFAULT_SEED, index, SEEDED_INSTITUTIONS)
            for index in range(SEEDED_INSTITUTIONS)
        )
        if anomaly in plan.anomalies
    }
    found = codes(native, ANOMALY_QUERIES[anomaly])
    assert found == planned
    assert 1 <= len(found) <= SEEDED_INSTITUTIONS * 0.15  # present, and rare


@pytest.mark.parametrize("anomaly", LEDGER_ANOMALIES)
def test_the_ledger_plants_its_own_anomalies_now_and_then(
    native: sqlite3.Connection, anomaly: Anomaly
) -> None:
    """The custody ledger's anomalies come from its own generator, not the plan's:
    present, and rare."""
    found = codes(native, ANOMALY_QUERIES[anomaly])
    assert 1 <= len(found) <= SEEDED_INSTITUTIONS * 0.15


def test_most_institutions_are_clean(native: sqlite3.Connection) -> None:
    flagged = set().union(*(codes(native, sql) for sql in ANOMALY_QUERIES.values()))
    assert 0.25 * SEEDED_INSTITUTIONS < len(flagged) < 0.55 * SEEDED_INSTITUTIONS


def test_unlicensed_operators_have_a_training_scope_but_no_education_record(
    native: sqlite3.Connection,
) -> None:
    unlicensed = codes(
        native,
        """SELECT tyshxydm FROM mkt.qydj WHERE pxbz = '1'
           AND tyshxydm NOT IN (SELECT tyshxydm FROM edu.jg_jbxx)""",
    )
    assert len(unlicensed) == unlicensed_count(SEEDED_INSTITUTIONS)
    scopes = [row[0] for row in native.execute("SELECT jyfw FROM mkt.qydj WHERE pxbz = '1'")]
    assert all("培训" in scope or "教育咨询" in scope for scope in scopes)
    without = [row[0] for row in native.execute("SELECT jyfw FROM mkt.qydj WHERE pxbz = '0'")]
    assert without
    assert not any("培训" in scope or "教育咨询" in scope for scope in without)


def test_some_people_work_at_several_institutions(native: sqlite3.Connection) -> None:
    shared = native.execute(
        "SELECT sfzh FROM edu.jzg GROUP BY sfzh HAVING COUNT(DISTINCT tyshxydm) > 1"
    ).fetchall()
    assert len(shared) >= 5
    checked_once = native.execute(
        "SELECT COUNT(*) FROM pol.rybjhc WHERE sfzh IN (SELECT sfzh FROM edu.jzg)"
    ).fetchone()[0]
    assert checked_once == native.execute("SELECT COUNT(*) FROM pol.rybjhc").fetchone()[0]


def test_every_institution_banks_at_one_bank_at_most(native: sqlite3.Connection) -> None:
    jinming = codes(native, "SELECT tyshxydm FROM jm.jgzh")
    songdu = codes(native, "SELECT ORG_USCC FROM sd.CUST_ACCT")
    licensed = codes(native, "SELECT tyshxydm FROM edu.jg_jbxx")
    assert jinming
    assert songdu
    assert not jinming & songdu
    assert jinming | songdu <= licensed
    uncovered = licensed - jinming - songdu  # NO_CUSTODY_ACCOUNT, planted
    assert 0 < len(uncovered) < len(licensed) // 10


def test_custody_totals_agree_with_orders_and_refunds(native: sqlite3.Connection) -> None:
    disagreeing = native.execute(
        """SELECT a.zh FROM jm.jgzh a
            WHERE a.ljsk <> (SELECT COALESCE(SUM(ddje), 0) FROM jm.yfdd o WHERE o.zh = a.zh)
               OR a.ljhb <> (SELECT COALESCE(SUM(yxje), 0) FROM jm.yfdd o WHERE o.zh = a.zh)
               OR a.ljtk <> (SELECT COALESCE(SUM(tkje), 0) FROM jm.tkjl r WHERE r.zh = a.zh)
               OR a.dxje <> a.ljsk - a.ljhb - a.ljtk"""
    ).fetchall()
    assert disagreeing == []
    disagreeing = native.execute(
        """SELECT a.ACCT_NO FROM sd.CUST_ACCT a
            WHERE a.TOT_COLL_AMT <> (SELECT SUM(ORD_AMT) FROM sd.PREPAY_ORD o
                                      WHERE o.ACCT_NO = a.ACCT_NO)
               OR a.UNRLS_AMT <> a.TOT_COLL_AMT - a.TOT_RLS_AMT - a.TOT_RFD_AMT"""
    ).fetchall()
    assert disagreeing == []


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("edu.jg_jbxx", "clrq"),
        ("edu.jcjl", "jcrq"),
        ("edu.zgtzs", "xdrq"),
        ("edu.jb", "jbrq"),
        ("mkt.tfts", "tsrq"),
        ("pol.rybjhc", "hcrq"),
        ("fire.xf_jc", "jcrq"),
        ("jm.yfdd", "xdrq"),
        ("jm.tkjl", "tkrq"),
        ("mkt.ggwf", "larq"),
        ("mkt.xzcf", "cfrq"),
        ("edu.bxxkz", "fzrq"),
        ("edu.hmd", "lrrq"),
        ("fire.xf_cs", "ysbarq"),
        ("fire.xf_cf", "cfrq"),
    ],
)
def test_event_dates_are_real_and_not_after_the_reference_date(
    native: sqlite3.Connection, table: str, column: str
) -> None:
    values = [row[0] for row in native.execute(f"SELECT {column} FROM {table}") if row[0]]
    assert values
    for value in values:
        assert len(value) == 8
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
        assert value <= REF
