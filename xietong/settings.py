"""Settings read from the environment, with safe defaults.

Every command uses the same data directory (``./.xietong`` unless ``--data-dir``
or ``XIETONG_DATA_DIR`` says otherwise), so ``demo``, ``serve`` and ``audit verify``
work together in one folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from xietong.errors import ConfigError

DEFAULT_DATA_DIR = Path(".xietong")
SHIPPED_POLICY = Path(__file__).resolve().parent.parent / "auth" / "policy.toml"


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    sources_file: Path
    policy_file: Path
    redis_url: str | None
    issuer: str
    audience: str
    token_ttl_seconds: int
    demo: bool
    reference_date: date | None = None
    """``XIETONG_REFERENCE_DATE`` (YYYY-MM-DD): judge "overdue"/"expired" as of this
    day instead of today; the demo sets it to the sandbox's reference date."""

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, data_dir: Path | None = None
    ) -> Settings:
        """Read ``XIETONG_*`` variables; ``data_dir`` (the ``--data-dir`` option) wins."""
        env = os.environ if env is None else env
        root = data_dir or Path(env.get("XIETONG_DATA_DIR", str(DEFAULT_DATA_DIR)))
        return cls(
            data_dir=root,
            database_url=env.get("XIETONG_DATABASE_URL") or f"sqlite:///{root / 'hub.db'}",
            sources_file=Path(env.get("XIETONG_SOURCES") or root / "sources.toml"),
            policy_file=Path(env.get("XIETONG_POLICY") or SHIPPED_POLICY),
            redis_url=env.get("XIETONG_REDIS_URL") or None,
            issuer=env.get("XIETONG_ISSUER", "http://127.0.0.1:8000"),
            audience=env.get("XIETONG_AUDIENCE", "xietong"),
            token_ttl_seconds=_positive_int(env, "XIETONG_TOKEN_TTL", 900),
            demo=env.get("XIETONG_DEMO", "").lower() in {"1", "true", "yes"},
            reference_date=_date(env, "XIETONG_REFERENCE_DATE"),
        )

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _date(env: Mapping[str, str], name: str) -> date | None:
    raw = env.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a date (YYYY-MM-DD)") from None


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number of seconds") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be positive")
    return value
