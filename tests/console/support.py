"""Driving the console as a browser would, over httpx: sign in at the hub's
provider, state a task, follow the pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.auth.demo_officers import DEMO_OFFICERS, register_demo_officers
from xietong.console.app import console_routes
from xietong.hub.services import Hub

ISSUER = "http://127.0.0.1:8000"
OFFICERS = {officer.username: officer for officer in DEMO_OFFICERS}


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class ConsoleWorld:
    harness: HubHarness
    transport: httpx.ASGITransport

    @property
    def hub(self) -> Hub:
        return self.harness.hub

    def browser(self) -> httpx.AsyncClient:
        """A fresh 'browser': its own cookie jar, redirects not followed (so the
        tests see each step)."""
        return httpx.AsyncClient(transport=self.transport, base_url=ISSUER)


@asynccontextmanager
async def console_world(
    database_url: str, world: SandboxWorld, env: Mapping[str, str] | None = None
) -> AsyncIterator[ConsoleWorld]:
    """The hub with its console, and the demo officers."""
    # Sign-ins come quickly from one address here; the budget has a test of its own.
    settings = {"XIETONG_ISSUER": ISSUER, "XIETONG_TOKEN_RATE_LIMIT": "100/second", **(env or {})}
    async with hub_harness(database_url, world, env=settings) as harness:
        harness.app.router.routes.extend(console_routes(harness.hub.settings))
        await register_demo_officers(harness.hub.tokens.officers)
        yield ConsoleWorld(harness, httpx.ASGITransport(app=harness.app))


ARTS_SCHOOLS = """{ institutions(filter: {domain: CULTURE_ART, licenseStatus: [VALID]}, first: 50) {
  edges { node { creditCode name supervisors staff { idNumber } } } } }"""


async def arts_school(world: ConsoleWorld) -> tuple[str, str]:
    """The credit code and name of an arts school with staff, supervised by education
    and culture & tourism alone (its review needs exactly those two signatures)."""
    answer = (await world.harness.graphql("demo-education", ARTS_SCHOOLS)).json()
    for edge in answer["data"]["institutions"]["edges"]:
        node = edge["node"]
        if node["supervisors"] == ["EDUCATION", "CULTURE_TOURISM"] and node["staff"]:
            return node["creditCode"], node["name"]
    raise AssertionError("the sandbox has no arts school with staff")


async def sign_in(
    browser: httpx.AsyncClient, username: str, *, purpose: str = "年度联合检查", case: str = ""
) -> httpx.Response:
    """Sign in as a demo officer and state the task; the answer is the page after it."""
    start = await browser.get("/console/login")
    assert start.status_code == 303, start.text
    form_page = await browser.get(start.headers["location"])
    assert form_page.status_code == 200, form_page.text
    fields = hidden_fields(form_page.text) | {
        "username": username,
        "password": OFFICERS[username].password,
    }
    granted = await browser.post("/oauth/authorize", data=fields)
    assert granted.status_code == 302, granted.text
    back = await browser.get(granted.headers["location"])
    assert back.status_code == 303, back.text
    task = await browser.get(back.headers["location"])
    assert task.status_code == 200, task.text
    stated = await browser.post(
        "/console/task",
        data={
            "csrf": csrf_of(task.text),
            "purpose": purpose,
            "case": case,
            "next": "/console/search",
        },
    )
    assert stated.status_code == 303, stated.text
    return await browser.get(stated.headers["location"])
