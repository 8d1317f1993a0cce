"""Browsers on other origins: only the configured ones may call the hub, and their
preflight needs no token."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings

CONSOLE = "https://console.example.gov.cn"
PREFLIGHT = {
    "Origin": CONSOLE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, x-purpose",
}


@pytest.fixture
async def cors_harness(
    prepared_sqlite_template: Path, tmp_path: Path, world: SandboxWorld
) -> AsyncIterator[HubHarness]:
    database = tmp_path / "hub.db"
    shutil.copyfile(prepared_sqlite_template, database)
    env = {"XIETONG_CORS_ORIGINS": f"{CONSOLE}, http://127.0.0.1:3000"}
    async with hub_harness(
        f"sqlite:///{database}", world, env=env, register_clients=False
    ) as opened:
        yield opened


async def test_a_configured_origin_gets_its_preflight_answered_without_a_token(
    cors_harness: HubHarness,
) -> None:
    response = await cors_harness.http.options("/graphql", headers=PREFLIGHT)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CONSOLE
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "x-purpose"} <= set(
        allowed.replace(" ", "").split(",")
    )
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


async def test_a_configured_origin_reads_the_answer(cors_harness: HubHarness) -> None:
    token = await cors_harness.token("demo-education")
    response = await cors_harness.http.post(
        "/graphql",
        json={"query": "{ me { clientId } }"},
        headers={"Origin": CONSOLE, "Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CONSOLE
    assert response.json()["data"]["me"]["clientId"] == "demo-education"


async def test_another_origin_is_not_allowed(cors_harness: HubHarness) -> None:
    preflight = {**PREFLIGHT, "Origin": "https://elsewhere.example.com"}

    response = await cors_harness.http.options("/graphql", headers=preflight)

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_no_origin_is_allowed_by_default(sqlite_harness: HubHarness) -> None:
    preflight = await sqlite_harness.http.options("/graphql", headers=PREFLIGHT)
    token = await sqlite_harness.token("demo-education")
    answer = await sqlite_harness.http.post(
        "/graphql",
        json={"query": "{ me { clientId } }"},
        headers={"Origin": CONSOLE, "Authorization": f"Bearer {token}"},
    )

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize(
    "origins",
    ["console.example.gov.cn", "https://console.example.gov.cn/graphiql", "ftp://host", "*"],
)
def test_an_origin_that_is_not_one_stops_start_up(origins: str) -> None:
    with pytest.raises(ConfigError, match="XIETONG_CORS_ORIGINS"):
        Settings.from_env({"XIETONG_CORS_ORIGINS": origins})
