"""金明银行 (Jinming Bank) prepaid-fee custody system: ``bank_jinming.db``.

One of the supervising banks (监管银行); read directly over SQL by the FINANCE
adapter (format ``bank-jinming``). Money in fen, dates ``YYYYMMDD``. The bank
keeps running totals on each account, so coverage is one row per account:
``ye / dxje`` (balance over outstanding prepaid).

``jgzh`` 监管账户 — custody accounts, one per institution
    zhid      internal row id
    zh        账号, account number (19 digits, Luhn check digit)
    hm        户名, account name
    tyshxydm  开户单位统一社会信用代码, the institution (unique)
    khrq      开户日期, opened on
    zhzt      账户状态: ``0`` 正常 normal, ``1`` 冻结 frozen, ``2`` 销户 closed
    ye        账户余额, balance, fen
    fxbzj     风险保证金, risk deposit held besides the balance, fen
    ljsk      累计收款, prepaid fees received, fen
    ljhb      累计划拨, released to the institution lesson by lesson (一课一消), fen
    ljtk      累计退款, refunded to payers, fen
    dxje      待消金额, outstanding prepaid not yet released (``ljsk - ljhb - ljtk``), fen
    gxrq      更新日期, totals as of

``yfdd`` 预付订单 — prepaid orders
    ddid      id; ``ddh`` 订单号 order number; ``zh`` account
    xyxm      学员姓名, student; ``kcmc`` 课程名称, course name
    ddje      订单金额, amount paid, fen
    gmks      购买课时, lessons bought
    yxks      已消课时, lessons delivered and released
    yxje      已消金额, amount released, fen
    xdrq      下单日期, ordered on
    ddzt      订单状态: ``1`` 履约中 running, ``2`` 已完结 completed, ``3`` 已退款 refunded

``tkjl`` 退款记录 — refunds
    tkid      id; ``ddh`` order; ``zh`` account; ``tkje`` 退款金额 fen; ``tkrq`` 退款日期
"""

from __future__ import annotations

TABLES = (
    """CREATE TABLE jgzh (
        zhid INTEGER PRIMARY KEY, zh TEXT NOT NULL, hm TEXT NOT NULL,
        tyshxydm TEXT NOT NULL, khrq TEXT NOT NULL, zhzt TEXT NOT NULL,
        ye INTEGER NOT NULL, fxbzj INTEGER NOT NULL, ljsk INTEGER NOT NULL,
        ljhb INTEGER NOT NULL, ljtk INTEGER NOT NULL, dxje INTEGER NOT NULL,
        gxrq TEXT NOT NULL)""",
    """CREATE TABLE yfdd (
        ddid INTEGER PRIMARY KEY, ddh TEXT NOT NULL, zh TEXT NOT NULL, xyxm TEXT NOT NULL,
        kcmc TEXT NOT NULL, ddje INTEGER NOT NULL, gmks INTEGER NOT NULL,
        yxks INTEGER NOT NULL, yxje INTEGER NOT NULL, xdrq TEXT NOT NULL,
        ddzt TEXT NOT NULL)""",
    """CREATE TABLE tkjl (
        tkid INTEGER PRIMARY KEY, ddh TEXT NOT NULL, zh TEXT NOT NULL,
        tkje INTEGER NOT NULL, tkrq TEXT NOT NULL)""",
)

INDEXES = (
    "CREATE UNIQUE INDEX ux_jgzh_tyshxydm ON jgzh (tyshxydm)",
    "CREATE UNIQUE INDEX ux_jgzh_zh ON jgzh (zh)",
    "CREATE INDEX ix_yfdd_zh ON yfdd (zh)",
    "CREATE INDEX ix_tkjl_zh ON tkjl (zh)",
)
