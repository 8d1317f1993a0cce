"""How every ``xietong`` command speaks: errors as one red line on stderr with an
exit code, tables that keep ids whole, progress bars for long work."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

err_console = Console(stderr=True)


def fail(message: str, *, code: int = 2) -> NoReturn:
    """One red line on stderr, then exit: 2 for a bad invocation or configuration,
    1 for a check that found something wrong."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def table(columns: list[str], rows: list[list[str]], *, wrapping: set[str]) -> Table:
    """Columns not in ``wrapping`` (ids, codes, dates) are never cut or folded, so
    they stay whole and greppable on a narrow terminal; the others wrap."""
    result = Table()
    for index, column in enumerate(columns):
        whole = max((len(row[index]) for row in rows), default=0)
        if column in wrapping:
            result.add_column(column, overflow="fold")
        else:
            result.add_column(column, no_wrap=True, min_width=max(whole, len(column)))
    for row in rows:
        result.add_row(*row)
    return result


def progress(label: str) -> Progress:
    """A bar on stderr, so that stdout stays the command's output (an export)."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    )
