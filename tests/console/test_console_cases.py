"""The cases inbox's acts over HTTP, as a browser drives them: education refers a
demo case to market, market's officer accepts and closes it; the timeline names
both officers, a stale form is a version conflict in Chinese, and every act is one
access-log event under the officer's name."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from tests.console.support import console_world, csrf_of, sign_in
from tests.support.harness import SandboxWorld
from xietong.hub.demo_cases import seed_demo_cases
from xietong.kernel.store import AuditEvent

HELD = """{ cases(filter: {assignedTo: EDUCATION}, first: 50) { edges { node {
  id number status responsible referredBy } } } }"""


def version_of(page: str, form: str) -> str:
    found = re.search(
        rf'id="{form}">\s*<input type="hidden" name="csrf" value="[^"]+">'
        r'<input type="hidden" name="version" value="(\d+)">',
        page,
    )
    assert found is not None, f"no {form} on the page"
    return found.group(1)


def message_of(page: str) -> str:
    return page.split('id="message">')[1].split("</p>")[0]


async def act(
    browser: httpx.AsyncClient, url: str, action: str, version: str, page: str, **text: str
) -> httpx.Response:
    done = await browser.post(
        f"{url}/{action}", data={"csrf": csrf_of(page), "version": version, **text}
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith(url + "?")
    answer = await browser.get(done.headers["location"])
    assert answer.status_code == 200, answer.text
    return answer


async def test_education_refers_a_case_and_market_accepts_and_closes_it(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        await seed_demo_cases(hub.hub)
        held = (await hub.harness.graphql("demo-education", HELD)).json()
        case = next(
            edge["node"]
            for edge in held["data"]["cases"]["edges"]
            if edge["node"]["responsible"] == "EDUCATION"
            and edge["node"]["referredBy"] is None
            and edge["node"]["status"] == "ISSUED"
        )
        url = f"/console/cases/{case['id']}"
        async with hub.browser() as education, hub.browser() as market:
            await sign_in(education, "wang.fang", purpose="整改转办", case="汴教〔2026〕7号")
            await sign_in(market, "li.na", purpose="核查经营范围", case="汴市监〔2026〕9号")

            inbox = await education.get("/console/cases")
            assert f'href="{url}"' in inbox.text
            page = await education.get(url)
            assert 'id="refer-form"' in page.text
            assert 'id="accept-form"' not in page.text  # nothing referred to education
            referred = await act(
                education,
                url,
                "refer",
                version_of(page.text, "refer-form"),
                page.text,
                to="MARKET_SUPERVISION",
                note="经营范围待核，请市场监管核查",
            )
            assert message_of(referred.text) == "已转办。"
            assert 'id="refer-form"' not in referred.text  # the referral waits for market

            market_inbox = await market.get("/console/cases")
            assert f'href="{url}"' in market_inbox.text.split('id="cases"')[1]
            page = await market.get(url)
            stale = version_of(page.text, "accept-form")
            accepted = await act(market, url, "accept", stale, page.text)
            assert message_of(accepted.text) == "已接收转办。"

            # A form read before the acceptance: the hub refuses it, in Chinese.
            conflict = await act(market, url, "close", stale, accepted.text, outcome="已核查")
            assert message_of(conflict.text).startswith(
                "版本冲突：案件已被他人更新，请刷新页面后重试。"
            )
            closed = await act(
                market,
                url,
                "close",
                version_of(conflict.text, "close-form"),
                conflict.text,
                outcome="经营范围已核实，责令整改完毕",
            )
            final = await education.get(url)

        assert message_of(closed.text) == "已办结。"
        assert 'id="close-form"' not in closed.text
        assert final.status_code == 200
        assert "已办结" in final.text.split('id="case-status">')[1].split("</dd>")[0]
        steps = [
            re.sub(r"<[^>]+>", "|", row)
            for row in final.text.split('id="timeline"')[1].split("</tbody>")[0].split("<tr>")[2:]
        ]
        assert any("转办" in s and "王芳（wang.fang）" in s and "经营范围待核" in s for s in steps)
        assert any("接收转办" in s and "李娜（li.na）" in s for s in steps)
        assert any("办结" in s and "李娜（li.na）" in s and "责令整改完毕" in s for s in steps)

        async with hub.hub.sessions() as db:
            events = (
                await db.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.operation_type == "mutation")
                    .order_by(AuditEvent.seq)
                )
            ).all()

    assert [(e.operation_name, e.subject, e.client_id, e.case_id) for e in events] == [
        ("ConsoleReferCase", "wang.fang", "xietong-console", "汴教〔2026〕7号"),
        ("ConsoleAcceptCase", "li.na", "xietong-console", "汴市监〔2026〕9号"),
        ("ConsoleCloseCase", "li.na", "xietong-console", "汴市监〔2026〕9号"),
        ("ConsoleCloseCase", "li.na", "xietong-console", "汴市监〔2026〕9号"),
    ]
    assert [e.purpose for e in events] == ["整改转办"] + ["核查经营范围"] * 3


WAITING = """{ cases(filter: {assignedTo: MARKET_SUPERVISION}, first: 50) { edges { node {
  id referredBy involved } } } }"""


async def test_market_returns_a_referral_with_a_reason_in_either_language(
    hub_database_url: str, world: SandboxWorld
) -> None:
    async with console_world(hub_database_url, world) as hub:
        await seed_demo_cases(hub.hub)
        waiting = (await hub.harness.graphql("demo-market", WAITING)).json()
        case = next(
            edge["node"]
            for edge in waiting["data"]["cases"]["edges"]
            if edge["node"]["referredBy"] == "EDUCATION"
            and "PUBLIC_SECURITY" not in edge["node"]["involved"]
        )
        url = f"/console/cases/{case['id']}"
        async with hub.browser() as market, hub.browser() as police:
            await sign_in(market, "li.na")
            await sign_in(police, "zhang.wei")
            page = await market.get(url)
            version = version_of(page.text, "return-form")
            assert '<label for="reason">退回理由</label>' in page.text
            empty = await act(market, url, "return", version, page.text, reason="  ")
            switched = await market.post(
                "/console/language",
                data={"csrf": csrf_of(empty.text), "lang": "en"},
                headers={"Referer": f"http://127.0.0.1:8000{url}"},
            )
            english = await market.get(switched.headers["location"])
            returned = await act(
                market, url, "return", version, english.text, reason="不属本局职责"
            )
            stranger = await police.get(url)
            forged = await police.post(f"{url}/accept", data={"csrf": "x", "version": version})

    assert message_of(empty.text).startswith("输入无效：填写内容为空或无效。")
    assert message_of(returned.text) == "Returned."
    assert 'id="accept-form"' not in returned.text
    assert "Timeline" in returned.text
    assert "不属本局职责" in returned.text.split('id="timeline"')[1]
    assert stranger.status_code == 404
    assert "未找到该案件。" in stranger.text
    assert forged.status_code == 403
