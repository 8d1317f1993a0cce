"""The console over HTTP: an officer signs in, searches, reads a joint record with
masks and refusals, and every act is logged under the officer's name."""

from __future__ import annotations

from tests.console.support import console_world, sign_in
from tests.support.harness import SandboxWorld


async def test_debug(hub_database_url: str, world: SandboxWorld) -> None:
    async with console_world(hub_database_url, world) as cw:
        async with cw.browser() as browser:
            page = await sign_in(browser, "li.na")
            print(page.status_code, page.text[:2000])
            page = await browser.get("/console/search", params={"q": "培训", "by": "name"})
            print(page.status_code, page.text[:6000])
            assert False
