"""Questions the tests ask the native databases directly."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import timedelta
from pathlib import Path

from xietong.sandbox.anomalies import Anomaly
from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.reference import (
    AD_VIOLATION_DAYS,
    COMPLAINT_SURGE_DAYS,
    COMPLAINT_SURGE_MIN,
    REFERENCE_DATE,
)

NATIVE_ALIASES = {
    "education": "edu",
    "market": "mkt",
    "police": "pol",
    "fire": "fire",
    "bank_sql": "jm",
    "bank_http": "sd",
}
"""Schema name each native database is attached under by ``open_native``."""

REF = REFERENCE_DATE.strftime("%Y%m%d")
SURGE_AFTER = (REFERENCE_DATE - timedelta(days=COMPLAINT_SURGE_DAYS)).strftime("%Y%m%d")
AD_SINCE = (REFERENCE_DATE - timedelta(days=AD_VIOLATION_DAYS)).strftime("%Y%m%d")

_CAP = """MIN(60, COALESCE((SELECT MIN(k.yszdks) FROM edu.kc k
          WHERE k.tyshxydm = %s AND k.kcmc = %s AND k.yszdks > 0), 60))"""
"""The most lessons an order of (institution, course) may prepay: 60, or fewer by the
course's prepaid terms (its namesakes' strictest)."""

ANOMALY_QUERIES: dict[Anomaly, str] = {
    Anomaly.FUND_SHORTFALL: """
        SELECT tyshxydm FROM jm.jgzh WHERE ye < dxje
        UNION SELECT ORG_USCC FROM sd.CUST_ACCT WHERE AVAIL_BAL < UNRLS_AMT""",
    Anomaly.FIRE_NON_COMPLIANT: f"""
        SELECT tyshxydm FROM fire.xf_cs
         WHERE ysbazt IN ('3', '4') OR (ysbazt IN ('1', '2') AND yxqz < '{REF}')
        UNION SELECT c.tyshxydm FROM fire.xf_cs c JOIN fire.xf_yh y USING (csid)
         WHERE y.zgzt = '0'
        UNION SELECT c.tyshxydm FROM fire.xf_cs c JOIN fire.xf_cf f USING (csid)
         WHERE f.jfrq = ''""",
    Anomaly.UNCHECKED_OR_FLAGGED_STAFF: """
        SELECT j.tyshxydm FROM edu.jzg j LEFT JOIN pol.rybjhc r ON r.sfzh = j.sfzh
         WHERE r.sfzh IS NULL OR r.hczt <> '1'
            OR EXISTS (SELECT 1 FROM pol.wfjl w WHERE w.sfzh = j.sfzh)""",
    Anomaly.REGISTRATION_INACTIVE: """
        SELECT b.tyshxydm FROM edu.bxxkz b JOIN mkt.qydj q USING (tyshxydm)
         WHERE q.djzt IN ('2', '3')""",
    Anomaly.LICENSE_INACTIVE: "SELECT tyshxydm FROM edu.bxxkz WHERE xkzzt IN ('2', '3', '4')",
    Anomaly.SCOPE_MISMATCH: """
        SELECT q.tyshxydm FROM mkt.qydj q JOIN edu.jg_jbxx j USING (tyshxydm)
         WHERE q.pxbz = '0' OR (j.jglb = '1' AND q.yllx = '1')
        UNION SELECT k.tyshxydm FROM edu.kc k
         WHERE k.pxly NOT IN (SELECT p.pxly FROM edu.jg_pxly p WHERE p.tyshxydm = k.tyshxydm)""",
    Anomaly.COMPLAINT_SURGE: f"""
        SELECT t.tyshxydm FROM mkt.tfts t JOIN edu.jg_jbxx USING (tyshxydm)
         WHERE t.tsrq > '{SURGE_AFTER}' AND t.tsrq <= '{REF}'
         GROUP BY t.tyshxydm HAVING COUNT(*) >= {COMPLAINT_SURGE_MIN}""",
    Anomaly.UNQUALIFIED_TEACHER: """
        SELECT k.tyshxydm FROM edu.kc k
          JOIN edu.jzg j ON j.sfzh = k.jssfzh AND j.tyshxydm = k.tyshxydm
         WHERE k.sfxk = '1' AND j.jszgzh = ''""",
    Anomaly.OPEN_RECTIFICATION: f"""
        SELECT tyshxydm FROM edu.zgtzs WHERE zgzt = '0' AND zgqx < '{REF}'""",
    Anomaly.BLACKLISTED: f"""
        SELECT tyshxydm FROM edu.hmd WHERE ycrq = '' OR ycrq > '{REF}'
        UNION SELECT j.tyshxydm FROM edu.jzg j JOIN edu.cyjz c USING (sfzh)
         WHERE c.jzqx = '' OR c.jzqx > '{REF}'""",
    Anomaly.AD_VIOLATION: f"""
        SELECT tyshxydm FROM mkt.ggwf WHERE larq >= '{AD_SINCE}' AND larq <= '{REF}'""",
    Anomaly.FUND_ACCOUNT_FROZEN: """
        SELECT tyshxydm FROM jm.jgzh WHERE zhzt = '1'
        UNION SELECT ORG_USCC FROM sd.CUST_ACCT WHERE ACCT_STAT = 'F'""",
    Anomaly.PREPAID_CAP_EXCEEDED: f"""
        SELECT a.tyshxydm FROM jm.yfdd d JOIN jm.jgzh a ON a.zh = d.zh
         WHERE d.ddzt <> '3' AND d.gmks > {_CAP % ("a.tyshxydm", "d.kcmc")}
        UNION SELECT a.ORG_USCC FROM sd.PREPAY_ORD o JOIN sd.CUST_ACCT a USING (ACCT_NO)
         WHERE o.ORD_STAT <> 'R' AND o.LSN_CNT > {_CAP % ("a.ORG_USCC", "o.CRS_NM")}""",
    Anomaly.NO_CUSTODY_ACCOUNT: """
        SELECT tyshxydm FROM edu.kc WHERE yszdys > 0 OR yszdks > 0
        EXCEPT SELECT tyshxydm FROM jm.jgzh
        EXCEPT SELECT ORG_USCC FROM sd.CUST_ACCT""",
}
"""For each anomaly, the credit codes that show it in the native data."""


def open_native(data_dir: Path) -> sqlite3.Connection:
    """One connection that sees every native database of ``data_dir`` at once,
    each attached under its name in ``NATIVE_ALIASES`` (``edu.jg_jbxx``, ...)."""
    connection = sqlite3.connect(":memory:")
    for key, path in sandbox_files(data_dir).databases().items():
        connection.execute(f"ATTACH DATABASE ? AS {NATIVE_ALIASES[key]}", (str(path),))
    return connection


def codes(
    connection: sqlite3.Connection, sql: str, parameters: tuple[object, ...] = ()
) -> set[str]:
    return {row[0] for row in connection.execute(sql, parameters)}


def content_digest(data_dir: Path) -> str:
    """SHA-256 over every row of every native table, in table and rowid order."""
    digest = hashlib.sha256()
    for key, path in sorted(sandbox_files(data_dir).databases().items()):
        connection = sqlite3.connect(path)
        try:
            tables = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ).fetchall()
            for (table,) in tables:
                digest.update(f"{key}.{table}".encode())
                for row in connection.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                    digest.update(repr(row).encode())
        finally:
            connection.close()
    return digest.hexdigest()
