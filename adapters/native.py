"""Reading what department systems say: code tables, fen, ``YYYYMMDD``, JSON shapes.

Every adapter decodes native values through these helpers, so a value outside a
source's glossary (a new status code, a malformed date) is one clear
SourceUnavailableError naming the source and the field, never a half-mapped record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.domain.departments import Department
from xietong.kernel.identifiers import calendar_day

T = TypeVar("T")
K = TypeVar("K")


class NativeShapeError(ValueError):
    """A source answered with a value or shape its glossary does not describe."""


@contextmanager
def native_shape(department: Department, source: str) -> Iterator[None]:
    """Report any surprise in a source's answer as that source being unavailable:
    the hub cannot vouch for a record it could not read."""
    try:
        yield
    except NativeShapeError as error:
        raise SourceUnavailableError(department, source, f"unexpected answer: {error}") from error
    except KeyError as error:
        reason = f"answered without the field {error}"
        raise SourceUnavailableError(department, source, reason) from error
    except TypeError as error:
        reason = f"answered in an unexpected shape ({error})"
        raise SourceUnavailableError(department, source, reason) from error


def decode(table: Mapping[str, T], value: Any, field: str) -> T:
    """A code of a native code table (``'1'`` = active, ...) → its canonical value."""
    try:
        return table[value]
    except (KeyError, TypeError):
        raise NativeShapeError(f"{field} has no code {value!r}") from None


def native_codes(table: Mapping[str, T], wanted: Collection[T]) -> list[str]:
    """The codes of a native code table that stand for the ``wanted`` canonical
    values (the other way round from ``decode``), sorted; none if none does."""
    return sorted(code for code, value in table.items() if value in wanted)


def ymd(value: Any, field: str) -> date | None:
    """``YYYYMMDD`` → date; the empty string means none."""
    if value == "":
        return None
    if not (isinstance(value, str) and len(value) == 8 and value.isdigit()):
        raise NativeShapeError(f"{field} is not a YYYYMMDD date: {value!r}")
    day = calendar_day(value)
    if day is None:
        raise NativeShapeError(f"{field} is not a real date: {value!r}")
    return day


def required_ymd(value: Any, field: str) -> date:
    found = ymd(value, field)
    if found is None:
        raise NativeShapeError(f"{field} is empty")
    return found


def iso_date(value: Any, field: str) -> date:
    """``YYYY-MM-DD``, or the date of an ISO 8601 time (``2026-09-01T10:20:00+08:00``,
    the local day as the source states it) → date."""
    text = value[:10] if isinstance(value, str) else None
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else _no_date(field, value)
    except ValueError:
        return _no_date(field, value)


def _no_date(field: str, value: Any) -> date:
    raise NativeShapeError(f"{field} is not an ISO date: {value!r}")


def fen(value: Any, field: str) -> Decimal:
    """Integer fen (分) → Decimal yuan with two places: 123450 → 1234.50."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise NativeShapeError(f"{field} is not an amount in fen: {value!r}")
    return Decimal(value).scaleb(-2)


def yuan(value: Any, field: str) -> Decimal:
    """A yuan string with two decimals (``"1234.50"``) → Decimal yuan."""
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount.as_tuple().exponent != -2:
        raise NativeShapeError(f'{field} is not a yuan amount like "1234.50": {value!r}')
    return amount


def json_object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NativeShapeError(f"{field} is not a JSON object")
    return value


def json_list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise NativeShapeError(f"{field} is not a JSON array")
    return value


def valid_keys(keys: Sequence[str], problem: Callable[[str], str | None]) -> list[str]:
    """Distinct keys, in order, without those ``problem`` finds invalid: a source would
    refuse the whole batch for one bad key, and an invalid key is unknown anyway."""
    return [key for key in dict.fromkeys(keys) if problem(key) is None]


def chunked(keys: Sequence[K], size: int) -> list[list[K]]:
    """``keys`` in batches of at most ``size`` (a source's batch limit)."""
    return [list(keys[start : start + size]) for start in range(0, len(keys), size)]


def key_ranges(keys: Sequence[str], size: int, *, cluster: int = 0) -> list[tuple[str, str]]:
    """Sorted ``keys`` as ranges ``(first, last)`` of at most ``size`` keys each, none
    spanning two values of the keys' first ``cluster`` characters. A ``BETWEEN`` over a
    range reads its keys and only the few others that sort among them, without the
    ``IN`` list a source would bind and probe key by key (a region's credit codes share
    their first eight characters, the region's, in a few runs)."""
    ranges: list[tuple[str, str]] = []
    start = 0
    for index in range(1, len(keys) + 1):
        if (
            index == len(keys)
            or index - start == size
            or keys[index][:cluster] != keys[start][:cluster]
        ):
            ranges.append((keys[start], keys[index - 1]))
            start = index
    return ranges


async def gather_batches(calls: Sequence[Awaitable[T]]) -> list[T]:
    """Run the batches of one load at once; if any fails, the first failure is raised
    after all have finished (none is left running unobserved)."""
    if len(calls) == 1:
        return [await calls[0]]
    values: list[T] = []
    for result in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(result, BaseException):
            raise result
        values.append(result)
    return values
