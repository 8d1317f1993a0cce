"""Every adapter over every kind of source it can read: the parameters of the
shared contract suite (``test_contract.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tests.adapters.support import UNKNOWN_CREDIT_CODE, UNKNOWN_ID_NUMBER, FakeClock
from xietong.adapters.base import DepartmentAdapter
from xietong.adapters.education.adapter import SqlEducationAdapter
from xietong.adapters.finance.adapter import BankFinanceAdapter
from xietong.adapters.finance.jinming import JinmingBank
from xietong.adapters.finance.songdu import SongduBank
from xietong.adapters.fire_safety import SqlFireSafetyAdapter
from xietong.adapters.market import HttpMarketAdapter
from xietong.adapters.public_security import HttpPublicSecurityAdapter
from xietong.adapters.sources.http import HttpSource
from xietong.adapters.sources.registry import Source
from xietong.adapters.sources.sql import SqlSource
from xietong.domain.departments import Department
from xietong.domain.records import (
    BackgroundCheck,
    BusinessRegistration,
    FireSafetyRecord,
    FundSupervision,
    Institution,
)

Adapter = DepartmentAdapter[Any]

_PAGE_OF_INSTITUTIONS = "SELECT tyshxydm FROM edu.jg_jbxx ORDER BY tyshxydm LIMIT 100"
_PAGE_OF_STAFF = "SELECT DISTINCT sfzh FROM edu.jzg ORDER BY sfzh LIMIT 100"


@dataclass(frozen=True, slots=True)
class AdapterCase:
    id: str
    department: Department
    source_format: str
    """The sandbox source it reads (see sandbox/config.py)."""
    backend: str
    """``sqlite``, ``postgresql`` or ``http``."""
    make: Callable[[Source, FakeClock], Adapter]
    record_type: type
    held_keys: str
    """SQL over the native databases (``tests.sandbox.native``): every key the source holds."""
    batch_keys: str = _PAGE_OF_INSTITUTIONS
    """SQL: the 100 keys a page of the hub asks for, held by the source or not."""
    unknown_key: str = UNKNOWN_CREDIT_CODE

    def key_of(self, record: Any) -> str:
        key: str = record.id_number if self.record_type is BackgroundCheck else record.credit_code
        return key


def _sql(source: Source) -> SqlSource:
    assert isinstance(source, SqlSource)
    return source


def _http(source: Source) -> HttpSource:
    assert isinstance(source, HttpSource)
    return source


def _education(source: Source, clock: FakeClock) -> Adapter:
    return SqlEducationAdapter(_sql(source), clock=clock)


def _fire(source: Source, clock: FakeClock) -> Adapter:
    return SqlFireSafetyAdapter(_sql(source), clock=clock)


def _jinming(source: Source, clock: FakeClock) -> Adapter:
    return BankFinanceAdapter([JinmingBank(_sql(source))], clock=clock)


def _songdu(source: Source, clock: FakeClock) -> Adapter:
    return BankFinanceAdapter([SongduBank(_http(source))], clock=clock)


def _market(source: Source, clock: FakeClock) -> Adapter:
    return HttpMarketAdapter(_http(source), clock=clock)


def _police(source: Source, clock: FakeClock) -> Adapter:
    return HttpPublicSecurityAdapter(_http(source), clock=clock)


_EDUCATION_KEYS = "SELECT tyshxydm FROM edu.jg_jbxx"
_FIRE_KEYS = "SELECT tyshxydm FROM fire.xf_cs"
_JINMING_KEYS = "SELECT tyshxydm FROM jm.jgzh"


def _sql_cases(backend: str) -> Sequence[AdapterCase]:
    return (
        AdapterCase(
            f"education-{backend}", Department.EDUCATION, "education", backend,
            _education, Institution, _EDUCATION_KEYS,
        ),
        AdapterCase(
            f"fire-{backend}", Department.FIRE_SAFETY, "fire", backend,
            _fire, FireSafetyRecord, _FIRE_KEYS,
        ),
        AdapterCase(
            f"bank-jinming-{backend}", Department.FINANCE, "bank-jinming", backend,
            _jinming, FundSupervision, _JINMING_KEYS,
        ),
    )  # fmt: skip


CASES: Sequence[AdapterCase] = (
    *_sql_cases("sqlite"),
    *_sql_cases("postgresql"),
    AdapterCase(
        "bank-songdu-http", Department.FINANCE, "bank-songdu", "http",
        _songdu, FundSupervision, "SELECT ORG_USCC FROM sd.CUST_ACCT",
    ),
    AdapterCase(
        "market-http", Department.MARKET_SUPERVISION, "market", "http",
        _market, BusinessRegistration, "SELECT tyshxydm FROM mkt.qydj",
    ),
    AdapterCase(
        "police-http", Department.PUBLIC_SECURITY, "police", "http",
        _police, BackgroundCheck, "SELECT sfzh FROM pol.rybjhc",
        batch_keys=_PAGE_OF_STAFF, unknown_key=UNKNOWN_ID_NUMBER,
    ),
)  # fmt: skip
