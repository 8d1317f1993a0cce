"""An outage plus a crash does not take the hub down: with its PostgreSQL stopped
and a worker killed, ``xietong serve`` keeps its parent and its other worker, the
replacement waits for the store, and when PostgreSQL is back both workers answer.
It also starts without Redis. Real processes, real signals, a PostgreSQL of the
test's own (so that stopping it disturbs no one)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.harness import SandboxWorld
from tests.support.processes import Serving, kill, private_postgres, register_and_issue, serving
from xietong.audit.verify import verify_chain
from xietong.kernel.db import create_sync_engine
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.sandbox.reference import REFERENCE_DATE

# Several processes (serve workers, signals): left out of `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

ME = {"query": "{ me { clientId } }"}
NO_REDIS = "redis://127.0.0.1:9/0"
"""Nothing listens on the discard port."""


def ask_me(serving_: Serving, token: str) -> httpx.Response:
    # A fresh connection each time, so the kernel may hand it to either worker.
    return httpx.post(
        f"{serving_.url}/graphql",
        json=ME,
        headers={"Authorization": f"Bearer {token}", "X-Purpose": "outage test"},
        timeout=30,
    )


def answering_workers(serving_: Serving, since: float) -> set[int]:
    """The processes whose access log shows a 200 for /graphql after ``since``."""
    found = set()
    for line in serving_.log.read_text(encoding="utf-8").splitlines():
        entry: dict[str, Any] = json.loads(line)
        if (
            entry.get("logger") == "uvicorn.access"
            and "/graphql" in entry["message"]
            and " 200" in entry["message"]
            and _epoch(entry["time"]) >= since
        ):
            found.add(int(entry["process"]))
    return found


def retried(serving_: Serving, workers: set[int]) -> bool:
    """Whether one of ``workers`` logged that it tries the store again."""
    for line in serving_.log.read_text(encoding="utf-8").splitlines():
        entry: dict[str, Any] = json.loads(line)
        if entry.get("process") in workers and "tries again" in entry["message"]:
            return True
    return False


def _epoch(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def test_a_stopped_postgresql_and_a_killed_worker_do_not_stop_the_hub(
    world: SandboxWorld, tmp_path: Path
) -> None:
    with private_postgres() as postgres:
        env = {
            "XIETONG_DATABASE_URL": postgres.url,
            "XIETONG_SOURCES": str(world.sources_file),
            "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
            "XIETONG_REDIS_URL": NO_REDIS,
            "XIETONG_RATE_LIMIT": "10000/minute",
        }
        upgrade(postgres.url)
        tokens = register_and_issue(Settings.from_env(env, data_dir=tmp_path))
        token = tokens["demo-education"]

        with serving(env, tmp_path) as hub:
            before = hub.wait_for_workers(2)
            assert ask_me(hub, token).status_code == 200
            assert "each worker counts its own rate limits" in hub.log.read_text(encoding="utf-8")

            postgres.stop()
            victim, survivor = sorted(before)
            kill(victim)
            replacement = hub.wait_for_workers(2, without={victim}) - {survivor}
            # The replacement has tried the store, and tried again (its start-up can
            # take seconds on a loaded machine: wait for what it says, not for a time).
            deadline = time.monotonic() + 90
            while not retried(hub, replacement) and time.monotonic() < deadline:
                time.sleep(0.5)

            assert hub.process.poll() is None, "the parent is still serving"
            assert hub.workers() == {survivor, *replacement}, "no worker exited meanwhile"
            assert httpx.get(f"{hub.url}/healthz", timeout=10).status_code == 200
            assert httpx.get(f"{hub.url}/readyz", timeout=30).status_code == 503

            postgres.start()
            back = time.time()
            deadline = time.monotonic() + 90
            while answering_workers(hub, back) != hub.workers() and time.monotonic() < deadline:
                ask_me(hub, token)

            assert answering_workers(hub, back) == {survivor, *replacement}, "both workers answer"
            ready = httpx.get(f"{hub.url}/readyz", timeout=30).json()
            assert ready["database"] == "ok"
            # Redis is configured and down: that, and only that, keeps the hub unready.
            assert [failure["name"] for failure in ready["failing"]] == ["rate-limit-store"]
            assert retried(hub, replacement), "the wait was logged"

        engine = create_sync_engine(postgres.url)
        try:
            assert verify_chain(engine).intact, "the access log goes on from where it was"
        finally:
            engine.dispose()
