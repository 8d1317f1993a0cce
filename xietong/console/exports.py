"""Every list the console shows exports as CSV (UTF-8 with BOM, so Excel opens the
Chinese right) and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from starlette.responses import Response

BOM = "\ufeff"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _formula_safe(value: str) -> str:
    """A cell that Excel would run as a formula (=, +, -, @) is kept as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_formula_safe("" if cell is None else str(cell)) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append([_formula_safe("" if cell is None else str(cell)) for cell in row])
    for index, column in enumerate(sheet.iter_cols(values_only=True), 1):
        width = max(len(str(value or "")) for value in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(60, 4 + width * 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(
    name: str, kind: str, title: str, header: Sequence[str], rows: Sequence[Sequence[object]]
) -> Response:
    """``kind`` csv or xlsx; ``name`` the file's name without extension (Chinese allowed)."""
    if kind == "xlsx":
        body, media = xlsx_bytes(title, header, rows), XLSX
    else:
        body, media, kind = csv_bytes(header, rows), "text/csv; charset=utf-8", "csv"
    filename = f"{name}.{kind}"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"export.{kind}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "Cache-Control": "no-store",
        },
    )
