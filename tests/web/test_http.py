"""The hub's HTTP surface that needs no token: health, readiness, metrics."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from xietong.hub.services import Hub
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings
from xietong.web.app import create_app


def write_sources(path: Path, education_db: Path, market_url: str) -> None:
    path.write_text(
        f"""
[[sources]]
name = "education-platform"
department = "EDUCATION"
kind = "sql"
url = "sqlite:///{education_db}"
format = "education"

[[sources]]
name = "market-registry"
department = "MARKET_SUPERVISION"
kind = "http"
url = "{market_url}"
format = "market"
timeout = 0.5
""",
        encoding="utf-8",
    )


@pytest.fixture
async def client(tmp_path: Path, hub_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    education_db = tmp_path / "education.db"
    sqlite3.connect(education_db).close()
    # Nothing listens on port 9 (discard) here: the market source is down.
    write_sources(tmp_path / "sources.toml", education_db, "http://127.0.0.1:9")
    settings = Settings.from_env({"XIETONG_DATABASE_URL": hub_database_url}, data_dir=tmp_path)
    hub = await Hub.open(settings)
    app = create_app(settings, hub=hub)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as client:
        yield client
    await hub.close()


async def test_healthz_says_the_process_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_stays_ready_with_a_source_down_and_names_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["sources"]["education-platform"]["status"] == "ok"
    assert body["sources"]["market-registry"]["status"] == "unavailable"
    assert body["sources"]["market-registry"]["error"]
    assert body["failing"] == []


async def ready_with(tmp_path: Path, database_url: str, **env: str) -> httpx.Response:
    education_db = tmp_path / "education.db"
    sqlite3.connect(education_db).close()
    write_sources(tmp_path / "sources.toml", education_db, "http://127.0.0.1:9")
    settings = Settings.from_env({"XIETONG_DATABASE_URL": database_url, **env}, data_dir=tmp_path)
    hub = await Hub.open(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, hub=hub)), base_url="http://h"
        ) as client:
            return await client.get("/readyz")
    finally:
        await hub.close()


async def test_a_required_source_down_makes_the_hub_unready_naming_it(
    tmp_path: Path, hub_database_url: str
) -> None:
    response = await ready_with(
        tmp_path, hub_database_url, XIETONG_REQUIRED_SOURCES="market-registry"
    )

    assert response.status_code == 503
    (failure,) = response.json()["failing"]
    assert failure["name"] == "market-registry"
    assert "cannot connect" in failure["error"]
    assert response.json()["database"] == "ok"


async def test_a_required_source_that_answers_leaves_the_hub_ready(
    tmp_path: Path, hub_database_url: str
) -> None:
    response = await ready_with(
        tmp_path, hub_database_url, XIETONG_REQUIRED_SOURCES="education-platform"
    )

    assert response.status_code == 200
    assert response.json()["failing"] == []


async def test_a_required_source_not_in_the_sources_file_stops_start_up(
    tmp_path: Path, sqlite_url: str
) -> None:
    with pytest.raises(ConfigError, match="XIETONG_REQUIRED_SOURCES names bank-x"):
        await ready_with(tmp_path, sqlite_url, XIETONG_REQUIRED_SOURCES="bank-x")


async def test_configured_redis_that_does_not_answer_makes_the_hub_unready(
    tmp_path: Path, sqlite_url: str
) -> None:
    from xietong.kernel.migrate import upgrade

    upgrade(sqlite_url)
    response = await ready_with(tmp_path, sqlite_url, XIETONG_REDIS_URL="redis://127.0.0.1:9/0")

    assert response.status_code == 503
    assert [failure["name"] for failure in response.json()["failing"]] == ["rate-limit-store"]
    assert response.json()["database"] == "ok"


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'xietong_http_requests_total{method="GET",route="/healthz",status="200"}' in (
        response.text
    )


async def test_graphql_without_a_token_is_401_unauthenticated(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { clientId } }"})

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphiql_is_served_to_a_browser(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_metrics_on_a_port_of_their_own_are_not_beside_graphql(
    tmp_path: Path, hub_database_url: str
) -> None:
    from tests.support.harness import free_port

    port = free_port()
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    settings = Settings.from_env(
        {"XIETONG_DATABASE_URL": hub_database_url, "XIETONG_METRICS_PORT": str(port)},
        data_dir=tmp_path,
    )
    hub = await Hub.open(settings)
    app = create_app(settings, hub=hub)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://h"
            ) as hub_http,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as metrics_http,
        ):
            await hub_http.get("/healthz")
            beside = await hub_http.get("/metrics")
            own = await metrics_http.get("/metrics")
    finally:
        await hub.close()

    assert beside.status_code == 404
    assert own.status_code == 200
    assert 'xietong_http_requests_total{method="GET",route="/healthz",status="200"}' in own.text
