"""Per-request DataLoaders: every key asked for while resolving one level of the
answer goes to its department (or to the hub's own store) in one batch, and
departments are asked at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from xietong.adapters.catalog import AdapterCatalog
from xietong.cases import facts
from xietong.domain.records import (
    BackgroundCheck,
    BusinessRegistration,
    FireSafetyRecord,
    FundSupervision,
    Inspection,
    Institution,
    StaffMember,
)
from xietong.domain.risk import HubFacts
from xietong.domain.scope import Scope
from xietong.resolvers.settled import holds_value
from xietong.reviews import store as reviews
from xietong.reviews.records import ReviewRecord

R = TypeVar("R")


def _by_key(
    load: Callable[[Sequence[str]], Awaitable[Mapping[str, R]]],
) -> Callable[[list[str]], Awaitable[list[R | None]]]:
    async def batch(keys: list[str]) -> list[R | None]:
        found = await load(keys)
        return [found.get(key) for key in keys]

    return batch


def _reviews_by_institution(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[list[str]], Awaitable[list[list[ReviewRecord]]]]:
    async def batch(credit_codes: list[str]) -> list[list[ReviewRecord]]:
        async with sessions() as session:
            found = await reviews.reviews_of_institutions(session, credit_codes)
        return [found.get(code, []) for code in credit_codes]

    return batch


NO_FACTS = HubFacts()


def _hub_facts_by_institution(
    lookups: Engine,
) -> Callable[[list[str]], Awaitable[list[HubFacts]]]:
    async def batch(credit_codes: list[str]) -> list[HubFacts]:
        found = await facts.hub_facts(lookups, credit_codes)
        return [found.get(code, NO_FACTS) for code in credit_codes]

    return batch


def _hub_inspections_by_institution(
    lookups: Engine,
) -> Callable[[list[str]], Awaitable[list[list[Inspection]]]]:
    async def batch(credit_codes: list[str]) -> list[list[Inspection]]:
        found = await facts.hub_inspections(lookups, credit_codes)
        return [found.get(code, []) for code in credit_codes]

    return batch


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _already_or(
    loaded: DataLoader[str, R | None],
    load: Callable[[Sequence[str]], Awaitable[Mapping[str, R]]],
) -> Callable[[list[str]], Awaitable[list[R | None]]]:
    """``loaded``'s answers where the request already has them (so that a record reads
    the same throughout one answer: a review's snapshot and the institution shown
    beside it), ``load`` for the rest."""

    async def batch(keys: list[str]) -> list[R | None]:
        known: dict[str, R | None] = {}
        for key in keys:
            future = loaded.cache_map.get(key)
            if future is not None and holds_value(future):
                known[key] = future.result()
        missing = [key for key in keys if key not in known]
        found = await load(missing) if missing else {}
        return [known[key] if key in known else found.get(key) for key in keys]

    return batch


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose answer for a key is shared by every field asking for it
    (the same institution as a root field and as a page's node, say). A field whose
    task is cancelled (graphql-core cancels the rest of a list when an item fails
    that may not be null) stops waiting without cancelling the answer the others
    wait for: they would get a CancelledError, which no error handler catches."""

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


class Loaders:
    """One set per request, so nothing cached here outlives the request."""

    def __init__(
        self,
        adapters: AdapterCatalog,
        sessions: async_sessionmaker[AsyncSession],
        lookups: Engine,
        scope: Scope,
    ) -> None:
        self._scope = scope
        self.institutions: DataLoader[str, Institution | None] = SharedLoader(
            _by_key(lambda keys: adapters.education.load(keys))
        )
        self.employments: DataLoader[str, list[StaffMember] | None] = SharedLoader(
            _by_key(lambda keys: adapters.education.employments(keys))
        )
        self.registrations: DataLoader[str, BusinessRegistration | None] = SharedLoader(
            _by_key(lambda keys: adapters.market.load(keys))
        )
        self.fire_safety: DataLoader[str, FireSafetyRecord | None] = SharedLoader(
            _by_key(lambda keys: adapters.fire_safety.load(keys))
        )
        self.funds: DataLoader[str, FundSupervision | None] = SharedLoader(
            _by_key(lambda keys: adapters.finance.load(keys))
        )
        # Without their orders and refunds: for a request that selects neither.
        self.custody_accounts: DataLoader[str, FundSupervision | None] = SharedLoader(
            _already_or(self.funds, lambda keys: adapters.finance.accounts(keys))
        )
        self.background_checks: DataLoader[str, BackgroundCheck | None] = SharedLoader(
            _by_key(lambda keys: adapters.public_security.load(keys))
        )
        # Not cached: the hub changes reviews itself, and a mutation's answer must
        # show them as they are after it, not as an earlier field of the same
        # request read them.
        self.annual_reviews: DataLoader[str, list[ReviewRecord]] = DataLoader(
            _reviews_by_institution(sessions), cache=False
        )
        # Not cached either, for the same reason: the hub issues and closes notices
        # and takes tip-offs. What they add to a joint record is read as the planner
        # and statistics read it (``cases.facts``), so every risk agrees.
        self.hub_facts: DataLoader[str, HubFacts] = DataLoader(
            _hub_facts_by_institution(lookups), cache=False
        )
        self.hub_inspections: DataLoader[str, list[Inspection]] = DataLoader(
            _hub_inspections_by_institution(lookups), cache=False
        )
        self.inspections_read: dict[str, list[Inspection]] = {}
        """Hub inspections read with a page or a lookup of institutions (query fields,
        never part of a mutation), each taken by the first field to ask
        (``joint_record.inspections``); a second ask reads the store again."""
        self.facts_read: dict[str, HubFacts] = {}
        """Hub facts read with a page or a lookup of institutions (query fields, never
        part of a mutation), in the same read as their inspections: every field of the
        request that reads them (``risk``, ``rectificationNotices``) takes the same."""

    async def visible_institutions(self, credit_codes: Sequence[str]) -> list[Institution | None]:
        """The institutions of ``credit_codes`` that the request's scope holds; None for
        one unknown or outside it (a list does not tell the two apart)."""
        records = await self.institutions.load_many(credit_codes)
        return [
            record if record is not None and self._scope.contains(record.region) else None
            for record in records
        ]
