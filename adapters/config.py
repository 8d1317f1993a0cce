"""The sources file: which systems feed each department (DESIGN §5).

```toml
[[sources]]
name = "education-platform"       # unique; named in errors and in `sources`
department = "EDUCATION"
kind = "sql"                      # sql: a SQLAlchemy URL; http: a base URL
url = "sqlite:///.xietong/sandbox/education.db"
format = "education"              # which native shape the adapter maps from
timeout = 2.0                     # seconds per call
cache_ttl = 5.0                   # seconds a record may be served from cache
health_path = "/healthz"          # http only: what /readyz asks
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from xietong.domain.departments import Department
from xietong.kernel.errors import ConfigError


class SourceKind(StrEnum):
    SQL = "sql"
    HTTP = "http"


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    department: Department
    kind: SourceKind
    url: str
    format: str
    timeout: float = 2.0
    cache_ttl: float = 5.0
    health_path: str = "/healthz"


_KNOWN_KEYS = {"name", "department", "kind", "url", "format", "timeout", "cache_ttl", "health_path"}


def load_sources(path: Path) -> list[SourceConfig]:
    """Read and check the sources file; any mistake is one ConfigError naming the file."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"sources file {path} does not exist (set XIETONG_SOURCES, or run `xietong demo`)"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"sources file {path} is not valid TOML: {error}") from None
    entries = document.get("sources", [])
    if not isinstance(entries, list):
        raise ConfigError(f"sources file {path}: `sources` must be an array of tables")
    sources = [_parse_entry(path, index, entry) for index, entry in enumerate(entries, start=1)]
    names = [source.name for source in sources]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(f"sources file {path}: duplicate source names {duplicates}")
    return sources


def _parse_entry(path: Path, index: int, entry: Any) -> SourceConfig:
    where = f"sources file {path}, source #{index}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(entry) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}")
    missing = sorted({"name", "department", "kind", "url", "format"} - set(entry))
    if missing:
        raise ConfigError(f"{where}: missing keys {missing}")
    try:
        department = Department(entry["department"])
    except ValueError:
        raise ConfigError(
            f"{where}: unknown department {entry['department']!r} (one of {', '.join(Department)})"
        ) from None
    try:
        kind = SourceKind(entry["kind"])
    except ValueError:
        raise ConfigError(f"{where}: kind must be 'sql' or 'http', not {entry['kind']!r}") from None
    for key in ("timeout", "cache_ttl"):
        value = entry.get(key, 1.0)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{where}: {key} must be a non-negative number of seconds")
    for key in ("name", "url", "format", "health_path"):
        if key in entry and not (isinstance(entry[key], str) and entry[key]):
            raise ConfigError(f"{where}: {key} must be a non-empty string")
    return SourceConfig(
        name=entry["name"],
        department=department,
        kind=kind,
        url=entry["url"],
        format=entry["format"],
        timeout=float(entry.get("timeout", 2.0)),
        cache_ttl=float(entry.get("cache_ttl", 5.0)),
        health_path=entry.get("health_path", "/healthz"),
    )
