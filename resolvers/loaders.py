"""Per-request DataLoaders: every key asked for while resolving one level of the
answer goes to its department in one batch, and departments are asked at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from adapters.catalog import AdapterCatalog
from adapters.records import (
    BackgroundCheck,
    BusinessRegistration,
    FireSafetyRecord,
    FundSupervision,
    Institution,
    StaffMember,
)

R = TypeVar("R")


def _by_key(
    load: Callable[[Sequence[str]], Awaitable[Mapping[str, R]]],
) -> Callable[[list[str]], Awaitable[list[R | None]]]:
    async def batch(keys: list[str]) -> list[R | None]:
        found = await load(keys)
        return [found.get(key) for key in keys]

    return batch


class Loaders:
    """One set per request, so nothing cached here outlives the request."""

    def __init__(self, adapters: AdapterCatalog) -> None:
        self.institutions: DataLoader[str, Institution | None] = DataLoader(
            _by_key(lambda keys: adapters.education.load(keys))
        )
        self.employments: DataLoader[str, list[StaffMember] | None] = DataLoader(
            _by_key(lambda keys: adapters.education.employments(keys))
        )
        self.registrations: DataLoader[str, BusinessRegistration | None] = DataLoader(
            _by_key(lambda keys: adapters.market.load(keys))
        )
        self.fire_safety: DataLoader[str, FireSafetyRecord | None] = DataLoader(
            _by_key(lambda keys: adapters.fire_safety.load(keys))
        )
        self.funds: DataLoader[str, FundSupervision | None] = DataLoader(
            _by_key(lambda keys: adapters.finance.load(keys))
        )
        self.background_checks: DataLoader[str, BackgroundCheck | None] = DataLoader(
            _by_key(lambda keys: adapters.public_security.load(keys))
        )
