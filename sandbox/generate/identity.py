"""Keys and people, as pure functions of the seed and an index.

Credit codes and ID numbers come from affine bijections of the index, so they are
unique by construction (no retry loops, no shared state between chunks), and
their check characters come from ``xietong.identifiers``. A person is a function
of ``(seed, person index)`` only, which is how one teacher can appear on the
rosters of several institutions generated in different worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from math import gcd
from random import Random

from xietong.kernel.identifiers import credit_code_check, id_number_check
from xietong.sandbox.generate.vocabulary import (
    BIRTH_REGIONS,
    COMPOUND_SURNAMES,
    GIVEN_CHILD,
    GIVEN_FEMALE,
    GIVEN_MALE,
    SURNAMES,
)
from xietong.sandbox.reference import REFERENCE_DATE

_MASK64 = (1 << 64) - 1
REFERENCE_ORDINAL = REFERENCE_DATE.toordinal()

_FIRST_BIRTH = date(1966, 1, 1).toordinal()
_BIRTH_DAYS = 14_600  # about 40 years: staff aged 21 to 60 on the reference date
_ID_SPACE = len(BIRTH_REGIONS) * _BIRTH_DAYS * 1000
_ID_MULTIPLIER = 2_654_435_761
_ORG_SPACE = 10**8
_ORG_MULTIPLIER = 48_271 * 7  # odd, not a multiple of 5: a bijection modulo 10^8
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

assert gcd(_ID_MULTIPLIER, _ID_SPACE) == 1
assert gcd(_ORG_MULTIPLIER, _ORG_SPACE) == 1

PERSON_SLOTS = 8
"""Person indexes are ``institution index * PERSON_SLOTS + slot``."""

_YMD_FIRST = date(1960, 1, 1).toordinal()
_YMD = tuple(
    f"{d.year:04d}{d.month:02d}{d.day:02d}"
    for d in (date.fromordinal(o) for o in range(_YMD_FIRST, REFERENCE_ORDINAL + 3660))
)


def ymd(ordinal: int) -> str:
    """``YYYYMMDD`` of a proleptic ordinal (table lookup: this runs millions of times)."""
    return _YMD[ordinal - _YMD_FIRST]


def mix64(value: int) -> int:
    """SplitMix64 finaliser: a well-spread 64-bit hash of an integer."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def institution_rng(seed: int, index: int) -> Random:
    """The generator for everything about one institution: chunks stay independent."""
    return Random(mix64(seed) ^ index)


def later_rng(seed: int, index: int) -> Random:
    """A second generator for one institution, for what was added to the seed later
    (``anomalies.LATER_ANOMALIES``): drawing from it leaves ``institution_rng``'s
    sequence, and so all the data planted before, as it was."""
    return Random(mix64(seed ^ 0x5EC0_4D) ^ index)


def credit_code(seed: int, index: int, region: str, *, non_profit: bool) -> str:
    """A valid, unique credit code: ``52`` (民办非企业单位, civil affairs) for
    non-profit schools, ``91`` (enterprise) otherwise; then the region, a GB 11714
    organisation code and the GB 32100 check character."""
    body = f"{(_ORG_MULTIPLIER * index + mix64(seed) % _ORG_SPACE) % _ORG_SPACE:08d}"
    remainder = 11 - sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    org_check = "X" if remainder == 10 else "0" if remainder == 11 else str(remainder)
    first17 = ("52" if non_profit else "91") + region + body + org_check
    return first17 + credit_code_check(first17)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    id_number: str
    certificate: str
    """Teacher certificate number this person would hold (whether they do is up to the roster)."""
    certified: bool
    """Whether the person holds it when the roster leaves it to them."""


def person(seed: int, person_index: int) -> Person:
    scrambled = (_ID_MULTIPLIER * person_index + mix64(seed + 1) % _ID_SPACE) % _ID_SPACE
    sequence = scrambled % 1000
    rest = scrambled // 1000
    born = ymd(_FIRST_BIRTH + rest % _BIRTH_DAYS)
    first17 = f"{BIRTH_REGIONS[rest // _BIRTH_DAYS]}{born}{sequence:03d}"
    h = mix64(seed ^ (person_index * 0x9E3779B1))
    male = sequence % 2 == 1  # GB 11643: the 17th digit is odd for men
    return Person(
        name=_name(h, GIVEN_MALE if male else GIVEN_FEMALE),
        id_number=first17 + id_number_check(first17),
        certificate=f"{min(int(born[:4]) + 22 + h % 9, 2025)}41{scrambled:011d}",
        certified=(h >> 40) % 3 != 0,
    )


def _name(h: int, given: str) -> str:
    if h % 97 == 0:
        surname = COMPOUND_SURNAMES[(h >> 8) % len(COMPOUND_SURNAMES)]
    else:
        surname = SURNAMES[(h >> 8) % len(SURNAMES)]
    first = given[(h >> 16) % len(given)]
    if (h >> 24) % 3 == 0:
        return surname + first
    return surname + first + given[(h >> 32) % len(given)]


def random_name(rng: Random, *, child: bool = False) -> str:
    """A name for someone who is not a key anywhere (students, reporters)."""
    given = GIVEN_CHILD if child else (GIVEN_MALE if rng.random() < 0.5 else GIVEN_FEMALE)
    return _name(rng.getrandbits(48), given)


def phone(rng: Random) -> str:
    return f"1{'35789'[int(rng.random() * 5)]}{rng.getrandbits(32) % 10**9:09d}"


def luhn_complete(digits: str) -> str:
    """Append the Luhn check digit bank card and account numbers carry."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return digits + str((10 - total % 10) % 10)
