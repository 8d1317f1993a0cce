"""The configuration file (``--config FILE`` or ``XIETONG_CONFIG``): the same
settings as the ``XIETONG_*`` environment variables, in TOML, one key per variable
(its name without ``XIETONG_``, in lower case). A variable that is set wins over
the file, so a deployment can keep one file and override a value per host.

    # /etc/xietong/xietong.toml
    database_url = "postgresql://xietong@db.internal:5432/xietong"
    sources = "sources.toml"            # relative to this file
    policy = "policy.toml"
    redis_url = "redis://redis.internal:6379/0"
    issuer = "https://xietong.example.gov.cn"
    log_level = "INFO"
    required_sources = ["education-platform"]
    rate_limit = "20/second;600/minute"
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from xietong.kernel.errors import ConfigError

KEYS = frozenset(
    """database_url sources policy redis_url issuer audience token_ttl demo
    reference_date max_depth max_aliases max_tokens max_cost rate_limit
    rate_limit_prefix token_rate_limit plan_ttl checkpoint_every checkpoint_seconds
    required_sources log_level otlp_endpoint metrics_port metrics_host
    reload_seconds""".split()
)
PATHS = frozenset({"sources", "policy"})
"""Keys naming a file: a relative path is relative to the configuration file."""


def variables_of(path: Path) -> dict[str, str]:
    """The file's settings as the environment variables they stand for."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"configuration file {path}: {error}") from None
    unknown = sorted(set(document) - KEYS)
    if unknown:
        raise ConfigError(
            f"configuration file {path}: unknown key {', '.join(unknown)} "
            f"(known: {', '.join(sorted(KEYS))})"
        )
    return {f"XIETONG_{key.upper()}": _text(path, key, value) for key, value in document.items()}


def _text(path: Path, key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        text = str(value)
        if key in PATHS and text:
            return str((path.parent / text).resolve())
        return text
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ",".join(value)
    raise ConfigError(f"configuration file {path}: {key} = {value!r} is not a plain value")
