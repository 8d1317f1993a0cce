"""Custody of prepaid fees across the supervising banks (FINANCE).

An institution keeps its custody account at exactly one of several banks, and
the hub cannot tell which without asking: every load asks every bank at once
(each through its own cache) and merges the answers. A bank that is down costs
nothing when the other banks already answered for every key asked; otherwise its
error is raised, since "no account" could not be told from "at the bank that is
down".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TypeVar

from xietong.adapters.cache import RecordCache
from xietong.adapters.config import SourceKind
from xietong.adapters.finance.banks import CustodyBank, OrderPeaks
from xietong.adapters.native import valid_keys
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.registry import ProbeResult, probe_source
from xietong.domain.departments import Department
from xietong.domain.matching import CoverageCriteria
from xietong.domain.records import (
    BankVerdict,
    CustodyStatus,
    CustodyTotals,
    FundSupervision,
    ReleaseRequest,
)
from xietong.kernel.identifiers import credit_code_error

T = TypeVar("T")


class BankFinanceAdapter:
    def __init__(
        self, banks: Sequence[CustodyBank], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.department = Department.FINANCE
        self.banks = list(banks)
        self._caches = [
            RecordCache[FundSupervision](
                bank.source.config.cache_ttl, clock=clock, name=bank.source.config.name
            )
            for bank in self.banks
        ]

    @property
    def source_names(self) -> Sequence[str]:
        return [bank.source.config.name for bank in self.banks]

    async def load(self, keys: Sequence[str]) -> Mapping[str, FundSupervision]:
        return await self._load(keys, ledger=True)

    async def accounts(self, keys: Sequence[str]) -> Mapping[str, FundSupervision]:
        """A bank whose records are cached answers from its one cache, ledger and all, so
        that an account reads the same whatever a request selects; one not cached is
        asked for the account alone."""
        return await self._load(keys, ledger=False)

    async def _load(self, keys: Sequence[str], *, ledger: bool) -> Mapping[str, FundSupervision]:
        wanted = valid_keys(keys, credit_code_error)
        if not wanted:
            return {}
        answers = await asyncio.gather(
            *(
                cache.load(wanted, partial(bank.accounts, ledger=ledger or cache.ttl > 0))
                for bank, cache in zip(self.banks, self._caches, strict=True)
            ),
            return_exceptions=True,
        )
        merged: dict[str, FundSupervision] = {}
        failures: list[SourceUnavailableError] = []
        for answer in answers:
            if isinstance(answer, SourceUnavailableError):
                failures.append(answer)
            elif isinstance(answer, BaseException):
                raise answer
            else:
                for code, account in answer.items():
                    merged.setdefault(code, account)  # one bank per institution
        if failures and any(code not in merged for code in wanted):
            raise failures[0]
        return merged

    async def match(
        self, criteria: CoverageCriteria, *, among: Sequence[str] | None = None
    ) -> set[str]:
        """Every bank is asked (an institution banks at one of them, unknown beforehand);
        any bank failing fails the match, since its accounts could not be judged."""
        wanted = None if among is None else valid_keys(among, credit_code_error)
        if wanted is not None and not wanted:
            return set()
        answers = await asyncio.gather(
            *(bank.accounts_below(criteria.basis_points, wanted) for bank in self.banks),
            return_exceptions=True,
        )
        found: set[str] = set()
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            found.update(code for code, account in answer.items() if criteria.accepts(account))
        return found

    async def with_account(self, among: Sequence[str]) -> set[str]:
        """Banks answering in SQL first, each asked only about the codes the banks
        before it did not hold (an institution banks at one); any bank failing fails
        the answer, since its accounts could not be told from none."""
        left = valid_keys(among, credit_code_error)
        held: set[str] = set()
        for bank in sorted(self.banks, key=lambda bank: bank.source.config.kind != SourceKind.SQL):
            if not left:
                break
            found = await bank.holding(left)
            held |= found
            left = [code for code in left if code not in found]
        return held

    async def match_custody(
        self, statuses: frozenset[CustodyStatus], *, among: Sequence[str] | None = None
    ) -> set[str]:
        """Codes whose custody account is in one of ``statuses``, at any bank (every bank
        is asked; any failing fails the match). NONE is not a bank's to answer: the
        planner takes it as "at no bank" (``custody_unknown``)."""
        wanted = None if among is None else valid_keys(among, credit_code_error)
        if wanted is not None and not wanted:
            return set()
        answers = await asyncio.gather(
            *(bank.accounts_in(statuses, wanted) for bank in self.banks),
            return_exceptions=True,
        )
        return set().union(*_every_answer(answers))

    async def without_custody(self, among: Sequence[str]) -> set[str]:
        """Which of ``among`` hold an account at no bank (every bank must answer)."""
        wanted = valid_keys(among, credit_code_error)
        if not wanted:
            return set()
        answers = await asyncio.gather(
            *(bank.accounts_in(frozenset(CustodyStatus), wanted) for bank in self.banks),
            return_exceptions=True,
        )
        return set(wanted) - set().union(*_every_answer(answers))

    async def order_peaks(self, *, among: Sequence[str] | None = None) -> OrderPeaks:
        """Per institution and course, the most lessons one order (not refunded) bought,
        from every bank's own aggregate."""
        wanted = None if among is None else valid_keys(among, credit_code_error)
        if wanted is not None and not wanted:
            return {}
        answers = await asyncio.gather(
            *(bank.order_peaks(wanted) for bank in self.banks), return_exceptions=True
        )
        merged: OrderPeaks = {}
        for answer in _every_answer(answers):
            merged.update(answer)  # one bank per institution
        return merged

    async def district_totals(self, region_prefix: str) -> dict[str, CustodyTotals]:
        """Per district within ``region_prefix``, every bank's totals added up: each bank
        aggregates its own accounts (SQL ``GROUP BY``, the HTTP bank's summary)."""
        answers = await asyncio.gather(
            *(bank.district_totals(region_prefix) for bank in self.banks),
            return_exceptions=True,
        )
        merged: dict[str, CustodyTotals] = {}
        for answer in _every_answer(answers):
            for district, totals in answer.items():
                merged[district] = merged.get(district, CustodyTotals()) + totals
        return merged

    async def release(self, bank: str, request: ReleaseRequest) -> BankVerdict:
        """Send ``request`` to the bank named ``bank`` (``FundSupervision.bank``)."""
        for candidate in self.banks:
            if candidate.display_name == bank:
                return await candidate.release(request)
        raise SourceUnavailableError(self.department, bank, "no such bank is configured")

    async def health(self) -> list[ProbeResult]:
        return list(await asyncio.gather(*(probe_source(bank.source) for bank in self.banks)))


def _every_answer(answers: Sequence[T | BaseException]) -> list[T]:
    """Every bank's answer, or the first failure raised: a question put to every bank
    cannot be answered while one of them is silent."""
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return [answer for answer in answers if not isinstance(answer, BaseException)]
