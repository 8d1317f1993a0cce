"""Public security's background check service (从业人员背景核查): ``police.db``.

The store behind the check API (``sandbox.services.police``), which answers by
ID number only. A person with no row has never been submitted for a check.

``rybjhc`` 人员背景核查 — one row per person submitted for a check
    sfzh      身份证号, resident ID number (unique)
    xm        姓名, name
    hczt      核查状态: ``1`` 已核查 checked, ``2`` 核查中 pending
    hcrq      核查日期, checked on (empty while pending)
    sqdw      申请单位, credit code of the institution that asked first
    sqrq      申请日期, asked on

``wfjl`` 违法犯罪记录 — records found by a check (none for a clear person)
    jlid      id
    sfzh      the person
    ajlb      案件类别: ``01`` 性侵 sexual assault, ``02`` 虐待 abuse,
              ``03`` 拐卖 trafficking, ``04`` 暴力 violence
    larq      立案日期, case opened on
"""

from __future__ import annotations

TABLES = (
    """CREATE TABLE rybjhc (
        sfzh TEXT NOT NULL, xm TEXT NOT NULL, hczt TEXT NOT NULL, hcrq TEXT NOT NULL,
        sqdw TEXT NOT NULL, sqrq TEXT NOT NULL)""",
    """CREATE TABLE wfjl (
        jlid INTEGER PRIMARY KEY, sfzh TEXT NOT NULL, ajlb TEXT NOT NULL,
        larq TEXT NOT NULL)""",
)

INDEXES = (
    "CREATE UNIQUE INDEX ux_rybjhc_sfzh ON rybjhc (sfzh)",
    "CREATE INDEX ix_wfjl_sfzh ON wfjl (sfzh, ajlb)",
)
