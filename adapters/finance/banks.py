"""The supervising banks' custody systems, one module per bank's native shape.

Each maps its own accounts to ``FundSupervision``; ``adapters.finance`` asks
every configured bank and merges the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from xietong.adapters.sources.registry import Source
from xietong.domain.records import (
    BankVerdict,
    CustodyStatus,
    CustodyTotals,
    FundSupervision,
    ReleaseRequest,
)

DISTRICT_OF_CODE = slice(2, 8)
"""Characters 3-8 of a credit code: the registering authority's region (GB 32100), which
is all a bank knows of where an institution is, and what it groups its accounts by."""
OrderPeaks = dict[str, dict[str, int]]
"""Credit code → course name → the most lessons of one order (not refunded)."""


class CustodyBank(Protocol):
    """One bank's custody accounts (资金监管账户), by the institution's credit code."""

    @property
    def display_name(self) -> str:
        """The bank's name as FundSupervision.bank shows it."""
        ...

    @property
    def source(self) -> Source: ...

    async def accounts(
        self, codes: list[str], *, ledger: bool = True
    ) -> dict[str, FundSupervision]:
        """Accounts of the distinct, valid ``codes``; a code banking elsewhere is absent.
        Without ``ledger``, their orders and refunds are left out (empty)."""
        ...

    async def holding(self, codes: list[str]) -> set[str]:
        """Those of the distinct, valid ``codes`` with an account at this bank."""
        ...

    async def accounts_below(
        self, basis_points: int, among: Sequence[str] | None
    ) -> dict[str, FundSupervision]:
        """Accounts whose balance is below ``basis_points`` ÷ 10,000 times the outstanding
        prepaid amount (of the codes ``among``, if given). May hold a few more: the
        caller compares the ratio itself."""
        ...

    async def accounts_in(
        self, statuses: frozenset[CustodyStatus], among: Sequence[str] | None
    ) -> set[str]:
        """Codes whose account is in one of ``statuses`` (of the codes ``among``, if given)."""
        ...

    async def order_peaks(self, among: Sequence[str] | None) -> OrderPeaks:
        """Per institution and course, the most lessons one order (not refunded) bought:
        the bank's own aggregate, which the prepaid cap is judged on."""
        ...

    async def release(self, request: ReleaseRequest) -> BankVerdict:
        """Send one release instruction; the bank applies it atomically, once per
        instruction id (a second send answers the first application). Raises
        SourceUnavailableError when the answer did not arrive: it may or may not have
        been applied, and sending it again is safe."""
        ...

    async def district_totals(self, region_prefix: str) -> dict[str, CustodyTotals]:
        """Per district (characters 3-8 of the credit code) starting ``region_prefix``:
        the bank's own aggregate of its accounts, never the accounts themselves."""
        ...
