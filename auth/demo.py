"""The demo clients of DESIGN §11: one per role, id = role, secret = id + "-secret".

``demo-admin`` (the hub operator) is registered in the ``AUDIT`` department. The
table and ``Principal`` require a department, and AUDIT is the one that holds no
department data and never signs a review, so nothing keyed on the department can
give the operator data; its ``admin`` role is denied everything by the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from xietong.auth.access_tokens import IssuedToken
from xietong.auth.clients import ClientRecord, ClientRegistry
from xietong.auth.identity_errors import ClientExistsError, DisabledClientError
from xietong.auth.token_service import TokenService
from xietong.domain.departments import Department

DEMO_CITY = "410200"
"""Kaifeng city."""
DEMO_DISTRICT = "410202"
"""One of Kaifeng's districts."""


@dataclass(frozen=True, slots=True)
class DemoClient:
    client_id: str
    name: str
    department: Department
    role: str
    region: str = DEMO_CITY

    @property
    def secret(self) -> str:
        return f"{self.client_id}-secret"


DEMO_CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        "demo-education", "Demo education bureau", Department.EDUCATION, "education.supervisor"
    ),
    DemoClient(
        "demo-market",
        "Demo market supervision bureau",
        Department.MARKET_SUPERVISION,
        "market.officer",
    ),
    DemoClient(
        "demo-police", "Demo public security bureau", Department.PUBLIC_SECURITY, "police.officer"
    ),
    DemoClient("demo-fire", "Demo fire and rescue bureau", Department.FIRE_SAFETY, "fire.officer"),
    DemoClient("demo-finance", "Demo finance bureau", Department.FINANCE, "finance.officer"),
    DemoClient(
        "demo-culture",
        "Demo culture and tourism bureau",
        Department.CULTURE_TOURISM,
        "culture.supervisor",
    ),
    DemoClient(
        "demo-tech",
        "Demo science and technology bureau",
        Department.SCIENCE_TECHNOLOGY,
        "tech.supervisor",
    ),
    DemoClient("demo-sports", "Demo sports bureau", Department.SPORTS, "sports.supervisor"),
    DemoClient("demo-auditor", "Demo audit bureau", Department.AUDIT, "auditor"),
    DemoClient("demo-admin", "Demo hub operator", Department.AUDIT, "admin"),
    DemoClient(
        "demo-education-district",
        "Demo district education bureau",
        Department.EDUCATION,
        "education.supervisor",
        DEMO_DISTRICT,
    ),
)


async def register_demo_clients(clients: ClientRegistry) -> list[ClientRecord]:
    """Register every demo client that is missing; leave existing ones as they are
    (a disabled one stays disabled). Safe to run again and from several processes."""
    # One after the other: concurrent writers gain nothing on SQLite.
    return [await _register(clients, demo) for demo in DEMO_CLIENTS]


async def demo_tokens(service: TokenService) -> dict[str, IssuedToken]:
    """A fresh token for each enabled demo client, by client id, in DESIGN order."""
    tokens: dict[str, IssuedToken] = {}
    for demo in DEMO_CLIENTS:
        try:
            tokens[demo.client_id] = await service.issue_access_token(demo.client_id)
        except DisabledClientError:
            continue
    return tokens


async def _register(clients: ClientRegistry, demo: DemoClient) -> ClientRecord:
    existing = await clients.get(demo.client_id)
    if existing is not None:
        return existing
    try:
        return await clients.add(
            demo.client_id,
            name=demo.name,
            department=demo.department,
            roles=[demo.role],
            region=demo.region,
            secret=demo.secret,
        )
    except ClientExistsError:  # another process registered it meanwhile
        record = await clients.get(demo.client_id)
        assert record is not None
        return record
