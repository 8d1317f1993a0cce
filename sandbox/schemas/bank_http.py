"""宋都银行 (Songdu Bank) custody core tables: ``bank_songdu.db``.

The store behind the bank's open API (``sandbox.services.bank``); adapters never
read it directly, the API renders its own JSON (camelCase, yuan strings, ISO
dates). Internally the core banking system keeps upper-case column names,
amounts as integer cents and dates as ``YYYY-MM-DD`` / ``YYYY-MM-DD HH:MM:SS``.

``CUST_ACCT`` — custody accounts, one per institution
    ACCT_ID        internal row id
    ACCT_NO        account number (17 digits)
    ACCT_NM        account name
    ORG_USCC       the institution's credit code (unique)
    OPEN_DT        opened on
    ACCT_STAT      ``A`` active, ``F`` frozen, ``C`` closed
    STAT_DT        in this state since
    AVAIL_BAL      balance, cents
    RISK_DEP_BAL   risk deposit (风险保证金), cents
    TOT_COLL_AMT   prepaid fees collected, cents
    TOT_RLS_AMT    released per lesson (一课一消), cents
    TOT_RFD_AMT    refunded, cents
    UNRLS_AMT      outstanding prepaid not yet released, cents

``PREPAY_ORD`` — prepaid orders
    ORD_ID, ORD_NO, ACCT_NO, STU_NM (student), CRS_NM (course),
    ORD_AMT (cents), LSN_CNT (lessons bought), RLS_LSN_CNT (lessons released),
    RLS_AMT (cents released), ORD_TM (ordered at, local time),
    ORD_STAT ``O`` open, ``D`` done, ``R`` refunded

``RFD_TXN`` — refunds
    RFD_ID, RFD_NO, ORD_NO, ACCT_NO, RFD_AMT (cents), RFD_TM (local time)

``RLS_TXN`` — releases to the institution on the education bureau's instruction
    RLS_ID, INSTR_ID (the sender's instruction id, unique), ORD_NO, ACCT_NO,
    LSN_CNT (lessons), RLS_AMT (cents), APPR_BY (approved by), RLS_TM (local
    time), TXN_REF (the bank's reference)
"""

from __future__ import annotations

TABLES = (
    """CREATE TABLE CUST_ACCT (
        ACCT_ID INTEGER PRIMARY KEY, ACCT_NO TEXT NOT NULL, ACCT_NM TEXT NOT NULL,
        ORG_USCC TEXT NOT NULL, OPEN_DT TEXT NOT NULL, ACCT_STAT TEXT NOT NULL,
        STAT_DT TEXT NOT NULL,
        AVAIL_BAL INTEGER NOT NULL, RISK_DEP_BAL INTEGER NOT NULL,
        TOT_COLL_AMT INTEGER NOT NULL, TOT_RLS_AMT INTEGER NOT NULL,
        TOT_RFD_AMT INTEGER NOT NULL, UNRLS_AMT INTEGER NOT NULL)""",
    """CREATE TABLE PREPAY_ORD (
        ORD_ID INTEGER PRIMARY KEY, ORD_NO TEXT NOT NULL, ACCT_NO TEXT NOT NULL,
        STU_NM TEXT NOT NULL, CRS_NM TEXT NOT NULL, ORD_AMT INTEGER NOT NULL,
        LSN_CNT INTEGER NOT NULL, RLS_LSN_CNT INTEGER NOT NULL, RLS_AMT INTEGER NOT NULL,
        ORD_TM TEXT NOT NULL, ORD_STAT TEXT NOT NULL)""",
    """CREATE TABLE RFD_TXN (
        RFD_ID INTEGER PRIMARY KEY, RFD_NO TEXT NOT NULL, ORD_NO TEXT NOT NULL,
        ACCT_NO TEXT NOT NULL, RFD_AMT INTEGER NOT NULL, RFD_TM TEXT NOT NULL)""",
    """CREATE TABLE RLS_TXN (
        RLS_ID INTEGER PRIMARY KEY, INSTR_ID TEXT NOT NULL, ORD_NO TEXT NOT NULL,
        ACCT_NO TEXT NOT NULL, LSN_CNT INTEGER NOT NULL, RLS_AMT INTEGER NOT NULL,
        APPR_BY TEXT NOT NULL, RLS_TM TEXT NOT NULL, TXN_REF TEXT NOT NULL)""",
)

INDEXES = (
    "CREATE UNIQUE INDEX UX_CUST_ACCT_ORG ON CUST_ACCT (ORG_USCC)",
    "CREATE UNIQUE INDEX UX_CUST_ACCT_NO ON CUST_ACCT (ACCT_NO)",
    "CREATE INDEX IX_PREPAY_ORD_ACCT ON PREPAY_ORD (ACCT_NO)",
    "CREATE INDEX IX_RFD_TXN_ACCT ON RFD_TXN (ACCT_NO)",
    "CREATE UNIQUE INDEX UX_PREPAY_ORD_NO ON PREPAY_ORD (ORD_NO)",
    "CREATE UNIQUE INDEX UX_RLS_TXN_INSTR ON RLS_TXN (INSTR_ID)",
    "CREATE INDEX IX_RLS_TXN_ORD ON RLS_TXN (ORD_NO)",
)
