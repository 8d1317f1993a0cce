"""A hub served over real HTTP on a free local port, for clients that are not
Python: a browser, the graphql-http audit run by Node."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.harness import SandboxWorld
from tests.support.processes import register_and_issue
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.sandbox.reference import REFERENCE_DATE
from xietong.sandbox.serve import serve_in_thread
from xietong.web.app import create_app


@dataclass(frozen=True, slots=True)
class ServedHub:
    url: str
    tokens: Mapping[str, str]
    """An access token for each demo client."""
    settings: Settings


@contextmanager
def served_hub(
    world: SandboxWorld, folder: Path, env: Mapping[str, str] | None = None
) -> Iterator[ServedHub]:
    """The whole hub (its own store on SQLite, the sandbox departments) on a free
    port of 127.0.0.1, served by uvicorn in a thread of this process."""
    database_url = f"sqlite:///{folder / 'hub.db'}"
    upgrade(database_url)
    settings = Settings.from_env(
        {
            "XIETONG_DATABASE_URL": database_url,
            "XIETONG_SOURCES": str(world.sources_file),
            "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
            "XIETONG_RATE_LIMIT": "1000/second",
            **(env or {}),
        },
        data_dir=folder,
    )
    tokens = register_and_issue(settings)
    with serve_in_thread(create_app(settings)) as url:
        yield ServedHub(url, tokens, settings)
