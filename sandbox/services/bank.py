"""宋都银行 (Songdu Bank) custody open API (资金监管开放接口).

Served over ``bank_songdu.db`` (core tables: ``sandbox.schemas.bank_http``). Its
vocabulary differs from Jinming Bank's SQL on purpose: camelCase English names,
amounts as yuan strings with two decimals (``"1234.50"``), dates ``YYYY-MM-DD``
and times ISO 8601 with the ``+08:00`` offset. Every answer is
``{"retCode": "000000", "retMsg": "SUCCESS", "body": ...}``; an error is
``{"retCode": "<code>", "retMsg": "<why>", "body": null}`` with a 4xx status
(``400001`` malformed request, ``400002`` bad credit code, ``400003`` bad scan
parameter, ``404``/``405`` unknown path or method).

``GET /openapi/health``
    ``body``: ``{"status": "UP"}``
``POST /openapi/v2/custody/accounts/query`` — ``{"orgCodes": [...], "withOrders": true}``
    at most 200 credit codes. ``body.accounts``: one account per known code, in
    request order; ``body.notFound``: the codes without an account here.
    An account: ``acctNo``, ``acctName``, ``orgCode`` (credit code), ``openDate``,
    ``acctStatus`` (``A`` active, ``F`` frozen, ``C`` closed) since ``statusDate``, ``balance``,
    ``riskDeposit`` (风险保证金), ``collected`` (prepaid fees received),
    ``released`` (paid out lesson by lesson, 一课一消), ``refunded``,
    ``outstandingPrepay`` (received, not yet released or refunded), and with
    ``withOrders`` (default true) ``orders`` — ``orderNo``, ``studentName``,
    ``courseName``, ``amount``, ``lessons``, ``releasedLessons``,
    ``releasedAmount``, ``orderTime``, ``status`` (``O`` open, ``D`` done,
    ``R`` refunded) — and ``refunds`` — ``refundNo``, ``orderNo``, ``amount``,
    ``refundTime``.
``POST /openapi/v2/custody/accounts/scan``
    — ``{"coverageBelow": "0.90", "cursor": "", "limit": 200}``:
    accounts whose balance is below ``coverageBelow`` times the outstanding
    prepaid amount (accounts with nothing outstanding are never below), ordered
    by ``orgCode``, without orders. ``body``: ``{"accounts", "nextCursor"}``;
    pass ``nextCursor`` back as ``cursor`` until it is null. ``limit`` ≤ 1000.
    With ``acctStatus`` (a list of ``A``/``F``/``C``) instead of, or besides,
    ``coverageBelow``: the accounts in those states. ``fields``: the account's
    fields wanted (default: all; ``orgCode`` always).
``POST /openapi/v2/custody/orders/peaks`` — ``{"orgCodes": [...]}`` (optional,
    at most 200; without it, every account, paged by ``cursor``/``limit`` as a
    scan): per account and course, the most lessons one order bought, refunded
    orders aside. ``body``: ``{"peaks": [{"orgCode", "courseName",
    "maxLessons"}], "nextCursor"}``.
``POST /openapi/v2/custody/summary`` — ``{"regionPrefix": "4102"}`` (digits, may be
    empty): the bank's totals per district, the district being characters 3-8 of
    the account holder's credit code. ``body.districts``: ``[{"district",
    "accounts", "frozen", "collected", "released", "refunded", "outstanding"}]``
    (amounts as yuan strings).
``POST /openapi/v2/custody/releases`` — ``{"instructionId", "orderNo", "lessons",
    "amount", "approvedBy", "approvedAt"}``: pay the institution ``amount`` (yuan
    string) for ``lessons`` of the order, on the education bureau's approval. Applied
    at once and atomically (order, account totals, balance) in one transaction;
    ``body``: ``{"instructionId", "txnRef", "releasedLessons", "releasedAmount"}``.
    Business refusals come with HTTP 200 and their own ``retCode``: ``RLS409`` this
    instructionId was applied before (``body`` is the first application: nothing
    moves twice), ``RLS404`` no such order, ``RLS423`` account frozen, ``RLS410``
    account closed, ``RLS422`` order refunded or fewer lessons left, ``RLS412``
    amount not the order's price per lesson (the rest on the last), ``RLS402``
    balance too low.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from xietong.kernel.identifiers import credit_code_error
from xietong.sandbox.services.common import (
    InputError,
    JSONAnswer,
    SqliteReader,
    chosen_fields,
    json_object,
    native_app,
    string_list,
    whole_number,
    yuan,
)

_BEIJING = timezone(timedelta(hours=8))
MAX_BATCH = 200
MAX_SCAN = 1000
_ACCOUNT_COLUMNS = (
    "ACCT_NO, ACCT_NM, ORG_USCC, OPEN_DT, ACCT_STAT, STAT_DT, AVAIL_BAL, RISK_DEP_BAL,"
    " TOT_COLL_AMT, TOT_RLS_AMT, TOT_RFD_AMT, UNRLS_AMT"
)


def bank_app(db_path: Path, *, delay_ms: float | None = None) -> Starlette:
    """The custody API over ``db_path`` (``bank_songdu.db``)."""
    reader = SqliteReader(db_path)

    async def health(request: Request) -> JSONAnswer:
        await reader.fetch("SELECT 1")
        return _ok({"status": "UP"})

    async def query(request: Request) -> JSONAnswer:
        body = await json_object(request, {"orgCodes", "withOrders"}, "400001")
        codes = string_list(
            body.get("orgCodes"), "orgCodes", "400002", limit=MAX_BATCH, check=credit_code_error
        )
        with_orders = body.get("withOrders", True)
        if not isinstance(with_orders, bool):
            raise InputError("400001", "withOrders must be true or false")
        marks = ", ".join("?" * len(codes))
        rows = await reader.fetch(
            f"SELECT {_ACCOUNT_COLUMNS} FROM CUST_ACCT WHERE ORG_USCC IN ({marks})", codes
        )
        accounts = {row["ORG_USCC"]: _account(row) for row in rows}
        if with_orders and accounts:
            by_number = {account["acctNo"]: account for account in accounts.values()}
            for account in by_number.values():
                account["orders"], account["refunds"] = [], []
            numbers = list(by_number)
            marks = ", ".join("?" * len(numbers))
            for row in await reader.fetch(
                f"SELECT * FROM PREPAY_ORD WHERE ACCT_NO IN ({marks}) ORDER BY ORD_ID", numbers
            ):
                by_number[row["ACCT_NO"]]["orders"].append(_order(row))
            for row in await reader.fetch(
                f"SELECT * FROM RFD_TXN WHERE ACCT_NO IN ({marks}) ORDER BY RFD_ID", numbers
            ):
                by_number[row["ACCT_NO"]]["refunds"].append(
                    {
                        "refundNo": row["RFD_NO"],
                        "orderNo": row["ORD_NO"],
                        "amount": yuan(row["RFD_AMT"]),
                        "refundTime": _iso_time(row["RFD_TM"]),
                    }
                )
        return _ok(
            {
                "accounts": [accounts[code] for code in codes if code in accounts],
                "notFound": [code for code in codes if code not in accounts],
            }
        )

    async def scan(request: Request) -> JSONAnswer:
        body = await json_object(
            request, {"coverageBelow", "acctStatus", "cursor", "limit", "fields"}, "400001"
        )
        fields = ACCOUNT_FIELDS
        if "fields" in body:
            chosen = chosen_fields(body["fields"], "400003", known=ACCOUNT_FIELDS, key="orgCode")
            fields = tuple(chosen)
        conditions: list[str] = []
        parameters: list[object] = []
        if "coverageBelow" in body or "acctStatus" not in body:
            # Integer arithmetic in cents: 10000 * balance < ratio (basis points) * outstanding.
            conditions.append("UNRLS_AMT > 0 AND AVAIL_BAL * 10000 < UNRLS_AMT * ?")
            parameters.append(_ratio_basis_points(body.get("coverageBelow")))
        if "acctStatus" in body:
            states = string_list(
                body["acctStatus"], "acctStatus", "400003", limit=3, check=_state_error
            )
            conditions.append(f"ACCT_STAT IN ({', '.join('?' * len(states))})")
            parameters.extend(states)
        cursor, limit = _page(body)
        rows = await reader.fetch(
            f"SELECT {_ACCOUNT_COLUMNS} FROM CUST_ACCT WHERE ORG_USCC > ? AND "
            f"{' AND '.join(conditions)} ORDER BY ORG_USCC LIMIT ?",
            [cursor, *parameters, limit + 1],
        )
        page = [_account(row, fields) for row in rows[:limit]]
        next_cursor = page[-1]["orgCode"] if len(rows) > limit else None
        return _ok({"accounts": page, "nextCursor": next_cursor})

    async def peaks(request: Request) -> JSONAnswer:
        body = await json_object(request, {"orgCodes", "cursor", "limit"}, "400001")
        peaks_of = (
            "SELECT a.ORG_USCC, o.CRS_NM, MAX(o.LSN_CNT) AS MOST FROM PREPAY_ORD o"
            " JOIN CUST_ACCT a ON a.ACCT_NO = o.ACCT_NO WHERE o.ORD_STAT <> 'R' AND {accounts}"
            " GROUP BY a.ORG_USCC, o.CRS_NM ORDER BY a.ORG_USCC"
        )
        next_cursor = None
        if "orgCodes" in body:
            codes = string_list(
                body["orgCodes"], "orgCodes", "400002", limit=MAX_BATCH, check=credit_code_error
            )
            accounts = f"a.ORG_USCC IN ({', '.join('?' * len(codes))})"
            rows = await reader.fetch(peaks_of.format(accounts=accounts), codes)
        else:
            cursor, limit = _page(body)
            page = await reader.fetch(
                "SELECT ORG_USCC FROM CUST_ACCT WHERE ORG_USCC > ? ORDER BY ORG_USCC LIMIT ?",
                [cursor, limit + 1],
            )
            if len(page) > limit:
                next_cursor = page[limit - 1]["ORG_USCC"]
                page = page[:limit]
            last = page[-1]["ORG_USCC"] if page else cursor
            accounts = "a.ORG_USCC > ? AND a.ORG_USCC <= ?"
            rows = await reader.fetch(peaks_of.format(accounts=accounts), [cursor, last])
        found = [
            {"orgCode": row["ORG_USCC"], "courseName": row["CRS_NM"], "maxLessons": row["MOST"]}
            for row in rows
        ]
        return _ok({"peaks": found, "nextCursor": next_cursor})

    writer = ReleaseWriter(db_path)

    async def summary(request: Request) -> JSONAnswer:
        body = await json_object(request, {"regionPrefix"}, "400001")
        prefix = body.get("regionPrefix", "")
        if not isinstance(prefix, str) or not (prefix.isdigit() or prefix == ""):
            raise InputError("400003", "regionPrefix must be digits of a region code")
        if len(prefix) > 6:
            raise InputError("400003", "regionPrefix has at most 6 digits")
        rows = await reader.fetch(
            "SELECT substr(ORG_USCC, 3, 6) AS DISTRICT, COUNT(*) AS ACCOUNTS,"
            " SUM(CASE WHEN ACCT_STAT = 'F' THEN 1 ELSE 0 END) AS FROZEN,"
            " SUM(TOT_COLL_AMT) AS COLL, SUM(TOT_RLS_AMT) AS RLS, SUM(TOT_RFD_AMT) AS RFD,"
            " SUM(UNRLS_AMT) AS UNRLS FROM CUST_ACCT WHERE substr(ORG_USCC, 3, ?) = ?"
            " GROUP BY substr(ORG_USCC, 3, 6) ORDER BY DISTRICT",
            [len(prefix), prefix],
        )
        districts = [
            {
                "district": row["DISTRICT"],
                "accounts": row["ACCOUNTS"],
                "frozen": row["FROZEN"],
                "collected": yuan(row["COLL"]),
                "released": yuan(row["RLS"]),
                "refunded": yuan(row["RFD"]),
                "outstanding": yuan(row["UNRLS"]),
            }
            for row in rows
        ]
        return _ok({"districts": districts})

    async def release(request: Request) -> JSONAnswer:
        body = await json_object(
            request,
            {"instructionId", "orderNo", "lessons", "amount", "approvedBy", "approvedAt"},
            "400001",
        )
        instruction, order, approver, at = (
            _text(body.get(field), field)
            for field in ("instructionId", "orderNo", "approvedBy", "approvedAt")
        )
        lessons = whole_number(body.get("lessons"), "lessons", "400001", low=1, high=10_000)
        cents = _cents(body.get("amount"))
        code, message, answer = await run_in_threadpool(
            writer.apply, instruction, order, lessons, cents, approver, at
        )
        return JSONAnswer({"retCode": code, "retMsg": message, "body": answer})

    routes = [
        Route("/openapi/health", health, methods=["GET"]),
        Route("/openapi/v2/custody/accounts/query", query, methods=["POST"]),
        Route("/openapi/v2/custody/accounts/scan", scan, methods=["POST"]),
        Route("/openapi/v2/custody/orders/peaks", peaks, methods=["POST"]),
        Route("/openapi/v2/custody/releases", release, methods=["POST"]),
        Route("/openapi/v2/custody/summary", summary, methods=["POST"]),
    ]
    return native_app(routes, reader, _error, delay_ms=delay_ms)


class ReleaseWriter:
    """The core's release transaction: ``BEGIN IMMEDIATE`` takes the write lock first,
    so the checks and the moves see and change one state; the unique index on
    ``INSTR_ID`` is the last word on "applied once"."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def apply(
        self, instruction: str, order_no: str, lessons: int, cents: int, approver: str, at: str
    ) -> tuple[str, str, dict[str, Any] | None]:
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        connection.row_factory = sqlite3.Row
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                answer = self._apply(connection, instruction, order_no, lessons, cents, approver)
            except Exception:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT" if answer[0] == "000000" else "ROLLBACK")
            return answer
        finally:
            connection.close()

    def _apply(
        self,
        connection: sqlite3.Connection,
        instruction: str,
        order_no: str,
        lessons: int,
        cents: int,
        approver: str,
    ) -> tuple[str, str, dict[str, Any] | None]:
        done = connection.execute(
            "SELECT * FROM RLS_TXN WHERE INSTR_ID = ?", (instruction,)
        ).fetchone()
        if done is not None:
            return "RLS409", "instruction already applied", _release(done)
        order = connection.execute(
            "SELECT o.*, a.ACCT_STAT, a.AVAIL_BAL FROM PREPAY_ORD o"
            " JOIN CUST_ACCT a ON a.ACCT_NO = o.ACCT_NO WHERE o.ORD_NO = ?",
            (order_no,),
        ).fetchone()
        if order is None:
            return "RLS404", f"no order {order_no}", None
        if order["ACCT_STAT"] == "F":
            return "RLS423", "account frozen", None
        if order["ACCT_STAT"] == "C":
            return "RLS410", "account closed", None
        left = order["LSN_CNT"] - order["RLS_LSN_CNT"]
        if order["ORD_STAT"] == "R" or lessons > left:
            return "RLS422", f"{left} lesson(s) left on the order", None
        price = order["ORD_AMT"] // order["LSN_CNT"]
        expected = order["ORD_AMT"] - order["RLS_AMT"] if lessons == left else lessons * price
        if cents != expected:
            return "RLS412", f"amount must be {yuan(expected)}", None
        if order["AVAIL_BAL"] < cents:
            return "RLS402", "balance too low", None
        now = datetime.now(_BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        cursor = connection.execute(
            "INSERT INTO RLS_TXN (INSTR_ID, ORD_NO, ACCT_NO, LSN_CNT, RLS_AMT, APPR_BY, RLS_TM,"
            " TXN_REF) VALUES (?, ?, ?, ?, ?, ?, ?, '')",
            (instruction, order_no, order["ACCT_NO"], lessons, cents, approver, now),
        )
        reference = f"SDR{cursor.lastrowid:012d}"
        connection.execute(
            "UPDATE RLS_TXN SET TXN_REF = ? WHERE RLS_ID = ?", (reference, cursor.lastrowid)
        )
        connection.execute(
            "UPDATE PREPAY_ORD SET RLS_LSN_CNT = RLS_LSN_CNT + ?, RLS_AMT = RLS_AMT + ?,"
            " ORD_STAT = CASE WHEN RLS_LSN_CNT + ? = LSN_CNT THEN 'D' ELSE ORD_STAT END"
            " WHERE ORD_NO = ?",
            (lessons, cents, lessons, order_no),
        )
        connection.execute(
            "UPDATE CUST_ACCT SET AVAIL_BAL = AVAIL_BAL - ?, TOT_RLS_AMT = TOT_RLS_AMT + ?,"
            " UNRLS_AMT = UNRLS_AMT - ? WHERE ACCT_NO = ?",
            (cents, cents, cents, order["ACCT_NO"]),
        )
        done = connection.execute(
            "SELECT * FROM RLS_TXN WHERE INSTR_ID = ?", (instruction,)
        ).fetchone()
        return "000000", "SUCCESS", _release(done)


def _release(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "instructionId": row["INSTR_ID"],
        "txnRef": row["TXN_REF"],
        "releasedLessons": row["LSN_CNT"],
        "releasedAmount": yuan(row["RLS_AMT"]),
    }


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise InputError("400001", f"{field} must be a non-empty string")
    return value


def _cents(value: object) -> int:
    if not isinstance(value, str):
        raise InputError("400001", 'amount must be a yuan string such as "1234.50"')
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InputError("400001", 'amount must be a yuan string such as "1234.50"') from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent != -2:
        raise InputError("400001", 'amount must be a positive yuan string such as "1234.50"')
    return int(amount * 100)


def _page(body: dict[str, Any]) -> tuple[str, int]:
    """A scan's ``cursor`` (the last ``orgCode`` of the previous page) and ``limit``."""
    cursor = body.get("cursor") or ""
    if not isinstance(cursor, str):
        raise InputError("400003", "cursor must be the nextCursor of the previous page")
    return cursor, whole_number(body.get("limit", 200), "limit", "400003", low=1, high=MAX_SCAN)


def _state_error(state: str) -> str | None:
    return None if state in ("A", "F", "C") else "is not an account state (A, F or C)"


def _ratio_basis_points(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError("400003", 'coverageBelow must be a ratio such as "0.90"')
    try:
        ratio = Decimal(str(value))
    except InvalidOperation:
        raise InputError("400003", 'coverageBelow must be a ratio such as "0.90"') from None
    if not ratio.is_finite() or not 0 < ratio <= 100:
        raise InputError("400003", "coverageBelow must be above 0 and at most 100")
    return int(ratio * 10_000)


_ACCOUNT: dict[str, Callable[[sqlite3.Row], Any]] = {
    "acctNo": lambda row: row["ACCT_NO"],
    "acctName": lambda row: row["ACCT_NM"],
    "orgCode": lambda row: row["ORG_USCC"],
    "openDate": lambda row: row["OPEN_DT"],
    "acctStatus": lambda row: row["ACCT_STAT"],
    "statusDate": lambda row: row["STAT_DT"],
    "balance": lambda row: yuan(row["AVAIL_BAL"]),
    "riskDeposit": lambda row: yuan(row["RISK_DEP_BAL"]),
    "collected": lambda row: yuan(row["TOT_COLL_AMT"]),
    "released": lambda row: yuan(row["TOT_RLS_AMT"]),
    "refunded": lambda row: yuan(row["TOT_RFD_AMT"]),
    "outstandingPrepay": lambda row: yuan(row["UNRLS_AMT"]),
}
ACCOUNT_FIELDS = tuple(_ACCOUNT)


def _account(row: sqlite3.Row, fields: tuple[str, ...] = ACCOUNT_FIELDS) -> dict[str, Any]:
    return {name: _ACCOUNT[name](row) for name in fields}


def _order(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "orderNo": row["ORD_NO"],
        "studentName": row["STU_NM"],
        "courseName": row["CRS_NM"],
        "amount": yuan(row["ORD_AMT"]),
        "lessons": row["LSN_CNT"],
        "releasedLessons": row["RLS_LSN_CNT"],
        "releasedAmount": yuan(row["RLS_AMT"]),
        "orderTime": _iso_time(row["ORD_TM"]),
        "status": row["ORD_STAT"],
    }


def _iso_time(local: str) -> str:
    """``2026-09-01 10:20:00`` (Beijing time in the core) → ISO 8601 with offset."""
    return f"{local.replace(' ', 'T')}+08:00"


def _ok(body: object) -> JSONAnswer:
    return JSONAnswer({"retCode": "000000", "retMsg": "SUCCESS", "body": body})


def _error(code: str, message: str) -> dict[str, Any]:
    return {"retCode": code, "retMsg": message, "body": None}
