"""A short per-key cache of canonical records, one per source (DESIGN §2: data stays
at the source, cached only briefly).

A record is served for at most ``ttl`` seconds after the source was asked for it
(counted from when the question left, so nothing older than ``ttl`` is ever
served); ``ttl`` 0 turns caching off. That a key is unknown to the source is
remembered too, so a department that holds only some keys (one bank of several)
is not asked again for the rest. Misses go to the source in one batch.

>>> cache = RecordCache[Institution](ttl=5.0)
>>> found = await cache.load(codes, fetch_institutions)
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from xietong.adapters.sources.metrics import CACHE_LOOKUPS

R = TypeVar("R")

Fetch = Callable[[list[str]], Awaitable[Mapping[str, R]]]
"""Records for a batch of distinct keys; an unknown key is absent."""


@dataclass(frozen=True, slots=True)
class _Entry(Generic[R]):
    record: R | None
    """None: the source does not know this key."""
    expires: float


class RecordCache(Generic[R]):
    def __init__(
        self,
        ttl: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 50_000,
        name: str = "",
    ) -> None:
        """``name``: the source's, under which hits and misses are counted."""
        self.ttl = ttl
        self._hits = CACHE_LOOKUPS.labels(name, "hit")
        self._misses = CACHE_LOOKUPS.labels(name, "miss")
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, _Entry[R]] = {}

    async def load(self, keys: Sequence[str], fetch: Fetch[R]) -> dict[str, R]:
        """Records for ``keys`` (duplicates welcome), fetching only the misses, at once."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        if self.ttl <= 0:
            self._misses.inc(len(wanted))
            fetched = await fetch(wanted)
            return {key: fetched[key] for key in wanted if key in fetched}
        now = self._clock()
        found: dict[str, R] = {}
        missing: list[str] = []
        for key in wanted:
            entry = self._entries.get(key)
            if entry is None or entry.expires <= now:
                missing.append(key)
            elif entry.record is not None:
                found[key] = entry.record
        self._hits.inc(len(wanted) - len(missing))
        if missing:
            self._misses.inc(len(missing))
            asked_at = self._clock()
            fetched = await fetch(missing)
            for key in missing:
                record = fetched.get(key)
                self._remember(key, record, asked_at)
                if record is not None:
                    found[key] = record
        return found

    def put(self, records: Mapping[str, R]) -> None:
        """Remember records read some other way (a page of a scan), as of now."""
        if self.ttl <= 0:
            return
        asked_at = self._clock()
        for key, record in records.items():
            self._remember(key, record, asked_at)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _remember(self, key: str, record: R | None, asked_at: float) -> None:
        self._entries.pop(key, None)  # re-inserted last: the dict stays in age order
        self._entries[key] = _Entry(record, asked_at + self.ttl)
        if len(self._entries) > self.max_entries:
            self._evict()

    def _evict(self) -> None:
        now = self._clock()
        for key in [key for key, entry in self._entries.items() if entry.expires <= now]:
            del self._entries[key]
        # Down to 90%, so a full cache of live records is not swept on every insert.
        while len(self._entries) > self.max_entries * 9 // 10:
            del self._entries[next(iter(self._entries))]
