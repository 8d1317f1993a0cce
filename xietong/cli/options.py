"""What every ``xietong`` command shares: the data directory option, how a command
module turns it into settings, and the check that the hub database is migrated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from xietong.kernel.errors import ConfigError
from xietong.kernel.migrate import current_revision, head_revision
from xietong.kernel.settings import Settings

SettingsFor = Callable[[Path], Settings]
"""``--data-dir`` → settings; the CLI passes ``Settings.from_env`` bound to it."""

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        envvar="XIETONG_DATA_DIR",
        help="Folder for the hub database, the sources file and the sandbox.",
    ),
]


def require_migrated(settings: Settings) -> None:
    """ConfigError, saying to run ``xietong migrate``, unless the hub database is at
    the newest revision: a command must not write to a schema it does not know."""
    head = head_revision()
    current = current_revision(settings.database_url)
    if current != head:
        raise ConfigError(
            f"the hub database is at revision {current or 'none'}, not {head}: "
            "run `xietong migrate` first"
        )
