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
    ztrq      状态日期, in this state since
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

``hbzl`` 划拨指令 — release instructions from the education bureau (一课一消)
    hbid      id; ``zlbh`` 指令编号, the sender's instruction number (unique: an
              instruction number is applied once, a second insert fails)
    ddh       the order; ``hbks`` 划拨课时 lessons; ``hbje`` 划拨金额 fen
    sqr       审批人, who approved; ``jsrq`` 接收时间 ``YYYYMMDDHHMMSS``
    lsh       流水号, the bank's reference (``HB`` and ``hbid``)

The bank applies an instruction inside its insert (triggers): the order's
``yxks``/``yxje``/``ddzt`` and the account's ``ye``/``ljhb``/``dxje`` move with it,
or the insert is refused with ``RAISE(ABORT, '<code> <why>')``: ``E404`` no such
order, ``E201`` account frozen, ``E202`` account closed, ``E301`` order refunded,
``E302`` more lessons than remain, ``E303`` more money than remains (or not the
order's price per lesson), ``E401`` balance too low.
"""

from __future__ import annotations

TABLES = (
    """CREATE TABLE jgzh (
        zhid INTEGER PRIMARY KEY, zh TEXT NOT NULL, hm TEXT NOT NULL,
        tyshxydm TEXT NOT NULL, khrq TEXT NOT NULL, zhzt TEXT NOT NULL,
        ztrq TEXT NOT NULL, ye INTEGER NOT NULL, fxbzj INTEGER NOT NULL, ljsk INTEGER NOT NULL,
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
    """CREATE TABLE hbzl (
        hbid INTEGER PRIMARY KEY, zlbh TEXT NOT NULL, ddh TEXT NOT NULL,
        hbks INTEGER NOT NULL, hbje INTEGER NOT NULL, sqr TEXT NOT NULL,
        jsrq TEXT NOT NULL, lsh TEXT NOT NULL DEFAULT '')""",
)

_ORDER = "(SELECT {column} FROM yfdd WHERE ddh = NEW.ddh)"
_ACCOUNT = "(SELECT a.{column} FROM jgzh a JOIN yfdd d ON d.zh = a.zh WHERE d.ddh = NEW.ddh)"
_PRICE = f"({_ORDER.format(column='ddje')} / {_ORDER.format(column='gmks')})"
_LAST = f"({_ORDER.format(column='yxks')} + NEW.hbks = {_ORDER.format(column='gmks')})"
_REST = f"({_ORDER.format(column='ddje')} - {_ORDER.format(column='yxje')})"

TRIGGERS = (
    f"""CREATE TRIGGER hbzl_check BEFORE INSERT ON hbzl BEGIN
        SELECT CASE
            WHEN {_ORDER.format(column="ddh")} IS NULL THEN RAISE(ABORT, 'E404 订单不存在')
            WHEN {_ACCOUNT.format(column="zhzt")} = '1' THEN RAISE(ABORT, 'E201 账户已冻结')
            WHEN {_ACCOUNT.format(column="zhzt")} = '2' THEN RAISE(ABORT, 'E202 账户已销户')
            WHEN {_ORDER.format(column="ddzt")} = '3' THEN RAISE(ABORT, 'E301 订单已退款')
            WHEN NEW.hbks < 1 OR {_ORDER.format(column="yxks")} + NEW.hbks
                > {_ORDER.format(column="gmks")} THEN RAISE(ABORT, 'E302 超出剩余课时')
            WHEN NEW.hbje <> CASE WHEN {_LAST} THEN {_REST} ELSE NEW.hbks * {_PRICE} END
                THEN RAISE(ABORT, 'E303 划拨金额不符')
            WHEN {_ACCOUNT.format(column="ye")} < NEW.hbje THEN RAISE(ABORT, 'E401 余额不足')
        END;
    END""",
    """CREATE TRIGGER hbzl_apply AFTER INSERT ON hbzl BEGIN
        UPDATE jgzh SET ye = ye - NEW.hbje, ljhb = ljhb + NEW.hbje, dxje = dxje - NEW.hbje,
            gxrq = substr(NEW.jsrq, 1, 8)
            WHERE zh = (SELECT zh FROM yfdd WHERE ddh = NEW.ddh);
        UPDATE yfdd SET yxks = yxks + NEW.hbks, yxje = yxje + NEW.hbje,
            ddzt = CASE WHEN yxks + NEW.hbks = gmks THEN '2' ELSE ddzt END
            WHERE ddh = NEW.ddh;
        UPDATE hbzl SET lsh = 'HB' || printf('%012d', NEW.hbid) WHERE hbid = NEW.hbid;
    END""",
)

INDEXES = (
    "CREATE UNIQUE INDEX ux_jgzh_tyshxydm ON jgzh (tyshxydm)",
    "CREATE UNIQUE INDEX ux_jgzh_zh ON jgzh (zh)",
    # With the columns of the hub's largest-order question (each course's most lessons
    # bought, refunded orders aside): answered from the index, without a row read each.
    "CREATE INDEX ix_yfdd_zh ON yfdd (zh, kcmc, ddzt, gmks)",
    "CREATE INDEX ix_tkjl_zh ON tkjl (zh)",
    "CREATE UNIQUE INDEX ux_yfdd_ddh ON yfdd (ddh)",
    "CREATE UNIQUE INDEX ux_hbzl_zlbh ON hbzl (zlbh)",
    "CREATE INDEX ix_hbzl_ddh ON hbzl (ddh)",
    *TRIGGERS,
)
