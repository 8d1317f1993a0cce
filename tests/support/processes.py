"""Real processes for the tests that kill them: ``xietong serve`` with its workers,
and a PostgreSQL of a test's own that it can stop and start again."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.harness import free_port, prepare, wait_until_serving
from xietong.auth.demo import DEMO_CLIENTS
from xietong.hub.services import Hub
from xietong.kernel.settings import Settings

REPOSITORY = Path(__file__).resolve().parents[2]
POSTGRES_BIN = Path(os.environ.get("XIETONG_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class Serving:
    """``xietong serve`` running as a parent process and its uvicorn workers."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> set[int]:
        """The parent's live worker processes (uvicorn spawns them)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = {int(pid) for pid in children.read_text().split()}
        return {pid for pid in pids if _is_worker(pid)}

    def wait_for_workers(self, count: int, *, without: Collection[int] = ()) -> set[int]:
        """Wait (60 s at most: "not stalled") until ``count`` workers, none of
        ``without``, are alive."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(encoding="utf-8")
            alive = self.workers()
            if len(alive) == count and not alive & set(without):
                return alive
            time.sleep(0.1)
        raise AssertionError(f"workers {self.workers()}, wanted {count} new ones")


def _is_worker(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        status = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # gone, or going, as we read
        return False
    zombie = status.rsplit(")", 1)[1].split()[0] == "Z"
    return not zombie and any(b"spawn_main" in part for part in command)


@contextmanager
def serving(env: Mapping[str, str], folder: Path, *, workers: int = 2) -> Iterator[Serving]:
    """``xietong serve --workers N`` with ``env``, stopped (and killed if it must be)
    when the test is done."""
    port = free_port()
    log = folder / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from xietong.cli import main; main()",
                "serve",
                "--workers",
                str(workers),
                "--port",
                str(port),
                "--data-dir",
                str(folder),
            ],
            env={**os.environ, **env, "PYTHONPATH": str(REPOSITORY)},
            cwd=folder,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process, log, workers=workers)
        yield Serving(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def register_and_issue(settings: Settings) -> dict[str, str]:
    """Register the demo clients and give each an access token."""

    async def issue() -> dict[str, str]:
        hub = await Hub.open(settings)
        try:
            await prepare(hub)
            return {
                demo.client_id: (await hub.tokens.issue_access_token(demo.client_id)).access_token
                for demo in DEMO_CLIENTS
            }
        finally:
            await hub.close()

    return asyncio.run(issue())


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder), so the
    test can stop it without touching anyone else's."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._pg_ctl(
            "start",
            "-w",
            "-l",
            str(self.folder / "postgres.log"),
            "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1",
        )

    def stop(self) -> None:
        self._pg_ctl("stop", "-w", "-m", "fast")

    def _pg_ctl(self, *arguments: str) -> None:
        _as_owner([str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.folder / "data"), *arguments])


def _as_owner(command: list[str]) -> None:
    """PostgreSQL refuses to run as root: as root, run it as ``postgres``."""
    if os.geteuid() == 0:
        command = ["su", "postgres", "-c", " ".join(_quoted(part) for part in command)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _quoted(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'"


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """Start a fresh cluster in a folder of its own; skipped where there is no initdb."""
    if not (POSTGRES_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries at {POSTGRES_BIN} (XIETONG_TEST_POSTGRES_BIN)")
    # Straight under the temporary directory: pytest's own folders are private to
    # root, and the cluster runs as ``postgres``.
    folder = Path(tempfile.mkdtemp(prefix="xietong-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    _as_owner(
        [str(POSTGRES_BIN / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres"]
    )
    cluster = PrivatePostgres(folder, free_port())
    cluster.start()
    try:
        yield cluster
    finally:
        try:
            cluster.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(folder, ignore_errors=True)
