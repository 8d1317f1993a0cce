"""The sources file that points the hub at the sandbox (format: ``adapters.config``).

>>> write_sources_file(Path(".xietong"), "127.0.0.1", SandboxPorts())
PosixPath('.xietong/sources.toml')
"""

from __future__ import annotations

import json
from pathlib import Path

from xietong.sandbox.layout import BANK_HTTP, BANK_SQL, sandbox_files
from xietong.sandbox.serve import SandboxPorts

_SQL_TIMEOUT = 2.0
_HTTP_TIMEOUT = 2.0
_CACHE_TTL = 5.0


def sources_toml(
    data_dir: Path,
    host: str = "127.0.0.1",
    ports: SandboxPorts | None = None,
    *,
    cache_ttl: float = _CACHE_TTL,
) -> str:
    """The TOML text: two SQL sources and three HTTP services, plus the second bank."""
    ports = ports or SandboxPorts()
    files = sandbox_files(data_dir)
    entries: list[dict[str, str | float]] = [
        _sql("education-platform", "EDUCATION", files.education, "education"),
        _http("market-registry", "MARKET_SUPERVISION", host, ports.market, "market",
              "/api/v1/health"),
        _http("police-check", "PUBLIC_SECURITY", host, ports.police, "police", "/health"),
        _sql("fire-records", "FIRE_SAFETY", files.fire, "fire"),
        _sql(f"bank-{BANK_SQL}", "FINANCE", files.bank_sql, f"bank-{BANK_SQL}"),
        _http(f"bank-{BANK_HTTP}", "FINANCE", host, ports.bank, f"bank-{BANK_HTTP}",
              "/openapi/health"),
    ]  # fmt: skip
    for entry in entries:
        entry["cache_ttl"] = cache_ttl
    header = (
        "# Sources of the Xietong demo: the sandbox department systems.\n"
        "# Written by `xietong demo`; see adapters/config.py for the format.\n"
    )
    return header + "".join(_table(entry) for entry in entries)


def write_sources_file(
    data_dir: Path,
    host: str = "127.0.0.1",
    ports: SandboxPorts | None = None,
    *,
    cache_ttl: float = _CACHE_TTL,
) -> Path:
    """Write ``<data_dir>/sources.toml`` and return its path."""
    path = Path(data_dir) / "sources.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sources_toml(data_dir, host, ports, cache_ttl=cache_ttl), encoding="utf-8")
    return path


def _sql(name: str, department: str, path: Path, shape: str) -> dict[str, str | float]:
    # Absolute, so the hub finds the file whatever its working directory.
    return {
        "name": name,
        "department": department,
        "kind": "sql",
        "url": f"sqlite:///{Path(path).resolve()}",
        "format": shape,
        "timeout": _SQL_TIMEOUT,
    }


def _http(
    name: str, department: str, host: str, port: int, shape: str, health: str
) -> dict[str, str | float]:
    return {
        "name": name,
        "department": department,
        "kind": "http",
        "url": f"http://{host}:{port}",
        "format": shape,
        "timeout": _HTTP_TIMEOUT,
        "health_path": health,
    }


def _table(entry: dict[str, str | float]) -> str:
    # JSON string literals are valid TOML basic strings (same escapes).
    lines = "".join(
        f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in entry.items()
    )
    return f"\n[[sources]]\n{lines}"
