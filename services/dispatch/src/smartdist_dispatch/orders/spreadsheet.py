"""Reading an uploaded CSV or Excel sheet into rows, and validating every row before any is stored.

Pure code (bytes in, models or row errors out) so the all-or-nothing rule is tested without HTTP.
Row numbers are the ones a merchant sees in the sheet: the header is row 1, the first order row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from pydantic import BaseModel, ValidationError

from smartdist.problems import Unprocessable
from smartdist_dispatch.messages import MESSAGES

ENGLISH = MESSAGES["en"]

# Times written without an offset are the merchant's local time (SPEC: Taiwan).
LOCAL_ZONE = ZoneInfo("Asia/Taipei")
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

Cell = str | int | float | datetime | date | time | None
M = TypeVar("M", bound=BaseModel)


class SheetUnreadable(ValueError):
    """The upload is not a sheet this service reads (type, encoding, size or header).

    ``code``: catalog key ``problem.dispatch.sheet.<…>`` / ``error.…`` of the merchant's words.
    """

    def __init__(self, message: str, code: str = "dispatch.sheet.unreadable", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    code: str | None = None  # catalog key error.<code>: the message in the request's language
    params: dict[str, Any] | None = None

    def as_problem_error(self) -> dict[str, Any]:
        out = {"loc": ["file", self.row, self.column], "row": self.row, "column": self.column, "message": self.message}
        if self.code is not None:
            out["code"] = self.code
            out["params"] = {"row": self.row, "column": self.column} | (self.params or {})
        return out


@dataclass(frozen=True)
class SheetRow:
    number: int
    cells: dict[str, Cell]


def read_sheet(filename: str, content: bytes, *, required: Sequence[str], known: Sequence[str]) -> list[SheetRow]:
    """Rows of a .csv (UTF-8, with or without BOM) or .xlsx (first worksheet) upload."""
    if len(content) > MAX_BYTES:
        mb = MAX_BYTES // (1024 * 1024)
        raise SheetUnreadable(f"the file is larger than {mb} MB", "dispatch.sheet.too_large", mb=mb)
    name = filename.lower()
    if name.endswith(".csv"):
        header, body = _csv_rows(content)
    elif name.endswith(".xlsx"):
        header, body = _xlsx_rows(content)
    else:
        raise SheetUnreadable("upload a .csv (UTF-8) or .xlsx file", "dispatch.sheet.file_type")
    columns = [str(h).strip().lower() if h is not None else "" for h in header]
    missing = [c for c in required if c not in columns]
    if missing:
        raise SheetUnreadable(
            f"the header row lacks the columns: {', '.join(missing)}",
            "dispatch.sheet.missing_columns",
            columns=", ".join(missing),
        )
    unknown = [c for c in columns if c and c not in known]
    if unknown:
        raise SheetUnreadable(
            f"unknown columns in the header row: {', '.join(unknown)}",
            "dispatch.sheet.unknown_columns",
            columns=", ".join(unknown),
        )
    rows = []
    for number, values in enumerate(body, start=2):
        cells = {col: _clean(v) for col, v in zip(columns, values, strict=False) if col}
        if all(v is None for v in cells.values()):
            continue  # blank lines at the end of a sheet are not orders
        rows.append(SheetRow(number, cells))
    if len(rows) > MAX_ROWS:
        raise SheetUnreadable(f"at most {MAX_ROWS} rows per upload", "dispatch.sheet.too_many_rows", rows=MAX_ROWS)
    return rows


def read_upload_rows(filename: str, content: bytes, *, required: Sequence[str], known: Sequence[str]) -> list[SheetRow]:
    """:func:`read_sheet` for an upload: a sheet it cannot read is a 422 naming the file."""
    try:
        return read_sheet(filename, content, required=required, known=known)
    except SheetUnreadable as exc:
        error = {"loc": ["file"], "code": exc.code, "params": exc.params, "message": str(exc)}
        raise Unprocessable(str(exc), code=exc.code, params=exc.params, errors=[error]) from None


def raise_row_errors(errors: Sequence[RowError]) -> None:
    """A 422 listing every bad cell of every bad row; nothing of the sheet is stored."""
    rows = sorted({e.row for e in errors})
    raise Unprocessable(
        f"{len(rows)} row(s) have errors; nothing was imported",
        code="dispatch.import.rows",
        params={"rows": len(rows)},
        errors=[e.as_problem_error() for e in errors],
    )


def _csv_rows(content: bytes) -> tuple[list[Cell], Iterable[list[Cell]]]:
    try:
        text = content.decode("utf-8-sig")  # Excel writes a BOM in front of UTF-8 CSV
    except UnicodeDecodeError as exc:
        raise SheetUnreadable("the CSV is not UTF-8 (save it as 'CSV UTF-8')", "dispatch.sheet.not_utf8") from exc
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise SheetUnreadable("the file is empty", "dispatch.sheet.empty")
    return list(lines[0]), [list(r) for r in lines[1:]]


def _xlsx_rows(content: bytes) -> tuple[list[Cell], Iterable[list[Cell]]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise SheetUnreadable("the file is not a readable .xlsx workbook", "dispatch.sheet.bad_xlsx") from exc
    sheet = book.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    if not values:
        raise SheetUnreadable("the first worksheet is empty", "dispatch.sheet.empty")
    return values[0], values[1:]


def _clean(value: Any) -> Cell:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)  # Excel stores 912345678 as 912345678.0
    return value  # type: ignore[no-any-return]


def text(value: Cell) -> str | None:
    """A cell meant as text (phone numbers and codes arrive as numbers from Excel)."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime | date | time) else str(value)


def instant(value: Cell) -> datetime | str | None:
    """A date-time cell; without an offset it is local time in Taiwan."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value  # left for the schema to report with its own message
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=LOCAL_ZONE)
    return value  # type: ignore[return-value]


class CellError(ValueError):
    def __init__(self, column: str, message: str, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.column = column
        self.code = code
        self.params = params


def validate_rows(
    rows: Sequence[SheetRow],
    model: type[M],
    to_fields: Callable[[Mapping[str, Cell]], dict[str, Any]],
    column_of: Callable[[tuple[int | str, ...]], str],
) -> tuple[list[tuple[int, M]], list[RowError]]:
    """Every row validated (none stops at the first error), so one reply lists all the fixes."""
    good: list[tuple[int, M]] = []
    errors: list[RowError] = []
    for row in rows:
        try:
            fields = to_fields(row.cells)
            good.append((row.number, model.model_validate(fields)))
        except CellError as exc:
            errors.append(RowError(row.number, exc.column, str(exc), exc.code, exc.params))
        except ValidationError as exc:
            seen: set[str] = set()
            for err in exc.errors():
                column = column_of(tuple(err["loc"]))
                if column in seen:
                    continue
                seen.add(column)
                code, params = _code(err)
                errors.append(RowError(row.number, column, _message(err), code, params))
    return good, errors


def _message(err: Mapping[str, Any]) -> str:
    message = str(err["msg"]).removeprefix("Value error, ")
    if message.startswith("error."):  # a validator's catalog key: its English text as the fallback
        return ENGLISH.get(message, message)
    return message


def _code(err: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A row error's catalog code: a validator's own key, else Pydantic's error type (``validation.<type>``)."""
    said = str(err["msg"]).removeprefix("Value error, ")
    if said.startswith("error."):
        return said.removeprefix("error."), {}
    ctx = err.get("ctx") or {}
    params = {k: _plain(v) for k, v in ctx.items() if isinstance(v, bool | int | float | str) or v is None}
    return f"validation.{err['type']}", params


def _plain(value: Any) -> Any:
    """A bound as a merchant writes it: 90, not 90.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def number(value: Cell, column: str) -> float | None:
    """A numeric cell as a float; inf and NaN come back as such, for the schema to refuse with the others."""
    if value is None:
        return None
    try:
        return float(value) if isinstance(value, int | float) else float(str(value))
    except (ValueError, OverflowError):
        raise CellError(column, f"{value!r} is not a number", "dispatch.sheet.not_a_number", value=str(value)) from None
