"""Where the sandbox keeps its files: ``<data_dir>/sandbox/<name>.db``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

SANDBOX_FOLDER: Final = "sandbox"
BANK_SQL: Final = "jinming"
"""金明银行: the supervising bank whose custody system is read straight from SQL."""
BANK_HTTP: Final = "songdu"
"""宋都银行: the supervising bank that exposes an HTTP JSON API."""


@dataclass(frozen=True, slots=True)
class SandboxFiles:
    """The six demo databases of one data directory."""

    folder: Path

    @property
    def education(self) -> Path:
        return self.folder / "education.db"

    @property
    def market(self) -> Path:
        return self.folder / "market.db"

    @property
    def police(self) -> Path:
        return self.folder / "police.db"

    @property
    def fire(self) -> Path:
        return self.folder / "fire.db"

    @property
    def bank_sql(self) -> Path:
        return self.folder / f"bank_{BANK_SQL}.db"

    @property
    def bank_http(self) -> Path:
        return self.folder / f"bank_{BANK_HTTP}.db"

    @property
    def marker(self) -> Path:
        """Written last by the seeder; its presence means the files are complete."""
        return self.folder / "seed.json"

    def databases(self) -> dict[str, Path]:
        """Database key (as used by the seeder) → file."""
        return {
            "education": self.education,
            "market": self.market,
            "police": self.police,
            "fire": self.fire,
            "bank_sql": self.bank_sql,
            "bank_http": self.bank_http,
        }


def sandbox_files(data_dir: Path) -> SandboxFiles:
    return SandboxFiles(Path(data_dir) / SANDBOX_FOLDER)
