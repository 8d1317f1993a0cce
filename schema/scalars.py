"""Validated scalars: a bad value is refused at the edge, before any source is asked.

``CreditCode`` and ``IdNumber`` check their check characters (GB 32100-2015,
GB 11643-1999); ``Decimal`` is money in yuan as a string (``"1234.50"``). Each
scalar with a published specification names it with ``@specifiedBy``, so code
generators (GraphQL Code Generator, Apollo's) can type and check it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
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


def _parse_date(value: object) -> date:
    if not isinstance(value, str) or len(value) != len("2026-11-30"):
        raise InvalidScalarError("Date must be a string such as 2026-11-30 (RFC 3339 full-date)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidScalarError(f"{value!r} is not an RFC 3339 date") from None


GB_32100 = "https://openstd.samr.gov.cn/bzgk/gb/newGbInfo?hcno=24691C25985C1073D3A7C85629378AC0"
GB_11643 = "https://openstd.samr.gov.cn/bzgk/gb/newGbInfo?hcno=080D6FBF2BB468F9007657F26D60013E"
GB_T_2260 = "https://openstd.samr.gov.cn/bzgk/gb/newGbInfo?hcno=C9C488FD717AFDCD52157F41C3302C6D"
"""The national standards' entries in the public standards catalogue (国家标准全文公开系统)."""
RFC_3339 = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"

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
        specified_by_url=GB_32100,
    ),
    IdNumber: strawberry.scalar(
        name="IdNumber",
        description="Resident ID number (公民身份号码), 18 characters, GB 11643-1999.",
        serialize=str,
        parse_value=_checked(id_number_error, "ID number"),
        specified_by_url=GB_11643,
    ),
    RegionCode: strawberry.scalar(
        name="RegionCode",
        description="Administrative region code, 6 digits: province, city, county (e.g. 410202).",
        serialize=str,
        parse_value=_checked(region_code_error, "region code"),
        specified_by_url=GB_T_2260,
    ),
    datetime: strawberry.scalar(
        name="DateTime",
        description="Date and time with its offset (RFC 3339), e.g. 2026-11-30T09:30:00+08:00.",
        serialize=_rfc3339,
        parse_value=_parse_datetime,
        specified_by_url=RFC_3339,
    ),
    date: strawberry.scalar(
        name="Date",
        description="A calendar day (RFC 3339 full-date), e.g. 2026-11-30.",
        serialize=date.isoformat,
        parse_value=_parse_date,
        specified_by_url=RFC_3339,
    ),
    Decimal: strawberry.scalar(
        name="Decimal",
        description='Money in yuan as a string with two decimals, e.g. "1234.50".',
        serialize=lambda value: f"{PyDecimal(value):.2f}",
        parse_value=_parse_decimal,
    ),
}
