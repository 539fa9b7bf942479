"""Reading an uploaded CSV or Excel sheet into rows and checking every row before any is stored.

Pure code (bytes in, rows or row errors out). Row numbers are those a clerk sees in the sheet:
the header is row 1, the first data row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from openpyxl import load_workbook
from pydantic import BaseModel, ValidationError

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

Cell = str | int | float | datetime | date | time | None


class SheetUnreadable(ValueError):
    """The upload is not a sheet this service reads: type, encoding, size or header."""

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_problem_error(self) -> dict[str, Any]:
        return {
            "loc": ["file", self.row, self.column],
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "params": {"row": self.row, "column": self.column} | self.params,
            "message": self.message,
        }


@dataclass(frozen=True)
class SheetRow:
    number: int
    cells: dict[str, Cell]


def read_sheet(filename: str, content: bytes, *, required: Sequence[str], known: Sequence[str]) -> list[SheetRow]:
    """Rows of a .csv (UTF-8, with or without BOM) or .xlsx (first worksheet) upload."""
    if len(content) > MAX_BYTES:
        raise SheetUnreadable(f"the file is larger than {MAX_BYTES // 2**20} MB", "too_large", mb=MAX_BYTES // 2**20)
    name = filename.lower()
    if name.endswith(".csv"):
        header, body = _csv_rows(content)
    elif name.endswith(".xlsx"):
        header, body = _xlsx_rows(content)
    else:
        raise SheetUnreadable("upload a .csv (UTF-8) or .xlsx file", "file_type")
    columns = [str(h).strip().lower() if h is not None else "" for h in header]
    missing = [c for c in required if c not in columns]
    if missing:
        raise SheetUnreadable(
            f"the header row lacks the columns: {', '.join(missing)}", "missing_columns", columns=", ".join(missing)
        )
    unknown = [c for c in columns if c and c not in known]
    if unknown:
        raise SheetUnreadable(
            f"unknown columns in the header row: {', '.join(unknown)}", "unknown_columns", columns=", ".join(unknown)
        )
    rows = []
    for number, values in enumerate(body, start=2):
        cells = {col: _clean(v) for col, v in zip(columns, values, strict=False) if col}
        if all(v is None for v in cells.values()):
            continue  # blank lines are not rows
        rows.append(SheetRow(number, cells))
    if len(rows) > MAX_ROWS:
        raise SheetUnreadable(f"at most {MAX_ROWS} rows per upload", "too_many_rows", rows=MAX_ROWS)
    if not rows:
        raise SheetUnreadable("the sheet has no rows under its header", "empty")
    return rows


def _csv_rows(content: bytes) -> tuple[list[Cell], Iterable[list[Cell]]]:
    try:
        text = content.decode("utf-8-sig")  # Excel writes a BOM in front of UTF-8 CSV
    except UnicodeDecodeError as exc:
        raise SheetUnreadable("the CSV is not UTF-8 (save it as 'CSV UTF-8')", "not_utf8") from exc
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise SheetUnreadable("the file is empty", "empty")
    return list(lines[0]), [list(r) for r in lines[1:]]


def _xlsx_rows(content: bytes) -> tuple[list[Cell], Iterable[list[Cell]]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise SheetUnreadable("the file is not a readable .xlsx workbook", "not_xlsx") from exc
    values = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    if not values:
        raise SheetUnreadable("the first worksheet is empty", "empty")
    return values[0], values[1:]


def _clean(value: Any) -> Cell:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)  # Excel stores 4710001 as 4710001.0
    return value  # type: ignore[no-any-return]


def as_text(value: Cell) -> str | None:
    """A cell meant as text (barcodes and codes arrive as numbers from Excel)."""
    if value is None:
        return None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def as_int(value: Cell) -> Cell:
    """A cell meant as a whole number: '12' and 12.0 are 12; anything else is left for the schema to refuse."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    return value


def as_list(value: Cell) -> list[str] | None:
    """A cell of several codes separated by ';' or '|' (several barcodes of one product)."""
    text = as_text(value)
    if text is None:
        return None
    return [part.strip() for part in text.replace("|", ";").split(";") if part.strip()]


def as_day(value: Cell) -> Cell:
    """A date cell: Excel gives a datetime, CSV text (YYYY-MM-DD)."""
    return value.date() if isinstance(value, datetime) else value


def check_rows(
    rows: Sequence[SheetRow], model: type[BaseModel], fields: Mapping[str, str]
) -> tuple[list[tuple[SheetRow, Any]], list[RowError]]:
    """Every row through the schema (none stops at the first error), so one answer lists every
    fix. ``fields`` maps a column to its kind: text, int, day or list."""
    convert: dict[str, Callable[[Cell], Any]] = {"text": as_text, "int": as_int, "day": as_day, "list": as_list}
    good: list[tuple[SheetRow, Any]] = []
    errors: list[RowError] = []
    for row in rows:
        values = {col: convert[kind](row.cells.get(col)) for col, kind in fields.items()}
        try:
            good.append((row, model.model_validate({k: v for k, v in values.items() if v is not None})))
        except ValidationError as exc:
            seen: set[str] = set()
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else ""
                if column in seen:
                    continue
                seen.add(column)
                ctx = {
                    k: (", ".join(map(str, v)) if isinstance(v, list | tuple) else v)
                    for k, v in err.get("ctx", {}).items()
                }
                errors.append(
                    RowError(
                        row.number,
                        column,
                        str(err["msg"]).removeprefix("Value error, "),
                        f"wms.import.validation.{err['type']}",
                        ctx,
                    )
                )
    return good, errors


def _param(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
