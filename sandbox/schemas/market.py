"""Market supervision's enterprise credit registry (企业信用信息): ``market.db``.

The store behind the registry's HTTP API (``sandbox.services.market``); the API
returns the same native names. The demo registry also carries the civil-affairs
registrations of non-profit schools (民办非企业单位, credit codes starting ``52``),
so every institution has exactly one registration here.

``qydj`` 企业登记 — business registrations
    qyid      internal row id
    tyshxydm  统一社会信用代码, credit code (unique)
    qymc      企业名称, registered name
    qylx      企业类型, legal form (text, e.g. 有限责任公司, 民办非企业单位)
    yllx      营利类型: ``1`` 营利性 for-profit, ``2`` 非营利性 non-profit
    djzt      登记状态: ``1`` 存续 ACTIVE, ``2`` 吊销 REVOKED, ``3`` 注销 CANCELLED
    jyfw      经营范围, registered business scope (free text, items split by ``；``)
    pxbz      培训标志: ``1`` when the standardised scope items include training
              (培训) or education consulting (教育咨询), else ``0``
    fddbr     法定代表人, legal representative's name
    fddbrzjhm 法定代表人证件号码, legal representative's ID number
    clrq      成立日期, registered on
    dxrq      吊销/注销日期, revoked or cancelled on (empty while active)
    djjg      登记机关, registration authority
    zs        住所, registered address
    xzqh      行政区划, region code (6 digits)

``ggwf`` 广告违法 — advertising violations
    wfid      id; ``larq`` 立案日期 case opened on; ``wfss`` 违法事实 what was found;
    fbmj      发布媒介, where the advertisement ran
    cljg      处理结果, outcome
    cfjdsh    处罚决定书号 of the penalty decided for it (``xzcf``); empty: none

``tfts`` 退费投诉 — refund complaints received through 12315
    tsid      id
    gdh       12315 工单号, ticket number
    tsrq      投诉日期, received on
    sqje      诉求金额, amount claimed, fen
    tsnr      投诉内容, content
    clzt      处理状态: ``1`` 已受理 received, ``2`` 调解中 in mediation,
              ``3`` 已办结 closed

``xzcf`` 行政处罚 — administrative penalties
    cfid      id; ``cfjdsh`` 处罚决定书号 decision number; ``cfrq`` 处罚日期 decided on;
    cfsy      处罚事由, reason
    cfzl      处罚种类: ``1`` 警告 warning, ``2`` 罚款 fine, ``3`` 吊销营业执照 licence revoked
    fkje      罚款金额, fine in fen (0 when none)
    cfjg      处罚机关, the deciding authority
    cfyj      处罚依据, the provisions applied
"""

from __future__ import annotations

TABLES = (
    """CREATE TABLE qydj (
        qyid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, qymc TEXT NOT NULL,
        qylx TEXT NOT NULL, yllx TEXT NOT NULL, djzt TEXT NOT NULL, jyfw TEXT NOT NULL,
        pxbz TEXT NOT NULL, fddbr TEXT NOT NULL, fddbrzjhm TEXT NOT NULL,
        clrq TEXT NOT NULL, dxrq TEXT NOT NULL, djjg TEXT NOT NULL, zs TEXT NOT NULL,
        xzqh TEXT NOT NULL)""",
    """CREATE TABLE ggwf (
        wfid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, larq TEXT NOT NULL,
        wfss TEXT NOT NULL, fbmj TEXT NOT NULL, cljg TEXT NOT NULL,
        cfjdsh TEXT NOT NULL)""",
    """CREATE TABLE tfts (
        tsid INTEGER PRIMARY KEY, gdh TEXT NOT NULL, tyshxydm TEXT NOT NULL,
        tsrq TEXT NOT NULL, sqje INTEGER NOT NULL, tsnr TEXT NOT NULL, clzt TEXT NOT NULL)""",
    """CREATE TABLE xzcf (
        cfid INTEGER PRIMARY KEY, cfjdsh TEXT NOT NULL, tyshxydm TEXT NOT NULL,
        cfrq TEXT NOT NULL, cfsy TEXT NOT NULL, cfzl TEXT NOT NULL, fkje INTEGER NOT NULL,
        cfjg TEXT NOT NULL, cfyj TEXT NOT NULL)""",
)

INDEXES = (
    "CREATE UNIQUE INDEX ux_qydj_tyshxydm ON qydj (tyshxydm)",
    # Covers the filtered scans in credit code order: pages are read from the
    # index alone, whichever of region, status and training flag is filtered on.
    "CREATE INDEX ix_qydj_scan ON qydj (tyshxydm, xzqh, djzt, pxbz)",
    "CREATE INDEX ix_qydj_fddbr ON qydj (fddbr)",
    "CREATE INDEX ix_ggwf_tyshxydm ON ggwf (tyshxydm)",
    "CREATE INDEX ix_tfts_tyshxydm ON tfts (tyshxydm, tsrq)",
    "CREATE INDEX ix_xzcf_tyshxydm ON xzcf (tyshxydm)",
)
