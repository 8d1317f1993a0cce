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

from xietong.adapters.cache import RecordCache
from xietong.adapters.config import SourceKind
from xietong.adapters.finance.banks import CustodyBank
from xietong.adapters.native import valid_keys
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.registry import ProbeResult, probe_source
from xietong.domain.departments import Department
from xietong.domain.matching import CoverageCriteria
from xietong.domain.records import FundSupervision
from xietong.kernel.identifiers import credit_code_error


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
        wanted = valid_keys(keys, credit_code_error)
        if not wanted:
            return {}
        answers = await asyncio.gather(
            *(
                cache.load(wanted, bank.accounts)
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

    async def health(self) -> list[ProbeResult]:
        return list(await asyncio.gather(*(probe_source(bank.source) for bank in self.banks)))
