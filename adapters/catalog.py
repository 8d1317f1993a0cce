"""Every department's adapter, as configured; a department with no source answers
SOURCE_UNAVAILABLE rather than nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from xietong.adapters.base import (
    EducationAdapter,
    FinanceAdapter,
    FireSafetyAdapter,
    MarketAdapter,
    PublicSecurityAdapter,
)
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.domain.departments import Department

A = TypeVar("A")


@dataclass(frozen=True, slots=True)
class AdapterCatalog:
    education_adapter: EducationAdapter | None = None
    market_adapter: MarketAdapter | None = None
    fire_safety_adapter: FireSafetyAdapter | None = None
    finance_adapter: FinanceAdapter | None = None
    public_security_adapter: PublicSecurityAdapter | None = None

    @property
    def education(self) -> EducationAdapter:
        return _configured(self.education_adapter, Department.EDUCATION)

    @property
    def market(self) -> MarketAdapter:
        return _configured(self.market_adapter, Department.MARKET_SUPERVISION)

    @property
    def fire_safety(self) -> FireSafetyAdapter:
        return _configured(self.fire_safety_adapter, Department.FIRE_SAFETY)

    @property
    def finance(self) -> FinanceAdapter:
        return _configured(self.finance_adapter, Department.FINANCE)

    @property
    def public_security(self) -> PublicSecurityAdapter:
        return _configured(self.public_security_adapter, Department.PUBLIC_SECURITY)


def _configured(adapter: A | None, department: Department) -> A:
    if adapter is None:
        raise SourceUnavailableError(
            department, "(none configured)", "no source in the sources file"
        )
    return adapter
