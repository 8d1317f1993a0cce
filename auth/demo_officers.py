"""The demo officers (demo mode only): one per department and an auditor, who
sign in to the console (``/console``) with password = username + ``-secret``."""

from __future__ import annotations

from dataclasses import dataclass

from xietong.auth.demo import DEMO_CITY
from xietong.auth.identity_errors import OfficerRegistrationError
from xietong.auth.officers import OfficerRecord, OfficerRegistry
from xietong.domain.departments import Department


@dataclass(frozen=True, slots=True)
class DemoOfficer:
    username: str
    name: str
    department: Department
    role: str
    region: str = DEMO_CITY

    @property
    def password(self) -> str:
        return f"{self.username}-secret"


DEMO_OFFICERS: tuple[DemoOfficer, ...] = (
    DemoOfficer("wang.fang", "王芳", Department.EDUCATION, "education.supervisor"),
    DemoOfficer("li.na", "李娜", Department.MARKET_SUPERVISION, "market.officer"),
    DemoOfficer("zhang.wei", "张伟", Department.PUBLIC_SECURITY, "police.officer"),
    DemoOfficer("liu.yang", "刘洋", Department.FIRE_SAFETY, "fire.officer"),
    DemoOfficer("chen.jing", "陈静", Department.FINANCE, "finance.officer"),
    DemoOfficer("yang.fan", "杨帆", Department.CULTURE_TOURISM, "culture.supervisor"),
    DemoOfficer("zhao.lei", "赵磊", Department.SCIENCE_TECHNOLOGY, "tech.supervisor"),
    DemoOfficer("huang.min", "黄敏", Department.SPORTS, "sports.supervisor"),
    DemoOfficer("zhou.qiang", "周强", Department.AUDIT, "auditor"),
)


async def register_demo_officers(officers: OfficerRegistry) -> list[OfficerRecord]:
    """Create every demo officer that is missing; leave existing ones as they are."""
    return [await _register(officers, demo) for demo in DEMO_OFFICERS]


async def _register(officers: OfficerRegistry, demo: DemoOfficer) -> OfficerRecord:
    existing = await officers.get(demo.username)
    if existing is not None:
        return existing
    try:
        return await officers.add(
            demo.username,
            name=demo.name,
            department=demo.department,
            role=demo.role,
            region=demo.region,
            password=demo.password,
        )
    except OfficerRegistrationError:  # another process created it meanwhile
        record = await officers.get(demo.username)
        if record is None:
            raise
        return record
