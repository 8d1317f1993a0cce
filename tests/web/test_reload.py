"""The policy and the sources file reload while the hub serves: on SIGHUP or when
they change, checked first, the one in force kept when the new one is wrong, and
each reload an access-log event."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.kernel.settings import SHIPPED_POLICY

STAFF_IDS = "{ institutions(first: 3) { edges { node { staff { idNumber } } } } }"
REGISTRATIONS = "{ institutions(first: 2) { edges { node { registration { status } } } } }"
MARKET_UNMASKED = 'allow = ["education.supervisor", "police.officer", "market.officer"]\nmask = [\n'


@pytest.fixture
async def serving(
    hub_database_url: str,
    world: SandboxWorld,
    prepared_sqlite_template: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[HubHarness]:
    """The hub with a policy and sources file of its own, its lifespan running."""
    policy = tmp_path / "policy.toml"
    shutil.copyfile(SHIPPED_POLICY, policy)
    sources = tmp_path / "sources.toml"
    shutil.copyfile(world.sources_file, sources)
    prepared = hub_database_url.startswith("sqlite:///")
    if prepared:
        shutil.copyfile(prepared_sqlite_template, hub_database_url.removeprefix("sqlite:///"))
    seconds = getattr(request, "param", "0.05")
    env = {
        "XIETONG_POLICY": str(policy),
        "XIETONG_SOURCES": str(sources),
        "XIETONG_RELOAD_SECONDS": seconds,
    }
    async with (
        hub_harness(hub_database_url, world, env=env, register_clients=not prepared) as harness,
        harness.app.router.lifespan_context(harness.app),
    ):
        yield harness


def reloads(harness: HubHarness) -> list[dict[str, Any]]:
    with harness.hub.sync_engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT operation_name, outcome, variables FROM audit_events "
                "WHERE operation_type = 'reload' ORDER BY seq"
            )
        )
        return [
            {
                "name": name,
                "outcome": outcome,
                **(json.loads(variables) if isinstance(variables, str) else variables),
            }
            for name, outcome, variables in rows
        ]


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the hub did not reload within 10 s")


async def staff_ids(harness: HubHarness) -> list[str]:
    body = (await harness.graphql("demo-market", STAFF_IDS)).json()
    return [
        member["idNumber"]
        for edge in body["data"]["institutions"]["edges"]
        for member in edge["node"]["staff"]
    ]


async def test_a_changed_policy_is_in_force_without_a_restart(serving: HubHarness) -> None:
    policy = serving.hub.settings.policy_file
    before = await staff_ids(serving)
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            'allow = ["education.supervisor", "police.officer"]\nmask = [\n    "market.officer", ',
            MARKET_UNMASKED + "    ",
        ),
        encoding="utf-8",
    )

    await until(lambda: len(reloads(serving)) == 1)
    after = await staff_ids(serving)

    assert all("*" in number for number in before), "masked for market supervision"
    assert after
    assert not any("*" in number for number in after), "the new policy unmasks them"
    (event,) = reloads(serving)
    assert (event["name"], event["outcome"]) == ("policy", "OK")
    assert event["file"] == str(policy)
    assert re.fullmatch(r"[0-9a-f]{64}", event["sha256"])


async def test_a_wrong_policy_is_refused_and_the_one_in_force_stays(
    serving: HubHarness, caplog: pytest.LogCaptureFixture
) -> None:
    policy = serving.hub.settings.policy_file
    policy.write_text(
        policy.read_text(encoding="utf-8")
        + '\n[[rules]]\nfields = ["Institution.nonsense"]\nallow = ["*"]\n',
        encoding="utf-8",
    )

    await until(lambda: len(reloads(serving)) == 1)

    (event,) = reloads(serving)
    assert (event["name"], event["outcome"]) == ("policy", "ERROR")
    assert "Institution has no field 'nonsense'" in event["error"]
    assert all("*" in number for number in await staff_ids(serving)), "still in force"
    (line,) = [r for r in caplog.records if r.name == "xietong.reload"]
    assert line.levelname == "ERROR"
    assert "the one in force stays" in line.getMessage()


async def test_a_changed_sources_file_is_in_force_and_a_wrong_one_refused(
    serving: HubHarness,
) -> None:
    sources = serving.hub.settings.sources_file
    original = sources.read_text(encoding="utf-8")
    answered = (await serving.graphql("demo-market", REGISTRATIONS)).json()
    sources.write_text(
        re.sub(
            r'(name = "market-registry"(?:.|\n)*?url = )"[^"]+"',
            r'\1"http://127.0.0.1:9"',
            original,
        ),
        encoding="utf-8",
    )
    await until(lambda: len(reloads(serving)) == 1)
    down = (await serving.graphql("demo-market", REGISTRATIONS)).json()
    sources.write_text(original.replace('format = "market"', 'format = "nonsense"'), "utf-8")
    await until(lambda: len(reloads(serving)) == 2)
    still_down = (await serving.graphql("demo-market", REGISTRATIONS)).json()

    assert "errors" not in answered
    assert {e["extensions"]["source"] for e in down["errors"]} == {"market-registry"}
    assert [(e["name"], e["outcome"]) for e in reloads(serving)] == [
        ("sources", "OK"),
        ("sources", "ERROR"),
    ]
    assert "nonsense" in reloads(serving)[1]["error"]
    assert {e["extensions"]["source"] for e in still_down["errors"]} == {"market-registry"}


@pytest.mark.parametrize("serving", ["0"], indirect=True)
async def test_sighup_reloads_at_once(serving: HubHarness) -> None:
    if signal.getsignal(signal.SIGHUP) in (signal.SIG_DFL, signal.SIG_IGN, None):
        pytest.skip("this test process cannot take SIGHUP (not in its main thread)")
    policy = serving.hub.settings.policy_file
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    await asyncio.sleep(0.3)
    assert reloads(serving) == [], "XIETONG_RELOAD_SECONDS=0: only a signal reloads"

    os.kill(os.getpid(), signal.SIGHUP)
    await until(lambda: len(reloads(serving)) == 1)

    assert reloads(serving)[0]["outcome"] == "OK"
