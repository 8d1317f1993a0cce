"""The console over HTTP, as a browser drives it (without one: the browser tests
are in test_console_browser.py): an officer signs in, searches, reads a joint
record with masks and refusals; every act is logged under the officer's name."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime, timedelta

import typer
from openpyxl import load_workbook
from sqlalchemy import select, update
from typer.testing import CliRunner

from tests.console.support import arts_school, console_world, csrf_of, hidden_fields, sign_in
from tests.support.harness import SandboxWorld
from xietong.cli.reviews import add_review_commands
from xietong.hub.demo_cases import seed_demo_cases
from xietong.kernel.settings import Settings
from xietong.kernel.store import AuditEvent, ConsoleSession

MASKED_ID = re.compile(r"\d{6}\*{8}[\dX]{4}")


async def test_an_officer_sees_masked_ids_and_refused_sections_and_is_logged_by_name(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        code, name = await arts_school(hub)
        async with hub.browser() as market:
            await sign_in(market, "li.na", purpose="核查退费投诉", case="汴市监〔2026〕8号")

            results = await market.get("/console/search", params={"by": "name", "q": name})
            record = await market.get(f"/console/institutions/{code}")

        assert results.status_code == 200
        assert f'href="/console/institutions/{code}">{name}</a>' in results.text
        assert record.status_code == 200
        staff = record.text.split('id="staff"')[1].split("</section>")[0]
        assert MASKED_ID.search(staff), "the market officer sees ID numbers masked"
        assert not re.search(r"\d{17}[\dX]<", staff), "and never a whole one"
        funds = record.text.split('id="funds"')[1].split("</section>")[0]
        assert "无权查看（由金融监管掌握）" in funds
        assert "无权查看" in record.text.split('id="tipOffs"')[1].split("</section>")[0]

        async with hub.browser() as auditor:
            await sign_in(auditor, "zhou.qiang", purpose="季度访问审计")
            log = await auditor.get("/console/audit", params={"officer": "李娜"})
        assert log.status_code == 200
        rows = log.text.split('id="events"')[1]
        assert "li.na" in rows
        assert "xietong-console" in rows
        assert "核查退费投诉" in rows
        assert "汴市监〔2026〕8号" in rows
        assert "ConsoleJointRecord" in rows
        assert "✔ 完整" in log.text


async def test_the_education_and_culture_officers_cosign_and_publish(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        code, _ = await arts_school(hub)
        async with hub.browser() as education, hub.browser() as culture:
            await sign_in(education, "wang.fang")
            await sign_in(culture, "yang.fan")
            inbox = await education.get("/console/reviews")
            opened = await education.post(
                "/console/reviews/open",
                data={"csrf": csrf_of(inbox.text), "creditCode": code, "year": "2026"},
            )
            assert opened.status_code == 303, opened.text
            review_url = opened.headers["location"]
            for browser in (education, culture):
                page = await browser.get(review_url)
                version = re.search(r'name="version" value="(\d+)"', page.text)
                assert version is not None, page.text
                signed = await browser.post(
                    f"{review_url}/sign",
                    data={
                        "csrf": csrf_of(page.text),
                        "version": version.group(1),
                        "conclusion": "BASIC_PASS",
                        "findings": "资质齐全，场所合规",
                    },
                )
                assert "%E5%B7%B2%E7%AD%BE%E7%BD%B2" in signed.headers["location"]  # 已签署
            page = await culture.get(review_url)
            assert 'id="publish"' in page.text
            published = await culture.post(
                f"{review_url}/publish",
                data={
                    "csrf": csrf_of(page.text),
                    "version": re.findall(r'name="version" value="(\d+)"', page.text)[0],
                },
            )
            final = await education.get(published.headers["location"])

        signatures = final.text.split('id="signatures"')[1]
        assert "已公示" in final.text
        assert "✔ 已验证，签名载明 wang.fang" in signatures
        assert "✔ 已验证，签名载明 yang.fan" in signatures

    review_id = review_url.rsplit("/", 1)[1]
    # The CLI runs its own event loop: from a thread, as from another process.
    verified = await asyncio.to_thread(
        CliRunner().invoke, review_cli(hub_database_url), ["reviews", "verify", review_id]
    )
    assert verified.exit_code == 0, verified.output
    assert "1. EDUCATION signed by wang.fang (BASIC_PASS)" in verified.stdout
    assert "its verified JWS names wang.fang" in verified.stdout
    assert "2. CULTURE_TOURISM signed by yang.fan (BASIC_PASS)" in verified.stdout
    assert "its verified JWS names yang.fan" in verified.stdout
    assert "published by yang.fan" in verified.stdout


def review_cli(database_url: str) -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    add_review_commands(
        app, lambda data_dir: Settings.from_env({"XIETONG_DATABASE_URL": database_url})
    )
    return app


async def test_lists_export_to_csv_with_bom_and_to_xlsx(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        _, name = await arts_school(hub)
        async with hub.browser() as browser:
            await sign_in(browser, "wang.fang")
            query = {"by": "name", "q": name}
            as_csv = await browser.get("/console/search", params=query | {"format": "csv"})
            as_xlsx = await browser.get("/console/search", params=query | {"format": "xlsx"})

    assert as_csv.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["统一社会信用代码", "机构名称"]
    assert name in [row[1] for row in rows[1:]]
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:2] == ["统一社会信用代码", "机构名称"]
    assert name in [row[1] for row in values[1:]]


async def test_forms_need_their_csrf_token_and_sign_out_ends_the_session(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        async with hub.browser() as browser:
            page = await sign_in(browser, "wang.fang")
            forged = await browser.post("/console/logout", data={"csrf": "forged"})
            still_in = await browser.get("/console/search")
            out = await browser.post("/console/logout", data={"csrf": csrf_of(page.text)})
            after = await browser.get("/console/search")

    assert forged.status_code == 403
    assert still_in.status_code == 200
    assert out.status_code == 200
    assert "已退出登录" in out.text
    assert after.status_code == 303
    assert after.headers["location"] == "/console/login"


async def test_an_idle_session_is_over(hub_database_url: str, world: SandboxWorld) -> None:
    async with console_world(hub_database_url, world) as hub:
        async with hub.browser() as browser:
            await sign_in(browser, "wang.fang")
            idle = timedelta(seconds=hub.hub.settings.console_idle_seconds)
            # Fifteen idle minutes, as the store sees them: its last sight moved back.
            async with hub.hub.sessions() as db, db.begin():
                await db.execute(
                    update(ConsoleSession).values(
                        last_seen=datetime.now(UTC) - idle - timedelta(seconds=1)
                    )
                )
            after = await browser.get("/console/search")
            again = await browser.get("/console/search")

    assert after.status_code == 303
    assert after.headers["location"] == "/console/login"
    assert again.status_code == 303, "the idle session is gone, not just refused once"


async def test_the_session_cookie_is_httponly_and_samesite(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        async with hub.browser() as browser:
            started = await browser.get("/console/login")
    cookie = started.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/console" in cookie


async def test_the_dashboard_draws_its_charts_from_the_statistics(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        async with hub.browser() as browser:
            await sign_in(browser, "wang.fang")
            page = await browser.get("/console/dashboard")
            table = await browser.get("/console/dashboard", params={"format": "csv"})

    assert page.status_code == 200
    for chart in ("chart-risk", "chart-supervision", "chart-leads"):
        figure = page.text.split(f'id="{chart}"')[1].split("</figure>")[0]
        assert "<svg" in figure
        assert figure.count("<rect") >= 2, chart
    assert "高风险" in page.text
    assert "无权查看" not in page.text  # education reads every count
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["区县", "机构数"]
    assert sum(int(row[1]) for row in rows[1:]) > 0


async def test_a_count_the_role_may_not_read_is_refused_once_on_the_dashboard(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        async with hub.browser() as browser:
            await sign_in(browser, "li.na")
            page = await browser.get("/console/dashboard")

    supervision = page.text.split('id="chart-supervision"')[1].split("</figure>")[0]
    assert "无权查看（由金融监管掌握）" in supervision
    assert "<svg" not in supervision
    assert "<svg" in page.text.split('id="chart-risk"')[1].split("</figure>")[0]
    assert page.text.count("custodySupervisionRate is not granted") == 0


async def test_a_person_page_for_the_roles_that_may_and_a_refusal_for_others(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        code, _ = await arts_school(hub)
        staff = await hub.harness.graphql(
            "demo-education",
            "query($c: CreditCode!) { institution(creditCode: $c) { staff { idNumber name } } }",
            {"c": code},
        )
        member = staff.json()["data"]["institution"]["staff"][0]
        async with hub.browser() as education, hub.browser() as market:
            await sign_in(education, "wang.fang")
            await sign_in(market, "li.na")
            record = await education.get(f"/console/institutions/{code}")
            seen = await education.get("/console/person", params={"id": member["idNumber"]})
            refused = await market.get("/console/person", params={"id": member["idNumber"]})

    # From the joint record, a whole ID number leads to the person's page.
    assert f'href="/console/person?id={member["idNumber"]}"' in record.text
    assert member["name"] in seen.text
    assert f"/console/institutions/{code}" in seen.text
    assert "无权查看人员记录" in refused.text
    assert member["name"] not in refused.text


async def test_sign_in_attempts_are_logged_and_rate_limited_by_address(
    hub_database_url: str, world: SandboxWorld
) -> None:
    env = {"XIETONG_TOKEN_RATE_LIMIT": "4/minute"}
    async with console_world(hub_database_url, world, env) as hub:
        async with hub.browser() as browser:
            start = await browser.get("/console/login")
            form = await browser.get(start.headers["location"])
            page = form.text
            refused = []
            for _ in range(4):
                # Each answer is a fresh form (with a fresh CSRF token), as a person retries.
                fields = hidden_fields(page) | {"username": "li.na", "password": "wrong guess"}
                answer = await browser.post("/oauth/authorize", data=fields)
                refused.append(answer.status_code)
                page = answer.text
        async with hub.hub.sessions() as db:
            events = (
                await db.scalars(select(AuditEvent).where(AuditEvent.operation_type == "sign-in"))
            ).all()

    # The form (1) and three guesses fit the budget of 4 a minute; the fourth guess does not.
    assert refused == [401, 401, 401, 429]
    guesses = [e for e in events if e.operation_name == "signIn"]
    assert [(e.subject, e.client_id, e.outcome) for e in guesses[:3]] == [
        ("li.na", "xietong-console", "UNAUTHENTICATED")
    ] * 3


async def test_the_pages_are_available_in_english(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        code, name = await arts_school(hub)
        async with hub.browser() as browser:
            page = await sign_in(browser, "li.na")
            record_url = f"http://127.0.0.1:8000/console/institutions/{code}"
            switched = await browser.post(
                "/console/language",
                data={"csrf": csrf_of(page.text), "lang": "en"},
                headers={"Referer": record_url},
            )
            record = await browser.get(switched.headers["location"])
            back = await browser.post(
                "/console/language",
                data={"csrf": csrf_of(record.text), "lang": "zh"},
                headers={"Referer": "https://elsewhere.example/console/x"},
            )

    assert switched.headers["location"] == f"/console/institutions/{code}"
    assert '<html lang="en">' in record.text
    assert "Business registration" in record.text
    assert "Not yours to see (held by Finance)" in record.text
    assert name in record.text  # the departments' data stays as written
    assert back.headers["location"] == "/console/search"  # never another site


async def test_the_cases_inbox_lists_the_departments_cases_and_exports_them(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        seeded = await seed_demo_cases(hub.hub)
        # Education's own view of them, through /graphql (not every demo case is its).
        answer = await hub.harness.graphql("demo-education", "{ cases { totalCount } }")
        visible = answer.json()["data"]["cases"]["totalCount"]
        async with hub.browser() as browser:
            await sign_in(browser, "wang.fang")
            mine = await browser.get("/console/cases")
            everything = await browser.get("/console/cases", params={"all": "1"})
            as_xlsx = await browser.get("/console/cases", params={"all": "1", "format": "xlsx"})

    assert 0 < visible <= seeded
    listed = everything.text.split('id="cases"')[1].count("<tr") - 1
    assert listed == visible
    assert mine.text.split('id="cases"')[1].count("<tr") - 1 <= listed
    assert "教育局" in everything.text
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    assert sheet.max_row - 1 == visible
    assert next(sheet.iter_rows(values_only=True))[:3] == ("文号", "类型", "状态")


WITHOUT_ACCOUNT = (
    """{ institutions(first: 100) { edges { node { creditCode funds { bank } } } } }"""
)


async def test_the_custody_ledger_for_education_and_a_refusal_for_market(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        code, _ = await arts_school(hub)
        listed = (await hub.harness.graphql("demo-education", WITHOUT_ACCOUNT)).json()
        no_account = next(
            edge["node"]["creditCode"]
            for edge in listed["data"]["institutions"]["edges"]
            if edge["node"]["funds"] is None
        )
        reference = hub.hub.settings.reference_date
        assert reference is not None
        day = reference.isoformat()
        async with hub.browser() as education, hub.browser() as market:
            await sign_in(education, "wang.fang")
            await sign_in(market, "li.na")
            ledger = await education.get(f"/console/funds/{code}")
            refused = await market.get(f"/console/funds/{code}")
            other = await education.get(f"/console/funds/{no_account}")
            # Nothing to release where there is no account: a typed error, in Chinese.
            approved = await education.post(
                f"/console/funds/{no_account}/approve",
                data={"csrf": csrf_of(other.text), "through": day, "key": "k" * 16},
            )
            answer = await education.get(approved.headers["location"])

    assert ledger.status_code == 200
    assert 'id="orders"' in ledger.text
    assert "¥" in ledger.text
    assert "批准划拨" in ledger.text
    assert "无权查看（由金融监管掌握）" in refused.text
    assert "批准划拨" not in refused.text
    message = answer.text.split('id="message">')[1].split("</p>")[0]
    assert "已批准" not in message
    assert "：" in message  # the typed error's Chinese label, then the hub's words


async def test_a_disabled_officer_is_signed_out_at_the_next_page(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        async with hub.browser() as browser:
            await sign_in(browser, "wang.fang")
            await hub.hub.tokens.officers.disable("wang.fang")
            refused = await browser.get("/console/search", params={"q": "培训"})
            after = await browser.get("/console/search")

    assert refused.status_code == 303
    assert refused.headers["location"] == "/console/login"
    assert after.status_code == 303  # the session itself is gone
