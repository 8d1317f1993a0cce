"""Validated scalars: a bad value is refused at the edge, before any source is asked.

``CreditCode`` and ``IdNumber`` check their check characters (GB 32100-2015,
GB 11643-1999); ``Decimal`` is money in yuan as a string (``"1234.50"``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal as PyDecimal
from decimal import InvalidOperation
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from xietong.kernel.identifiers import credit_code_error, id_number_error, region_code_error


class InvalidScalarError(ValueError):
    """A scalar value failed its format or check-character test (→ BAD_USER_INPUT)."""


def _checked(error_of: Callable[[str], str | None], kind: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if not isinstance(value, str):
            raise InvalidScalarError(f"{kind} must be a string")
        reason = error_of(value)
        if reason:
            raise InvalidScalarError(f"{value!r} is not a valid {kind}: {reason}")
        return value

    return parse


def _parse_decimal(value: object) -> PyDecimal:
    if not isinstance(value, str):
        raise InvalidScalarError('Decimal must be a string such as "1234.50"')
    try:
        parsed = PyDecimal(value)
    except InvalidOperation:
        raise InvalidScalarError(f"{value!r} is not a decimal number") from None
    if not parsed.is_finite():
        raise InvalidScalarError(f"{value!r} is not a finite decimal number")
    return parsed


def _rfc3339(value: datetime) -> str:
    """A time with its offset, whatever the driver handed back: SQLite returns naive
    times, which the hub stores in UTC."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidScalarError("DateTime must be a string such as 2026-11-30T09:30:00+08:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidScalarError(f"{value!r} is not an RFC 3339 date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


CreditCode = NewType("CreditCode", str)
IdNumber = NewType("IdNumber", str)
RegionCode = NewType("RegionCode", str)
Decimal = NewType("Decimal", PyDecimal)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    CreditCode: strawberry.scalar(
        name="CreditCode",
        description="Unified Social Credit Code (统一社会信用代码), 18 characters, GB 32100-2015.",
        serialize=str,
        parse_value=_checked(credit_code_error, "credit code"),
    ),
    IdNumber: strawberry.scalar(
        name="IdNumber",
        description="Resident ID number (公民身份号码), 18 characters, GB 11643-1999.",
        serialize=str,
        parse_value=_checked(id_number_error, "ID number"),
    ),
    RegionCode: strawberry.scalar(
        name="RegionCode",
        description="Administrative region code, 6 digits: province, city, county (e.g. 410202).",
        serialize=str,
        parse_value=_checked(region_code_error, "region code"),
    ),
    datetime: strawberry.scalar(
        name="DateTime",
        description="Date with time (isoformat)",
        serialize=_rfc3339,
        parse_value=_parse_datetime,
    ),
    Decimal: strawberry.scalar(
        name="Decimal",
        description='Money in yuan as a string with two decimals, e.g. "1234.50".',
        serialize=lambda value: f"{PyDecimal(value):.2f}",
        parse_value=_parse_decimal,
    ),
}
