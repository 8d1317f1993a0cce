"""What a process keeps of the last distinct things it was asked, such as what it
worked out from a query's text: partners ask the same few questions again and
again, so the work is done once per text and the least recently used is dropped
first. Keyed by text, never by a parsed document: a document's hash walks every
node of its tree (graphql-core's nodes are frozen dataclasses)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LastUsed(Generic[K, V]):
    """The values of the last ``maxsize`` keys asked for (never None: ``find`` answers
    None for a key not kept).

    >>> known: LastUsed[str, int] = LastUsed(2)
    >>> known.get("abc", lambda: 3)
    3
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for ``key``, or ``make()``'s, kept from now on."""
        value = self.find(key)
        if value is None:
            value = make()
            self.keep(key, value)
        return value

    def find(self, key: K) -> V | None:
        """The value kept for ``key``, if any."""
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def keep(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key``, dropping the least recently used beyond ``maxsize``."""
        self._values[key] = value
        self._values.move_to_end(key)
        if len(self._values) > self.maxsize:
            self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)
