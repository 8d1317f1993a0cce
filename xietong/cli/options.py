"""What every ``xietong`` command shares: the data directory option, and how a
command module turns it into settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

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
