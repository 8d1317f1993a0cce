"""Many hubs, one graph: two city hubs (Kaifeng 4102, Zhengzhou 4101) as real
``xietong serve`` processes, each over its own sandbox departments, composed by
Apollo Gateway from the npm registry (tests/federation/gateway). A provincial
auditor, with a token of the province's issuer that both hubs trust, lists both
cities' institutions in one query; a Kaifeng client reaches only Kaifeng (the
Zhengzhou hub refuses its token: a partial answer); each hub logs what it answered."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.support.harness import free_port, sandbox_world
from tests.support.issuers import Province, province
from tests.support.processes import register_and_issue, serving
from xietong.cli import app
from xietong.kernel.db import create_sync_engine
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.kernel.store import AuditEvent
from xietong.sandbox.reference import KAIFENG, REFERENCE_DATE, ZHENGZHOU

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation")]

GATEWAY = Path(__file__).with_name("gateway")
PROVINCIAL_QUERY = """query Province {
  kaifeng { institutions(first: 500) { totalCount edges { node { creditCode region } } } }
  zhengzhou { institutions(first: 500) { totalCount edges { node { creditCode region } } } }
}"""


@dataclass(frozen=True)
class CityHub:
    name: str
    url: str
    database_url: str
    tokens: dict[str, str]

    def events(self) -> list[AuditEvent]:
        engine = create_sync_engine(self.database_url)
        try:
            with Session(engine) as session:
                return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        finally:
            engine.dispose()


@dataclass(frozen=True)
class Province_:
    gateway: str
    kaifeng: CityHub
    zhengzhou: CityHub
    issuer: Province

    def ask(self, token: str, query: str, *, purpose: str | None = "provincial audit") -> Any:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if purpose:
            headers["X-Purpose"] = purpose
        response = httpx.post(self.gateway, json={"query": query}, headers=headers, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()


def _node_modules() -> Path:
    """The gateway's packages, as package-lock.json pins them (``npm ci`` if missing)."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Node.js and npm are needed in CI for the federation gateway")
        pytest.skip("Node.js and npm are not installed")
    modules = GATEWAY / "node_modules"
    if not (modules / "@apollo" / "gateway").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=GATEWAY, check=True, timeout=300
        )
    return modules


@contextmanager
def city_hub(name: str, city: str, seed: int, folder: Path, issuer: Province) -> Iterator[CityHub]:
    folder.mkdir()
    with sandbox_world(folder / "departments", 40, seed=seed, city=city) as world:
        database_url = f"sqlite:///{folder / 'hub.db'}"
        upgrade(database_url)
        env = {
            "XIETONG_DATABASE_URL": database_url,
            "XIETONG_SOURCES": str(world.sources_file),
            "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
            "XIETONG_RATE_LIMIT": "1000/second",
            "XIETONG_ISSUER": f"https://hub.{name}.example.gov.cn",
            "XIETONG_FEDERATION_NAME": name,
            "XIETONG_TRUSTED_ISSUERS": str(issuer.issuers_file),
            "XIETONG_CHECKPOINT_SECONDS": "0",
        }
        tokens = register_and_issue(Settings.from_env(env, data_dir=folder))
        with serving(env, folder, workers=1) as served:
            yield CityHub(name, f"{served.url}/graphql", database_url, tokens)


@contextmanager
def gateway(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            ["node", "gateway.mjs"],
            cwd=GATEWAY,
            env={**os.environ, **env, "PORT": str(port)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "gateway ready" not in log.read_text(encoding="utf-8"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the gateway did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def henan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province_]:
    _node_modules()
    folder = tmp_path_factory.mktemp("province")
    issuer = province(folder)
    with ExitStack() as stack:
        kaifeng = stack.enter_context(city_hub("kaifeng", KAIFENG, 1, folder / "kf", issuer))
        zhengzhou = stack.enter_context(city_hub("zhengzhou", ZHENGZHOU, 2, folder / "zz", issuer))
        env = {
            "SUBGRAPHS": f"kaifeng={kaifeng.url},zhengzhou={zhengzhou.url}",
            "SCHEMA_TOKEN": issuer.token(),
        }
        url = stack.enter_context(gateway(env, folder / "gateway.log"))
        yield Province_(url, kaifeng, zhengzhou, issuer)


def regions_of(answer: Any, city: str) -> set[str]:
    edges = answer["data"][city]["institutions"]["edges"]
    return {edge["node"]["region"][:4] for edge in edges}


def test_a_provincial_auditor_lists_the_institutions_of_both_cities(henan: Province_) -> None:
    kaifeng_before = len(henan.kaifeng.events())
    zhengzhou_before = len(henan.zhengzhou.events())

    answer = henan.ask(henan.issuer.token(), PROVINCIAL_QUERY)

    assert "errors" not in answer, answer["errors"]
    assert regions_of(answer, "kaifeng") == {"4102", "4101"}  # Kaifeng's sandbox holds a few
    assert regions_of(answer, "zhengzhou") == {"4101"}
    assert answer["data"]["zhengzhou"]["institutions"]["totalCount"] == 40
    # Each hub logged the part it answered, as the provincial auditor, with the purpose.
    for hub, before in ((henan.kaifeng, kaifeng_before), (henan.zhengzhou, zhengzhou_before)):
        (event,) = hub.events()[before:]
        assert event.client_id == "henan/prov-audit"
        assert event.purpose == "provincial audit"
        assert event.region == "410000"
        assert event.outcome == "OK"
        assert "CityHub.institutions" in event.fields_read
        returned = {key for key in event.record_keys if key.startswith("returned:")}
        city = answer["data"][hub.name]["institutions"]["edges"]
        assert returned == {f"returned:{edge['node']['creditCode']}" for edge in city}


def test_a_purpose_in_the_request_body_reaches_each_hub(henan: Province_) -> None:
    kaifeng_before = len(henan.kaifeng.events())
    body = {
        "query": PROVINCIAL_QUERY,
        "extensions": {"purpose": "省级专项审计：预收费监管", "caseId": "豫审〔2026〕7号"},
    }
    headers = {"Authorization": f"Bearer {henan.issuer.token()}"}

    answer = httpx.post(henan.gateway, json=body, headers=headers, timeout=60).json()

    assert "errors" not in answer, answer["errors"]
    (event,) = henan.kaifeng.events()[kaifeng_before:]
    assert (event.purpose, event.case_id) == ("省级专项审计：预收费监管", "豫审〔2026〕7号")


def test_the_auditors_purpose_is_required_by_each_hub(henan: Province_) -> None:
    answer = henan.ask(henan.issuer.token(), PROVINCIAL_QUERY, purpose=None)

    codes = {error["extensions"]["code"] for error in answer["errors"]}
    assert codes == {"PURPOSE_REQUIRED"}


def test_a_kaifeng_client_reaches_only_kaifeng(henan: Province_) -> None:
    zhengzhou_before = len(henan.zhengzhou.events())
    token = henan.kaifeng.tokens["demo-education"]

    answer = henan.ask(token, PROVINCIAL_QUERY)

    assert regions_of(answer, "kaifeng") == {"4102"}  # its own city only, within its region
    assert answer["data"]["zhengzhou"] is None
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    refusal = error["extensions"]["response"]
    assert (refusal["url"], refusal["status"]) == (henan.zhengzhou.url, 401)
    assert "does not trust" in refusal["body"]["errors"][0]["message"]
    assert "stacktrace" not in error["extensions"]
    # Zhengzhou refused the token and logged the refusal: no data of it left the hub.
    (event,) = henan.zhengzhou.events()[zhengzhou_before:]
    assert event.outcome == "UNAUTHENTICATED"
    assert event.record_keys == []


def test_a_provincial_token_outside_the_issuers_regions_is_refused_by_both(
    henan: Province_,
) -> None:
    answer = henan.ask(henan.issuer.token(adcode="420000"), PROVINCIAL_QUERY)

    assert answer["data"] is None or set(answer["data"].values()) == {None}
    assert len(answer["errors"]) == 2


def test_the_composition_script_writes_the_supergraph_of_the_hubs(
    henan: Province_, tmp_path: Path
) -> None:
    arguments = []
    for hub in (henan.kaifeng, henan.zhengzhou):
        sdl = tmp_path / f"{hub.name}.graphql"
        response = httpx.post(
            hub.url,
            json={"query": "{ _service { sdl } }"},
            headers={"Authorization": f"Bearer {henan.issuer.token()}"},
        )
        sdl.write_text(response.json()["data"]["_service"]["sdl"], encoding="utf-8")
        arguments.append(f"{hub.name}={hub.url}={sdl}")

    composed = subprocess.run(
        ["node", "compose.mjs", *arguments],
        cwd=GATEWAY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert composed.returncode == 0, composed.stderr
    supergraph = composed.stdout
    assert f'KAIFENG @join__graph(name: "kaifeng", url: "{henan.kaifeng.url}")' in supergraph
    assert "kaifeng: CityHub @join__field(graph: KAIFENG)" in supergraph
    assert "zhengzhou: CityHub @join__field(graph: ZHENGZHOU)" in supergraph
    # `xietong supergraph` composes the SDL this release publishes: the same supergraph.
    out = tmp_path / "supergraph.graphql"
    hubs = [f"{hub.name}={hub.url}" for hub in (henan.kaifeng, henan.zhengzhou)]
    result = CliRunner().invoke(app, ["supergraph", *hubs, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == supergraph
    # A gateway serving that file routes each city's part to its hub.
    with gateway({"SUPERGRAPH": str(out)}, tmp_path / "gateway.log") as url:
        fixed = Province_(url, henan.kaifeng, henan.zhengzhou, henan.issuer)
        answer = fixed.ask(henan.issuer.token(), PROVINCIAL_QUERY)
    assert "errors" not in answer, answer["errors"]
    assert regions_of(answer, "zhengzhou") == {"4101"}
