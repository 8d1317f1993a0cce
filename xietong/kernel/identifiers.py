"""Check characters of the keys that join department records (DESIGN §5).

Institutions are keyed by the Unified Social Credit Code (统一社会信用代码,
GB 32100-2015), people by the resident ID number (公民身份号码, GB 11643-1999).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from operator import mul

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_VALUES = {char: index for index, char in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_CODE_PATTERN = re.compile(r"[0-9A-HJ-NP-RTUWXY]{18}")
"""18 characters of ``CREDIT_CODE_ALPHABET`` (no I, O, S, V, Z)."""

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECKS = "10X98765432"
_ID_PATTERN = re.compile(r"\d{17}[\dX]")
_ID_DIGIT_OFFSET = ord("0") * sum(_ID_WEIGHTS)
"""What the ASCII codes of 17 digits add to their weighted sum beyond the digits' values."""
_REGION_PATTERN = re.compile(r"\d{6}")


def credit_code_check(body: str) -> str:
    """The 18th character for the first 17 of a credit code."""
    total = sum(_CREDIT_CODE_VALUES[c] * w for c, w in zip(body, _CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


@lru_cache(maxsize=1 << 17)
def credit_code_error(value: str) -> str | None:
    """Why ``value`` is not a valid credit code, or None if it is one."""
    # Checked for every key a source is asked about, the same city's codes by each
    # department in turn: remembered for a city's worth of codes (a lookup costs a
    # twentieth of the check). The alphabet by one regular expression, the weighted sum
    # in C (``map``).
    if len(value) != 18:
        return "a credit code has 18 characters"
    if not _CREDIT_CODE_PATTERN.fullmatch(value):
        return f"a credit code uses only {CREDIT_CODE_ALPHABET}"
    total = sum(map(mul, map(_CREDIT_CODE_VALUES.__getitem__, value[:17]), _CREDIT_CODE_WEIGHTS))
    if CREDIT_CODE_ALPHABET[(31 - total % 31) % 31] != value[17]:
        return "the check character does not match"
    return None


def id_number_check(body: str) -> str:
    """The 18th character for the first 17 digits of a resident ID number."""
    return _ID_CHECKS[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def id_number_error(value: str) -> str | None:
    """Why ``value`` is not a valid resident ID number, or None if it is one."""
    if not _ID_PATTERN.fullmatch(value):
        return "an ID number has 17 digits and a check digit or X"
    if calendar_day(value[6:14]) is None:
        return "digits 7-14 are not a real date of birth"
    if value.isascii():
        # The usual case, from the ASCII codes in C: a fifth of ``id_number_check``'s time.
        total = sum(map(mul, value[:17].encode(), _ID_WEIGHTS)) - _ID_DIGIT_OFFSET
        check = _ID_CHECKS[total % 11]
    else:  # other Unicode digits, which ``\d`` and ``int`` accept
        check = id_number_check(value[:17])
    if check != value[17]:
        return "the check digit does not match"
    return None


@lru_cache(maxsize=1 << 16)
def calendar_day(digits: str) -> date | None:
    """The day eight digits ``YYYYMMDD`` name, or None if none (cached: a city's staff
    are born on some tens of thousands of days, its records dated on a few thousand,
    and ``date`` costs more than the lookup)."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def region_code_error(value: str) -> str | None:
    """Why ``value`` is not a region code (6 digits: province, city, county)."""
    if not _REGION_PATTERN.fullmatch(value):
        return "a region code has 6 digits"
    return None


def region_prefix(region: str) -> str:
    """The prefix shared by every code inside ``region``: ``410200`` → ``4102``,
    ``410000`` → ``41``, ``000000`` → ``""`` (the nation)."""
    if region == "000000":
        return ""
    if region.endswith("0000"):
        return region[:2]
    if region.endswith("00"):
        return region[:4]
    return region


def region_contains(scope: str, region: str) -> bool:
    """``000000`` holds the nation, ``410000`` a province, ``410200`` a city."""
    return region.startswith(region_prefix(scope))
