"""Education bureau's supervision platform (校外培训监管平台): ``education.db``.

Read directly over SQL by the EDUCATION adapter. Every table carries
``tyshxydm`` so a batch of credit codes is one ``IN (...)`` per table.

``jg_jbxx`` 机构基本信息 — one row per institution
    jgid      internal row id
    tyshxydm  统一社会信用代码, credit code (unique)
    jgmc      机构名称, institution name
    xzqh      行政区划, region code (6 digits)
    jglb      机构类别, category: ``1`` 学科类 subject, ``2`` 非学科类 non-subject
    jgzt      机构状态, status: ``1`` 正常办学 operating, ``2`` 停业整顿 suspended,
              ``3`` 终止办学 closed
    bxdz      办学地址, premises address
    fzrxm     负责人姓名, head of the institution
    lxdh      联系电话, phone
    clrq      成立日期, founded on

``jg_pxly`` 培训领域 — training domains, one row per domain
    pxly      ``01`` 学科 ACADEMIC, ``02`` 体育 SPORTS, ``03`` 文化艺术 CULTURE_ART,
              ``04`` 科技 SCIENCE_TECHNOLOGY

``jg_zgbm`` 主管部门 — competent departments (supervisors), one row each
    zgbm      ``1`` 教育局 EDUCATION, ``2`` 文化广电和旅游局 CULTURE_TOURISM,
              ``3`` 科学技术局 SCIENCE_TECHNOLOGY, ``4`` 体育局 SPORTS
              (always ``1``; plus the bureau of each non-academic domain)

``bxxkz`` 办学许可证 — school licence, at most one per institution
    xkzh      许可证号, licence number (``教民…号``)
    xkzzt     许可证状态: ``1`` 有效 VALID, ``2`` 暂停 SUSPENDED, ``3`` 吊销 REVOKED,
              ``4`` 过期 EXPIRED (the platform sets ``4`` itself once ``yxqz`` has
              passed, so the code can be trusted as is)
    fzrq      发证日期, issued on
    yxqz      有效期至, valid until
    fzjg      发证机关, issuing authority

``kc`` 课程 — courses
    kcid      course id
    kcmc      课程名称, name
    sfxk      是否学科类, subject course: ``1`` yes, ``0`` no
    zks       总课时, lessons (class hours) in the course
    ksdj      课时单价, price per lesson in fen
    sfbz      收费标准, price of the whole course in fen (``zks * ksdj``)
    yszdys    预收最长月数, prepaid terms: at most this many months in advance
    yszdks    预收最多课时, prepaid terms: at most this many lessons in advance
    jssfzh    授课教师身份证号, the teacher's ID number (a ``jzg.sfzh``)
    pxly      培训领域 the course is filed under (codes as ``jg_pxly.pxly``)

``jzg`` 教职工 — staff roster; one person may work at several institutions
    jzgid     staff row id
    xm        姓名, name
    sfzh      身份证号, resident ID number
    gwlb      岗位类别, post: ``1`` 负责人 head, ``2`` 教师 teacher, ``3`` 教辅
              teaching assistant, ``4`` 行政 administration, ``5`` 财务 finance
    jszgzh    教师资格证号, teacher certificate number; empty if none
    rzrq      入职日期, employed since

``jcjl`` 检查记录 — inspections by the bureau
    jcid      inspection id
    jcrq      检查日期, inspected on
    jcry      检查人员, inspectors (names separated by ``、``)
    jcjg      检查结果: ``1`` 合格 passed, ``2`` 责令整改 rectification ordered,
              ``3`` 不合格 failed
    jcsm      检查说明, remarks

``zgtzs`` 整改通知书 — rectification notices issued after an inspection
    tzsid     notice id
    wsh       文书号, document number
    jcid      the inspection (``jcjl.jcid``)
    xdrq      下达日期, issued on
    zgqx      整改期限, deadline
    zgzt      整改状态: ``0`` 未整改 open, ``1`` 已整改 closed
    zgnr      整改内容, what must be rectified
    wcrq      完成日期, closed on (empty while open)

``jb`` 举报 — tip-offs; the reporter is confidential
    jbid      tip-off id
    jbrq      举报日期, received on
    jbnr      举报内容, content
    jbrxm     举报人姓名, reporter's name (confidential)
    jbrdh     举报人电话, reporter's phone (confidential)
    blzt      办理状态: ``0`` 待处理 new, ``1`` 处理中 in progress, ``2`` 已办结 closed

``xkjl`` 消课记录 — lessons given, as the institution reports them per prepaid order
    xkid      id
    ddh       订单号, the order at its custody bank
    xkks      消课课时, lessons given
    sfqr      是否确认, confirmed by the payer: ``1`` yes, ``0`` not yet
    xkrq      消课日期, given on

``hmd`` 黑名单 — blacklist of institutions
    hmdid     entry id
    lrrq      列入日期, listed on
    lrjg      列入机关, the authority that listed it
    lryy      列入原因, reason
    ycrq      移出日期, leaves (or left) the list on; empty: no end set. An entry
              holds while ``ycrq`` is empty or after today.

``cyjz`` 从业禁止 — persons barred from working in training (by ID number, not
by institution: the roster ``jzg`` says where they work)
    cyjzid    entry id
    sfzh      身份证号, resident ID number
    xm        姓名, name
    jzrq      禁止日期, barred on
    jzjg      决定机关, the authority that barred them
    jzyy      禁止原因, reason
    jzqx      禁止期限至, barred until; empty: for life (终身)
"""

from __future__ import annotations

TABLES = (
    """CREATE TABLE jg_jbxx (
        jgid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, jgmc TEXT NOT NULL,
        xzqh TEXT NOT NULL, jglb TEXT NOT NULL, jgzt TEXT NOT NULL, bxdz TEXT NOT NULL,
        fzrxm TEXT NOT NULL, lxdh TEXT NOT NULL, clrq TEXT NOT NULL)""",
    """CREATE TABLE jg_pxly (tyshxydm TEXT NOT NULL, pxly TEXT NOT NULL)""",
    """CREATE TABLE jg_zgbm (tyshxydm TEXT NOT NULL, zgbm TEXT NOT NULL)""",
    """CREATE TABLE bxxkz (
        tyshxydm TEXT NOT NULL, xkzh TEXT NOT NULL, xkzzt TEXT NOT NULL,
        fzrq TEXT NOT NULL, yxqz TEXT NOT NULL, fzjg TEXT NOT NULL)""",
    """CREATE TABLE kc (
        kcid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, kcmc TEXT NOT NULL,
        sfxk TEXT NOT NULL, zks INTEGER NOT NULL, ksdj INTEGER NOT NULL,
        sfbz INTEGER NOT NULL, yszdys INTEGER NOT NULL, yszdks INTEGER NOT NULL,
        jssfzh TEXT NOT NULL, pxly TEXT NOT NULL)""",
    """CREATE TABLE jzg (
        jzgid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, xm TEXT NOT NULL,
        sfzh TEXT NOT NULL, gwlb TEXT NOT NULL, jszgzh TEXT NOT NULL, rzrq TEXT NOT NULL)""",
    """CREATE TABLE jcjl (
        jcid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, jcrq TEXT NOT NULL,
        jcry TEXT NOT NULL, jcjg TEXT NOT NULL, jcsm TEXT NOT NULL)""",
    """CREATE TABLE zgtzs (
        tzsid INTEGER PRIMARY KEY, wsh TEXT NOT NULL, jcid INTEGER NOT NULL,
        tyshxydm TEXT NOT NULL, xdrq TEXT NOT NULL, zgqx TEXT NOT NULL,
        zgzt TEXT NOT NULL, zgnr TEXT NOT NULL, wcrq TEXT NOT NULL)""",
    """CREATE TABLE jb (
        jbid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, jbrq TEXT NOT NULL,
        jbnr TEXT NOT NULL, jbrxm TEXT NOT NULL, jbrdh TEXT NOT NULL, blzt TEXT NOT NULL)""",
    """CREATE TABLE xkjl (
        xkid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, ddh TEXT NOT NULL,
        xkks INTEGER NOT NULL, sfqr TEXT NOT NULL, xkrq TEXT NOT NULL)""",
    """CREATE TABLE hmd (
        hmdid INTEGER PRIMARY KEY, tyshxydm TEXT NOT NULL, lrrq TEXT NOT NULL,
        lrjg TEXT NOT NULL, lryy TEXT NOT NULL, ycrq TEXT NOT NULL)""",
    """CREATE TABLE cyjz (
        cyjzid INTEGER PRIMARY KEY, sfzh TEXT NOT NULL, xm TEXT NOT NULL,
        jzrq TEXT NOT NULL, jzjg TEXT NOT NULL, jzyy TEXT NOT NULL, jzqx TEXT NOT NULL)""",
)

# Some indexes carry the columns the hub's city-wide questions read (a roster's ID
# numbers, a subject course's teacher, whether that teacher holds a certificate, a
# course's domain, a course's prepaid terms by its name, a licence in force's validity):
# SQLite answers those from the index alone, without a read of the row for each.
INDEXES = (
    "CREATE UNIQUE INDEX ux_jg_jbxx_tyshxydm ON jg_jbxx (tyshxydm)",
    "CREATE INDEX ix_jg_jbxx_xzqh ON jg_jbxx (xzqh, jglb)",
    "CREATE INDEX ix_jg_jbxx_jglb ON jg_jbxx (jglb)",
    "CREATE UNIQUE INDEX ux_jg_pxly ON jg_pxly (tyshxydm, pxly)",
    "CREATE INDEX ix_jg_pxly_pxly ON jg_pxly (pxly, tyshxydm)",
    "CREATE UNIQUE INDEX ux_jg_zgbm ON jg_zgbm (tyshxydm, zgbm)",
    "CREATE INDEX ix_jg_zgbm_zgbm ON jg_zgbm (zgbm, tyshxydm)",
    "CREATE UNIQUE INDEX ux_bxxkz_tyshxydm ON bxxkz (tyshxydm)",
    "CREATE INDEX ix_bxxkz_xkzzt ON bxxkz (xkzzt, tyshxydm, yxqz)",
    "CREATE INDEX ix_kc_tyshxydm ON kc (tyshxydm, sfxk, jssfzh)",
    "CREATE INDEX ix_kc_jssfzh ON kc (jssfzh)",
    "CREATE INDEX ix_kc_prepaid ON kc (tyshxydm, yszdys, yszdks)",
    "CREATE INDEX ix_kc_pxly ON kc (tyshxydm, pxly)",
    "CREATE INDEX ix_kc_terms ON kc (tyshxydm, kcmc, yszdks)",
    "CREATE INDEX ix_jg_jbxx_xzqh_code ON jg_jbxx (xzqh, tyshxydm)",
    "CREATE INDEX ix_jzg_tyshxydm ON jzg (tyshxydm, sfzh)",
    "CREATE INDEX ix_jzg_sfzh ON jzg (sfzh, tyshxydm, jszgzh)",
    "CREATE INDEX ix_jcjl_tyshxydm ON jcjl (tyshxydm)",
    "CREATE INDEX ix_zgtzs_tyshxydm ON zgtzs (tyshxydm)",
    "CREATE INDEX ix_zgtzs_zgzt ON zgtzs (zgzt, zgqx)",
    "CREATE INDEX ix_jb_tyshxydm ON jb (tyshxydm)",
    "CREATE INDEX ix_hmd_tyshxydm ON hmd (tyshxydm, ycrq)",
    "CREATE INDEX ix_cyjz_sfzh ON cyjz (sfzh)",
    "CREATE INDEX ix_xkjl_tyshxydm ON xkjl (tyshxydm, ddh)",
)
