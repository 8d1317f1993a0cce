"""宋都银行 (Songdu Bank)'s custody open API, over HTTP (source format ``bank-songdu``).

Glossary (native → canonical; the API's own is ``sandbox.services.bank``):
envelope ``{"retCode": "000000", "retMsg", "body"}``; ``POST
/openapi/v2/custody/accounts/query`` with ``orgCodes`` (at most 200) answers
``body.accounts``: ``orgCode`` credit_code, ``acctNo`` account_number, ``balance``,
``riskDeposit`` risk_deposit, ``outstandingPrepay`` outstanding_prepaid, ``released``
released_total, ``refunded`` refunded_total, ``collected`` received_total — yuan
strings (``"1234.50"``) → Decimal; ``acctStatus`` (``A`` NORMAL, ``F`` FROZEN, ``C``
CLOSED) since ``statusDate``, ``openDate`` opened_on; with ``withOrders`` the
``orders`` (``orderNo``, ``courseName``, ``studentName``, ``amount``, ``lessons``,
``releasedLessons``, ``releasedAmount``, ``orderTime``, ``status`` ``O`` RUNNING
``D`` COMPLETED ``R`` REFUNDED) and ``refunds``. Lookups ask for the orders; scans
(which only select codes) do not.
``POST /openapi/v2/custody/accounts/scan`` with ``coverageBelow`` (a ratio with four
decimals) pages through the accounts below it by ``cursor``/``nextCursor``.
Not carried: ``acctName``.
``POST /openapi/v2/custody/summary`` with ``regionPrefix`` answers the bank's totals
per district (``body.districts``: ``district``, ``accounts``, ``frozen``,
``collected`` received, ``released``, ``refunded``, ``outstanding``).
``POST /openapi/v2/custody/releases`` takes a release instruction (``instructionId``,
``orderNo``, ``lessons``, ``amount`` yuan string, ``approvedBy``, ``approvedAt``);
``retCode`` ``000000`` applied (``body.txnRef``), ``RLS409`` applied before (the
first application's ``body``), else refused: ``RLS404`` no order, ``RLS423`` frozen,
``RLS410`` closed, ``RLS422``/``RLS412`` more than the order holds, ``RLS402``
balance. Not retried by the HTTP client (not a read); the hub's outbox re-sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from xietong.adapters.finance.banks import OrderPeaks
from xietong.adapters.native import (
    NativeShapeError,
    chunked,
    decode,
    gather_batches,
    iso_date,
    json_list,
    json_object,
    native_codes,
    native_shape,
    yuan,
)
from xietong.adapters.sources.http import HttpSource
from xietong.domain.records import (
    BankRefusal,
    BankVerdict,
    CustodyStatus,
    CustodyTotals,
    FundSupervision,
    OrderStatus,
    PrepaidOrder,
    Refund,
    ReleaseRequest,
)

DISPLAY_NAME = "宋都银行"
BATCH_LIMIT = 200
"""Codes per query, the API's cap."""
REQUESTS_AT_ONCE = 4
"""Lookups sent side by side when many codes are asked about."""
SCAN_LIMIT = 1000
"""Accounts per page of a scan, the API's cap."""
SCAN_FROM = 50_000
"""Codes from which the largest orders (and who holds an account) are read by a scan of
the bank's accounts. The scan's pages follow one another (a cursor), so it costs the
bank's size whatever is asked: at 100,000 institutions (39,000 accounts here) it took
0.8 s for any number of codes, lookups by code 0.1 s for 5,000 and 0.3 s for 20,000;
they met near 60,000."""
_OK = "000000"
STATUSES = {"A": CustodyStatus.NORMAL, "F": CustodyStatus.FROZEN, "C": CustodyStatus.CLOSED}
ORDER_STATUSES = {"O": OrderStatus.RUNNING, "D": OrderStatus.COMPLETED, "R": OrderStatus.REFUNDED}


REFUSALS = {
    "RLS404": BankRefusal.NO_ORDER,
    "RLS423": BankRefusal.ACCOUNT_FROZEN,
    "RLS410": BankRefusal.ACCOUNT_CLOSED,
    "RLS422": BankRefusal.EXCEEDS_ORDER,
    "RLS412": BankRefusal.EXCEEDS_ORDER,
    "RLS402": BankRefusal.INSUFFICIENT_BALANCE,
}
_APPLIED = {_OK, "RLS409"}


class SongduBank:
    def __init__(self, source: HttpSource) -> None:
        self.source = source
        self.display_name = DISPLAY_NAME

    async def _query_accounts(self, codes: list[str], *, with_orders: bool) -> list[Any]:
        """The accounts of ``codes``, a request per batch, all at once."""
        return await gather_batches(
            [
                self.source.request_json(
                    "POST",
                    "/openapi/v2/custody/accounts/query",
                    json={"orgCodes": batch, "withOrders": with_orders},
                    idempotent=True,
                )
                for batch in chunked(codes, BATCH_LIMIT)
            ]
        )

    async def accounts(
        self, codes: list[str], *, ledger: bool = True
    ) -> dict[str, FundSupervision]:
        answers = await self._query_accounts(codes, with_orders=ledger)
        found = {}
        with native_shape(self.source.config.department, self.source.config.name):
            for answer in answers:
                for account in json_list(_body(answer)["accounts"], "body.accounts"):
                    record = self._account(json_object(account, "body.accounts[]"))
                    found[record.credit_code] = record
        return found

    async def holding(self, codes: list[str]) -> set[str]:
        """The accounts looked up, without their orders, a few requests at a time (a
        city's worth at once would queue past the timeout); for more than ``SCAN_FROM``
        codes, the scan of every account's code (at 100,000 institutions, 0.39 s and
        0.31 s of the bank's CPU; lookups of the city's 95,000 codes took 0.71 s and
        0.68 s)."""
        if len(codes) > SCAN_FROM:
            return set(codes) & await self.accounts_in(frozenset(CustodyStatus), None)
        held: set[str] = set()
        for wave in chunked(codes, BATCH_LIMIT * REQUESTS_AT_ONCE):
            answers = await self._query_accounts(wave, with_orders=False)
            with native_shape(self.source.config.department, self.source.config.name):
                for answer in answers:
                    held.update(_codes(_body(answer)))
        return held

    async def accounts_below(
        self, basis_points: int, among: Sequence[str] | None
    ) -> dict[str, FundSupervision]:
        """Accounts below the ratio, by the API's scan; among a few codes, by lookup (the
        scan cannot be narrowed to codes), leaving the comparison to the caller."""
        if among is not None:
            return await self.accounts(list(among))
        return await self._scan({"coverageBelow": str(Decimal(basis_points).scaleb(-4))})

    async def accounts_in(
        self, statuses: frozenset[CustodyStatus], among: Sequence[str] | None
    ) -> set[str]:
        wanted = native_codes(STATUSES, statuses)
        if not wanted:
            return set()
        if among is not None:
            found = await self.accounts(list(among))
            return {code for code, account in found.items() if account.status in statuses}
        # Only the codes (and states): a scan of every account in a state is most of
        # the bank, whose balances and totals this has no use for.
        found_codes: set[str] = set()
        cursor: str | None = ""
        while cursor is not None:
            answer = await self.source.request_json(
                "POST",
                "/openapi/v2/custody/accounts/scan",
                json={
                    "acctStatus": wanted,
                    "fields": ["acctStatus"],
                    "cursor": cursor,
                    "limit": SCAN_LIMIT,
                },
                idempotent=True,
            )
            with native_shape(self.source.config.department, self.source.config.name):
                body = _body(answer)
                found_codes.update(_codes(body, statuses))
                cursor = _cursor(body)
        return found_codes

    async def order_peaks(self, among: Sequence[str] | None) -> OrderPeaks:
        if among is not None and len(among) > SCAN_FROM:
            # Many codes, most banking elsewhere: the bank's own pages of its accounts
            # (a thousand a request, only those it holds) against 200 codes a request.
            wanted = set(among)
            scanned = await self.order_peaks(None)
            return {code: peaks for code, peaks in scanned.items() if code in wanted}
        if among is not None:
            answers = await gather_batches(
                [
                    self.source.request_json(
                        "POST",
                        "/openapi/v2/custody/orders/peaks",
                        json={"orgCodes": batch},
                        idempotent=True,
                    )
                    for batch in chunked(among, BATCH_LIMIT)
                ]
            )
        else:
            answers = []
            cursor: str | None = ""
            while cursor is not None:
                answer = await self.source.request_json(
                    "POST",
                    "/openapi/v2/custody/orders/peaks",
                    json={"cursor": cursor, "limit": SCAN_LIMIT},
                    idempotent=True,
                )
                answers.append(answer)
                with native_shape(self.source.config.department, self.source.config.name):
                    cursor = _cursor(_body(answer))
        peaks: OrderPeaks = {}
        with native_shape(self.source.config.department, self.source.config.name):
            for answer in answers:
                for item in json_list(_body(answer)["peaks"], "body.peaks"):
                    peak = json_object(item, "body.peaks[]")
                    peaks.setdefault(peak["orgCode"], {})[peak["courseName"]] = int(
                        peak["maxLessons"]
                    )
        return peaks

    async def district_totals(self, region_prefix: str) -> dict[str, CustodyTotals]:
        answer = await self.source.request_json(
            "POST",
            "/openapi/v2/custody/summary",
            json={"regionPrefix": region_prefix},
            idempotent=True,
        )
        found = {}
        with native_shape(self.source.config.department, self.source.config.name):
            for item in json_list(_body(answer)["districts"], "body.districts"):
                row = json_object(item, "body.districts[]")
                found[str(row["district"])] = CustodyTotals(
                    accounts=int(row["accounts"]),
                    frozen=int(row["frozen"]),
                    received=yuan(row["collected"], "collected"),
                    released=yuan(row["released"], "released"),
                    refunded=yuan(row["refunded"], "refunded"),
                    outstanding=yuan(row["outstanding"], "outstanding"),
                )
        return found

    async def release(self, request: ReleaseRequest) -> BankVerdict:
        answer = await self.source.request_json(
            "POST",
            "/openapi/v2/custody/releases",
            json={
                "instructionId": request.instruction_id,
                "orderNo": request.order_number,
                "lessons": request.lessons,
                "amount": f"{request.amount_fen // 100}.{request.amount_fen % 100:02d}",
                "approvedBy": request.approved_by,
                "approvedAt": request.approved_at.isoformat(),
            },
            idempotent=False,
        )
        with native_shape(self.source.config.department, self.source.config.name):
            envelope = json_object(answer, "answer")
            code, message = envelope.get("retCode"), str(envelope.get("retMsg"))
            if code in _APPLIED:
                reference = json_object(envelope["body"], "body")["txnRef"]
                if not isinstance(reference, str):
                    raise NativeShapeError("body.txnRef is not a string")
                return BankVerdict(True, reference=reference)
            refusal = REFUSALS.get(str(code))
            if refusal is None:
                raise NativeShapeError(f"retCode {code!r}: {message!r}")
            return BankVerdict(False, refusal=refusal, reason=f"{code} {message}")

    async def _scan(self, condition: dict[str, Any]) -> dict[str, FundSupervision]:
        found: dict[str, FundSupervision] = {}
        cursor: str | None = ""
        while cursor is not None:
            answer = await self.source.request_json(
                "POST",
                "/openapi/v2/custody/accounts/scan",
                json={**condition, "cursor": cursor, "limit": SCAN_LIMIT},
                idempotent=True,
            )
            with native_shape(self.source.config.department, self.source.config.name):
                body = _body(answer)
                for account in json_list(body["accounts"], "body.accounts"):
                    record = self._account(json_object(account, "body.accounts[]"))
                    found[record.credit_code] = record
                cursor = _cursor(body)
        return found

    def _account(self, account: dict[str, Any]) -> FundSupervision:
        return FundSupervision(
            credit_code=account["orgCode"],
            bank=self.display_name,
            account_number=account["acctNo"],
            balance=yuan(account["balance"], "balance"),
            risk_deposit=yuan(account["riskDeposit"], "riskDeposit"),
            outstanding_prepaid=yuan(account["outstandingPrepay"], "outstandingPrepay"),
            released_total=yuan(account["released"], "released"),
            refunded_total=yuan(account["refunded"], "refunded"),
            status=decode(STATUSES, account["acctStatus"], "acctStatus"),
            status_since=iso_date(account["statusDate"], "statusDate"),
            opened_on=iso_date(account["openDate"], "openDate"),
            received_total=yuan(account["collected"], "collected"),
            orders=tuple(
                _order(json_object(order, "orders[]"))
                for order in json_list(account.get("orders", []), "orders")
            ),
            refunds=tuple(
                _refund(json_object(refund, "refunds[]"))
                for refund in json_list(account.get("refunds", []), "refunds")
            ),
        )


def _order(order: dict[str, Any]) -> PrepaidOrder:
    return PrepaidOrder(
        number=order["orderNo"],
        course=order["courseName"],
        student_name=order["studentName"],
        amount=yuan(order["amount"], "orders[].amount"),
        lessons_bought=order["lessons"],
        lessons_released=order["releasedLessons"],
        amount_released=yuan(order["releasedAmount"], "orders[].releasedAmount"),
        ordered_on=iso_date(order["orderTime"], "orders[].orderTime"),
        status=decode(ORDER_STATUSES, order["status"], "orders[].status"),
    )


def _refund(refund: dict[str, Any]) -> Refund:
    return Refund(
        number=refund["refundNo"],
        order_number=refund["orderNo"],
        amount=yuan(refund["amount"], "refunds[].amount"),
        refunded_on=iso_date(refund["refundTime"], "refunds[].refundTime"),
    )


def _codes(body: dict[str, Any], statuses: frozenset[CustodyStatus] | None = None) -> list[str]:
    """The credit codes of ``body.accounts`` (in one of ``statuses``, if given), read
    without the rest of each account."""
    codes = []
    for item in json_list(body["accounts"], "body.accounts"):
        account = json_object(item, "body.accounts[]")
        status = decode(STATUSES, account["acctStatus"], "acctStatus")
        if statuses is None or status in statuses:
            code = account["orgCode"]
            if not isinstance(code, str):
                raise NativeShapeError("orgCode is not a string")
            codes.append(code)
    return codes


def _cursor(body: dict[str, Any]) -> str | None:
    cursor = body["nextCursor"]
    if cursor is not None and not isinstance(cursor, str):
        raise NativeShapeError("body.nextCursor is not a string")
    return cursor


def _body(answer: Any) -> dict[str, Any]:
    envelope = json_object(answer, "answer")
    if envelope.get("retCode") != _OK:
        raise NativeShapeError(f"retCode {envelope.get('retCode')!r}: {envelope.get('retMsg')!r}")
    return json_object(envelope["body"], "body")
