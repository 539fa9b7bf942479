"""Files people download: spreadsheet cells that cannot run as formulas, and names in any script.

Every CSV or Excel export of every service goes through :func:`csv_text` / :func:`xlsx_bytes`
(or at least :func:`safe_cell`), and every download is named with :func:`attachment`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from urllib.parse import quote

# OWASP "CSV injection": a cell starting with one of these is read as a formula by Excel,
# LibreOffice and Google Sheets, so a stored order note could run a command on the merchant's PC.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

Cell = str | int | float | bool | date | datetime | None


def safe_cell(value: object) -> object:
    """The value as a spreadsheet should store it: text that would start a formula gets a leading '.

    Numbers stay numbers (also a number written as text, such as "-5"), so exports keep their
    meaning; anything else that starts with = + - @ or a control character is quoted.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value.strip()):
        return "'" + value
    return value


def safe_row(row: Iterable[object]) -> list[object]:
    """One row of cells through :func:`safe_cell`."""
    return [safe_cell(v) for v in row]


def csv_text(header: Sequence[str], rows: Iterable[Iterable[object]], *, bom: bool = True) -> str:
    """A CSV document (UTF-8 BOM by default, so Excel opens Chinese text right) with safe cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return ("\ufeff" if bom else "") + buffer.getvalue()


def xlsx_bytes(header: Sequence[str], rows: Iterable[Iterable[object]], *, sheet: str = "Sheet1") -> bytes:
    """An Excel workbook of one sheet with safe cells (text that looks like a formula stays text)."""
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append(_xml_row(header))
    for row in rows:
        ws.append(_xml_row(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Control characters XML 1.0 cannot hold (openpyxl refuses them): shown as U+FFFD, not a 500.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_row(row: Iterable[object]) -> list[object]:
    return [_NOT_XML.sub("\ufffd", v) if isinstance(v, str) else v for v in safe_row(row)]


def attachment(filename: str) -> dict[str, str]:
    """A Content-Disposition header naming a download, per RFC 6266 with RFC 5987 ``filename*``.

    HTTP headers are Latin-1; a name such as ``sales-店1.csv`` goes in ``filename*`` as UTF-8
    and an ASCII stand-in in ``filename`` for old clients.
    """
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%' else "_" for c in filename) or "download"
    value = f'attachment; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return {"Content-Disposition": value}
