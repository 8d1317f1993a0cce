"""Which adapter reads which source: chosen by the source's ``format``.

| format          | department          | kind | adapter                      |
|-----------------|---------------------|------|------------------------------|
| ``education``   | EDUCATION           | sql  | ``SqlEducationAdapter``      |
| ``market``      | MARKET_SUPERVISION  | http | ``HttpMarketAdapter``        |
| ``fire``        | FIRE_SAFETY         | sql  | ``SqlFireSafetyAdapter``     |
| ``police``      | PUBLIC_SECURITY     | http | ``HttpPublicSecurityAdapter``|
| ``bank-jinming``| FINANCE             | sql  | ``JinmingBank``              |
| ``bank-songdu`` | FINANCE             | http | ``SongduBank``               |

Every FINANCE source is one bank of a single ``BankFinanceAdapter``; the other
departments read exactly one source each. A mismatch is a ConfigError at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.education.adapter import SqlEducationAdapter
from xietong.adapters.finance.adapter import BankFinanceAdapter
from xietong.adapters.finance.banks import CustodyBank
from xietong.adapters.finance.jinming import JinmingBank
from xietong.adapters.finance.songdu import SongduBank
from xietong.adapters.fire_safety import SqlFireSafetyAdapter
from xietong.adapters.market import HttpMarketAdapter
from xietong.adapters.public_security import HttpPublicSecurityAdapter
from xietong.adapters.sources.http import HttpSource
from xietong.adapters.sources.registry import Source, SourceRegistry
from xietong.adapters.sources.sql import SqlSource
from xietong.domain.departments import Department
from xietong.kernel.errors import ConfigError

S = TypeVar("S", SqlSource, HttpSource)

FORMATS: dict[str, tuple[Department, type[SqlSource] | type[HttpSource]]] = {
    "education": (Department.EDUCATION, SqlSource),
    "market": (Department.MARKET_SUPERVISION, HttpSource),
    "fire": (Department.FIRE_SAFETY, SqlSource),
    "police": (Department.PUBLIC_SECURITY, HttpSource),
    "bank-jinming": (Department.FINANCE, SqlSource),
    "bank-songdu": (Department.FINANCE, HttpSource),
}
_BANKS: dict[str, Callable[[Source], CustodyBank]] = {
    "bank-jinming": lambda source: JinmingBank(_as(source, SqlSource)),
    "bank-songdu": lambda source: SongduBank(_as(source, HttpSource)),
}


def build_adapters(sources: SourceRegistry) -> AdapterCatalog:
    """The department adapters for the configured sources; a department without a
    source has none (its fields answer SOURCE_UNAVAILABLE)."""
    for source in sources:
        _check_format(source)
    banks = [
        _BANKS[source.config.format](source)
        for source in sources.for_department(Department.FINANCE)
    ]
    education = _single(sources, Department.EDUCATION)
    market = _single(sources, Department.MARKET_SUPERVISION)
    fire = _single(sources, Department.FIRE_SAFETY)
    police = _single(sources, Department.PUBLIC_SECURITY)
    return AdapterCatalog(
        education_adapter=SqlEducationAdapter(_as(education, SqlSource)) if education else None,
        market_adapter=HttpMarketAdapter(_as(market, HttpSource)) if market else None,
        fire_safety_adapter=SqlFireSafetyAdapter(_as(fire, SqlSource)) if fire else None,
        finance_adapter=BankFinanceAdapter(banks) if banks else None,
        public_security_adapter=HttpPublicSecurityAdapter(_as(police, HttpSource))
        if police
        else None,
    )


def _check_format(source: Source) -> None:
    config = source.config
    where = f"source {config.name!r}"
    if config.format not in FORMATS:
        raise ConfigError(
            f"{where}: unknown format {config.format!r} (one of {', '.join(FORMATS)})"
        )
    department, kind = FORMATS[config.format]
    if config.department is not department:
        raise ConfigError(
            f"{where}: format {config.format!r} belongs to {department}, not {config.department}"
        )
    if not isinstance(source, kind):
        expected = "sql" if kind is SqlSource else "http"
        raise ConfigError(f"{where}: format {config.format!r} is read over {expected}")


def _single(sources: SourceRegistry, department: Department) -> Source | None:
    found = sources.for_department(department)
    if len(found) > 1:
        names = ", ".join(source.config.name for source in found)
        raise ConfigError(f"{department} has {len(found)} sources ({names}); it reads one")
    return found[0] if found else None


def _as(source: Source | None, kind: type[S]) -> S:
    assert isinstance(source, kind), "checked by _check_format"
    return source
