"""The console in headless Chromium (Debian's, no browser download), with no network
but the hub: officers sign in, search by a Chinese name, read a joint record with a
masked ID number and a refused section, co-sign from two browsers and publish, an
auditor finds their acts by name, and the exports open with the Chinese intact.
Each step's screenshot is saved under tests/console/screens/ (not committed)."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

from tests.console.support import ARTS_SCHOOLS, OFFICERS
from tests.support.harness import SandboxWorld, free_port
from tests.support.processes import register_and_issue
from tests.web.test_graphiql_browser import _chromium
from xietong.auth.demo_officers import register_demo_officers
from xietong.console.app import create_hub_app
from xietong.hub.services import Hub
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.sandbox.reference import REFERENCE_DATE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("console-browser")]

SCREENS = Path(__file__).resolve().parent / "screens"
MASKED_ID = re.compile(r"\d{6}\*{8}[\dX]{4}")


@dataclass(frozen=True, slots=True)
class ServedConsole:
    url: str
    settings: Settings
    arts_code: str
    arts_name: str


def _register_officers(settings: Settings) -> None:
    async def register() -> None:
        hub = await Hub.open(settings)
        try:
            await register_demo_officers(hub.tokens.officers)
        finally:
            await hub.close()

    asyncio.run(register())


def _arts_school(url: str, token: str) -> tuple[str, str]:
    answer = httpx.post(
        f"{url}/graphql",
        json={"query": ARTS_SCHOOLS},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    for edge in answer["data"]["institutions"]["edges"]:
        node = edge["node"]
        if node["supervisors"] == ["EDUCATION", "CULTURE_TOURISM"] and node["staff"]:
            return node["creditCode"], node["name"]
    raise AssertionError("the sandbox has no arts school with staff")


@pytest.fixture(scope="module")
def served(
    world: SandboxWorld, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedConsole]:
    folder = tmp_path_factory.mktemp("console")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{folder / 'hub.db'}"
    upgrade(database_url)
    settings = Settings.from_env(
        {
            "XIETONG_DATABASE_URL": database_url,
            "XIETONG_SOURCES": str(world.sources_file),
            "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
            "XIETONG_RATE_LIMIT": "1000/second",
            "XIETONG_TOKEN_RATE_LIMIT": "100/second",
            "XIETONG_ISSUER": url,
        },
        data_dir=folder,
    )
    tokens = register_and_issue(settings)
    _register_officers(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_hub_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "the hub stopped while starting"
        assert time.monotonic() < deadline, "the hub did not start"
        time.sleep(0.02)
    try:
        code, name = _arts_school(url, tokens["demo-education"])
        yield ServedConsole(url, settings, code, name)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(served: ServedConsole) -> Iterator[Browser]:
    executable = _chromium()
    SCREENS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        try:
            yield launched
        finally:
            launched.close()


def _context(browser: Browser, served: ServedConsole) -> BrowserContext:
    """A browser profile that reaches the hub and nothing else."""
    context = browser.new_context(locale="zh-CN", accept_downloads=True)

    def only_the_hub(route: Route) -> None:
        if route.request.url.startswith(served.url + "/"):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    context.route("**/*", only_the_hub)
    return context


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def _sign_in(page: Page, served: ServedConsole, username: str, purpose: str, step: str) -> None:
    page.goto(f"{served.url}/console")
    expect(page.get_by_label("用户名")).to_be_visible()
    _shot(page, f"{step}-1-sign-in")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(OFFICERS[username].password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_label("事由")).to_be_visible()
    page.get_by_label("事由").fill(purpose)
    _shot(page, f"{step}-2-purpose")
    page.get_by_role("button", name="开始").click()
    expect(page.locator("#officer-name")).to_have_text(OFFICERS[username].name)


def test_an_officer_searches_by_a_chinese_name_and_sees_masks_and_refusals(
    browser: Browser, served: ServedConsole
) -> None:
    context = _context(browser, served)
    try:
        page = context.new_page()
        _sign_in(page, served, "li.na", "核查退费投诉", "search")
        page.get_by_label("检索方式").select_option("name")
        page.get_by_label("关键词").fill(served.arts_name)
        page.get_by_role("button", name="检索").click()
        link = page.get_by_role("link", name=served.arts_name)
        expect(link).to_be_visible()
        _shot(page, "search-3-results")
        link.click()
        expect(page.get_by_role("heading", name=served.arts_name)).to_be_visible()
        _shot(page, "search-4-joint-record")
        ids = page.locator("#staff td.id-number").all_inner_texts()
        funds = page.locator("#funds").inner_text()
        page.get_by_role("link", name="辖区概览").click()
        expect(page.locator("#chart-risk svg")).to_be_visible()
        _shot(page, "search-5-dashboard")
    finally:
        context.close()

    assert ids
    assert all(MASKED_ID.fullmatch(text.strip()) for text in ids), ids
    assert "无权查看（由金融监管掌握）" in funds


def test_education_and_culture_cosign_from_two_browsers_and_an_auditor_finds_it(
    browser: Browser, served: ServedConsole
) -> None:
    education, culture, audit = (_context(browser, served) for _ in range(3))
    try:
        edu = education.new_page()
        cul = culture.new_page()
        _sign_in(edu, served, "wang.fang", "2026年度年检", "cosign-education")
        _sign_in(cul, served, "yang.fan", "2026年度年检", "cosign-culture")

        edu.get_by_role("link", name="年度检查").click()
        edu.get_by_label("统一社会信用代码").fill(served.arts_code)
        edu.get_by_label("年度").fill("2025")
        edu.get_by_role("button", name="发起").click()
        expect(edu.locator("#review-status")).to_have_text("待签署")
        review_url = edu.url

        for page, who in ((edu, "education"), (cul, "culture")):
            page.goto(review_url)
            page.get_by_label("结论").select_option("BASIC_PASS")
            page.get_by_label("检查意见").fill("资质齐全，场所合规")
            page.get_by_role("button", name="签署").click()
            expect(page.locator("#message")).to_have_text("已签署。")
            _shot(page, f"cosign-3-signed-{who}")

        cul.get_by_role("button", name="公示").click()
        expect(cul.locator("#review-status")).to_have_text("已公示")
        edu.reload()
        expect(edu.locator("#review-status")).to_have_text("已公示")
        _shot(edu, "cosign-4-published")
        signatures = edu.locator("#signatures").inner_text()

        auditor = audit.new_page()
        _sign_in(auditor, served, "zhou.qiang", "季度访问审计", "audit")
        auditor.get_by_role("link", name="访问日志").click()
        auditor.get_by_label("人员（姓名或用户名）").fill("王芳")
        auditor.get_by_role("button", name="查询").click()
        expect(auditor.locator("#events")).to_be_visible()
        _shot(auditor, "audit-3-by-officer")
        events = auditor.locator("#events").inner_text()
        chain = auditor.locator("#chain").inner_text()

        with auditor.expect_download() as as_csv:
            auditor.get_by_role("link", name="CSV").click()
        with auditor.expect_download() as as_xlsx:
            auditor.get_by_role("link", name="Excel").click()
        csv_bytes = Path(as_csv.value.path()).read_bytes()
        xlsx_bytes = Path(as_xlsx.value.path()).read_bytes()
    finally:
        for context in (education, culture, audit):
            context.close()

    assert "已验证，签名载明 wang.fang" in signatures
    assert "已验证，签名载明 yang.fan" in signatures
    assert "ConsoleSignReview" in events
    assert "ConsoleOpenReview" in events
    assert "wang.fang" in events
    assert "2026年度年检" in events
    assert "完整" in chain

    assert csv_bytes.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "时间", "人员"]
    assert {"ConsoleSignReview", "ConsoleOpenReview"} <= {row[7] for row in rows[1:]}
    assert "2026年度年检" in {row[5] for row in rows[1:]}
    sheet = load_workbook(io.BytesIO(xlsx_bytes)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0][:3] == ["序号", "时间", "人员"]
    assert "2026年度年检" in {row[5] for row in cells[1:]}
