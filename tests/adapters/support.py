"""Helpers of the adapter tests: a clock to turn by hand, keys no department knows,
and a check that a record holds only canonical values."""

from __future__ import annotations

import dataclasses
import socket
import types
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

from xietong.adapters.config import SourceConfig, SourceKind
from xietong.adapters.sources.http import HttpSource
from xietong.adapters.sources.registry import Source
from xietong.adapters.sources.sql import SqlSource
from xietong.kernel.identifiers import credit_code_check, id_number_check

UNKNOWN_CREDIT_CODE = "91410200MA0000001" + credit_code_check("91410200MA0000001")
UNKNOWN_ID_NUMBER = "41020219000101001" + id_number_check("41020219000101001")
"""Valid keys that no sandbox department holds (nobody there was born in 1900)."""


class FakeClock:
    """``time.monotonic`` for caches and breakers, moved only by ``advance``."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def open_source(config: SourceConfig) -> Source:
    return SqlSource(config) if config.kind is SourceKind.SQL else HttpSource(config)


def refused_port() -> int:
    """A local port nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def assert_canonical(record: object) -> None:
    """Every field of the record (and of records inside it) holds its declared
    canonical type: enums not codes, ``date`` not text, money as ``Decimal`` yuan
    with exactly two places."""
    assert dataclasses.is_dataclass(record)
    assert not isinstance(record, type)
    hints = get_type_hints(type(record))
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        where = f"{type(record).__name__}.{field.name} = {value!r}"
        assert _conforms(value, hints[field.name]), where


def _conforms(value: Any, hint: Any) -> bool:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_conforms(value, option) for option in get_args(hint))
    if origin is tuple:
        (item, _ellipsis) = get_args(hint)
        return isinstance(value, tuple) and all(_conforms(v, item) for v in value)
    if hint is type(None):
        return value is None
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):  # type: ignore[arg-type]
            return False
        assert_canonical(value)
        return True
    if hint is Decimal:
        return isinstance(value, Decimal) and value.as_tuple().exponent == -2
    if hint is date:
        return type(value) is date and not isinstance(value, datetime)
    if hint in (str, int, bool):
        return type(value) is hint  # an enum member or a bool is not a plain str or int
    if isinstance(hint, type) and issubclass(hint, Enum):
        return isinstance(value, hint)
    raise AssertionError(f"no check for {hint!r}")


@asynccontextmanager
async def opened_sql(config: SourceConfig) -> AsyncIterator[SqlSource]:
    source = SqlSource(config)
    try:
        yield source
    finally:
        await source.close()


@asynccontextmanager
async def opened_http(config: SourceConfig, **options: Any) -> AsyncIterator[HttpSource]:
    source = HttpSource(config, **options)
    try:
        yield source
    finally:
        await source.close()


def yuan(fen: int) -> Decimal:
    """What the tests expect of a native amount in fen."""
    return Decimal(fen) / 100


def day(yyyymmdd: str) -> date | None:
    """What the tests expect of a native ``YYYYMMDD`` date."""
    return datetime.strptime(yyyymmdd, "%Y%m%d").date() if yyyymmdd else None  # noqa: DTZ007
