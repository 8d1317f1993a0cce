"""Fire inspection database with housing & construction's acceptance records: ``fire.db``.

Read directly over SQL by the FIRE_SAFETY adapter. Records hang off premises
(``xf_cs``); an institution has one premises, a few have a second campus.

``xf_cs`` 场所 — premises and their fire acceptance / filing (消防验收/备案)
    csid      premises id
    tyshxydm  credit code of the institution using the premises
    csmc      场所名称, premises name
    csdz      场所地址, address
    xzqh      行政区划, region code
    jzmj      建筑面积, floor area in m²
    ysbazt    验收备案状态: ``1`` 验收合格 PASSED, ``2`` 已备案 FILED,
              ``3`` 未备案 NOT_FILED, ``4`` 验收不合格 FAILED
    ysbawh    验收/备案文号, document number (empty when not filed)
    ysbarq    验收/备案日期, accepted or filed on (empty when not filed)
    yxqz      有效期至, valid until (empty when not filed or failed).
              The acceptance system never rewrites ``ysbazt`` when this date
              passes: EXPIRED is derived by the reader — ``ysbazt`` ``1``/``2``
              with ``yxqz`` before today (``REFERENCE_DATE`` in the demo).
    fzjg      出具单位, issuing authority (住房和城乡建设局)

``xf_jc`` 消防检查 — fire inspections
    jcid      id; ``csid`` premises; ``jcrq`` 检查日期 inspected on
    jcjg      检查结果: ``1`` 合格 passed, ``2`` 发现隐患 hazards found,
              ``3`` 责令停止使用 ordered to stop using the premises
    jcry      检查人员, inspectors

``xf_yh`` 火灾隐患 — hazards found by an inspection
    yhid      id; ``csid`` premises; ``jcid`` the inspection
    yhms      隐患描述, description
    zgqx      整改期限, deadline
    zgzt      整改状态: ``0`` 未整改 open, ``1`` 已整改 fixed

``xf_cf`` 查封 — seal-ups of premises
    cfid      id; ``csid`` premises; ``cfrq`` 查封日期 sealed on; ``cfyy`` 查封原因 reason
    jfrq      解封日期, lifted on (empty while the premises is sealed)
"""

from __future__ import annotations

TABLES = (
    """CREATE TABLE xf_cs (
        csid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, csmc TEXT NOT NULL,
        csdz TEXT NOT NULL, xzqh TEXT NOT NULL, jzmj INTEGER NOT NULL,
        ysbazt TEXT NOT NULL, ysbawh TEXT NOT NULL, ysbarq TEXT NOT NULL,
        yxqz TEXT NOT NULL, fzjg TEXT NOT NULL)""",
    """CREATE TABLE xf_jc (
        jcid INTEGER PRIMARY KEY, csid INTEGER NOT NULL, jcrq TEXT NOT NULL,
        jcjg TEXT NOT NULL, jcry TEXT NOT NULL)""",
    """CREATE TABLE xf_yh (
        yhid INTEGER PRIMARY KEY, csid INTEGER NOT NULL, jcid INTEGER NOT NULL,
        yhms TEXT NOT NULL, zgqx TEXT NOT NULL, zgzt TEXT NOT NULL)""",
    """CREATE TABLE xf_cf (
        cfid INTEGER PRIMARY KEY, csid INTEGER NOT NULL, cfrq TEXT NOT NULL,
        cfyy TEXT NOT NULL, jfrq TEXT NOT NULL)""",
)

# A campus's acceptance state and validity, and whether a seal is lifted, in the indexes
# the hub's city-wide FIRE_NON_COMPLIANT question reads (no read of each row).
INDEXES = (
    "CREATE INDEX ix_xf_cs_tyshxydm ON xf_cs (tyshxydm, ysbazt, yxqz)",
    "CREATE INDEX ix_xf_cs_ysbazt ON xf_cs (ysbazt, yxqz)",
    "CREATE INDEX ix_xf_cs_xzqh ON xf_cs (xzqh)",
    "CREATE INDEX ix_xf_jc_csid ON xf_jc (csid)",
    "CREATE INDEX ix_xf_yh_csid ON xf_yh (csid, zgzt)",
    "CREATE INDEX ix_xf_cf_csid ON xf_cf (csid, jfrq)",
)
