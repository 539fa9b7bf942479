"""The POS sales CSV (contract, SPEC §4.B): header check, per-row validation, duplicates.

Validation is vectorised per chunk of 100k records, so a million-row export parses in seconds and
memory stays at the accepted rows. Nothing is stored here: the caller stores ``sales`` only when
``PosImport.clean`` (or when the merchant asked for a partial import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pandas as pd

from smartdist_forecast.sales.csv_source import CsvUnreadableError, RowError, open_csv, read_header
from smartdist_forecast.sales.text_checks import longer_than, matches_among, mismatches, stripped

POS_HEADER: tuple[str, ...] = (
    "店號",
    "店名",
    "銷售日期",
    "商品代碼",
    "品名",
    "品類",
    "品類名稱",
    "總銷量",
    "總金額",
    "農曆",
    "星期",
    "天氣概況",
    "天氣溫度",
    "年度週別",
)
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
MAX_REPORTED_ERRORS = 10_000
# The longest text each column may hold (the sales_day columns it is stored in).
MAX_CHARS = {"店號": 40, "店名": 200, "商品代碼": 60, "品名": 300, "品類": 60, "品類名稱": 200, "天氣概況": 60}

_DATE = r"\d{4}/\d{1,2}/\d{1,2}"
_WHOLE = r"\d+"
_THOUSANDS = r"\d{1,3}(?:,\d{3})+"
_NUMBER = r"-?\d+(?:\.\d+)?"
_TEMPERATURE = rf"{_NUMBER}[ \t]*~[ \t]*{_NUMBER}"
_LUNAR = r"\d{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|30)"


class PosHeaderError(ValueError):
    """The first line is not the contract header; the whole file is refused."""

    def __init__(self, found: list[str]) -> None:
        self.found = found
        missing = [name for name in POS_HEADER if name not in found]
        unexpected = [name for name in found if name not in POS_HEADER]
        parts = [f"expected header {','.join(POS_HEADER)}"]
        if missing:
            parts.append(f"missing {','.join(missing)}")
        if unexpected:
            parts.append(f"unexpected {','.join(unexpected)}")
        if not missing and not unexpected:
            parts.append("columns are in the wrong order")
        super().__init__("; ".join(parts))
        # The catalog's text (problem.<code>): the expected header and what differs.
        self.code = "forecast.pos.header" if missing or unexpected else "forecast.pos.header_order"
        self.params = {
            "expected": ",".join(POS_HEADER),
            "missing": "、".join(missing) or "–",
            "unexpected": "、".join(unexpected) or "–",
        }


@dataclass
class PosImport:
    encoding: str
    sales: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    rows_rejected: int = 0
    errors_truncated: bool = False

    @property
    def rows_accepted(self) -> int:
        return int(len(self.sales))

    @property
    def clean(self) -> bool:
        return self.rows_rejected == 0

    def summary(self) -> dict[str, object]:
        """The contract response body of POST /api/v1/sales/import."""
        return {
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "errors": [error.as_dict() for error in self.errors],
        }


# An error's parameters: one dict for every row, or one per row of the chunk.
_Params = dict[str, object] | list[dict[str, object]]


def _validate_chunk(rows: list[int], columns: dict[str, list[str]]) -> tuple[pd.DataFrame, list[RowError]]:
    """Check one chunk of 14-field records; return the good rows parsed and the errors."""
    n = len(rows)
    problems: list[tuple[np.ndarray, str, str | list[str], str, _Params]] = []

    def flag(mask: np.ndarray, column: str, message: str | list[str], code: str, params: _Params | None = None) -> None:
        """Rows where ``mask`` holds get an error: English ``message``, catalog key ``error.<code>``
        with ``params`` (a list: one per row of the chunk, like a list ``message``)."""
        problems.append((np.asarray(mask, dtype=bool), column, message, code, {} if params is None else params))

    store = stripped(columns["店號"])
    sku = stripped(columns["商品代碼"])
    flag(mismatches(store, r".+"), "店號", "店號 (store number) is empty", "forecast.pos.store_empty")
    flag(mismatches(sku, r".+"), "商品代碼", "商品代碼 (product code) is empty", "forecast.pos.sku_empty")

    raw_date = stripped(columns["銷售日期"])
    date_empty = mismatches(raw_date, r".+")
    date_shape_bad = mismatches(raw_date, _DATE)
    date = pd.to_datetime(
        pd.Series(np.where(date_shape_bad, "", np.asarray(raw_date, dtype=object)), dtype=object),
        format="%Y/%m/%d",
        errors="coerce",
    )
    date_missing = date.isna().to_numpy()
    flag(date_empty, "銷售日期", "銷售日期 is empty", "forecast.pos.date_empty")
    flag(
        date_shape_bad & ~date_empty, "銷售日期", "銷售日期 must be a date like 2024/01/01", "forecast.pos.date_format"
    )
    flag(
        ~date_shape_bad & date_missing, "銷售日期", "銷售日期 is not a real calendar date", "forecast.pos.date_invalid"
    )

    raw_qty = stripped(columns["總銷量"])
    qty_bad = mismatches(raw_qty, _WHOLE)
    negative = matches_among(raw_qty, qty_bad, r"-\d+(?:\.\d+)?")
    fractional = matches_among(raw_qty, qty_bad, r"\d+\.\d+")
    flag(negative, "總銷量", "總銷量 must not be negative (returns are not sales rows)", "forecast.pos.qty_negative")
    flag(fractional, "總銷量", "總銷量 must be a whole number of units", "forecast.pos.qty_fractional")
    flag(qty_bad & ~negative & ~fractional, "總銷量", "總銷量 must be a whole number", "forecast.pos.qty_not_number")

    raw_amount = stripped(columns["總金額"])
    not_plain = mismatches(raw_amount, _WHOLE)
    amount_bad = not_plain & ~matches_among(raw_amount, not_plain, _THOUSANDS)
    amount_negative = matches_among(raw_amount, amount_bad, r"-\d.*")
    flag(amount_negative, "總金額", "總金額 must not be negative", "forecast.pos.amount_negative")
    flag(
        amount_bad & ~amount_negative,
        "總金額",
        "總金額 must be a whole number of NT$",
        "forecast.pos.amount_not_number",
    )

    lunar = stripped(columns["農曆"])
    flag(
        mismatches(lunar, rf"|{_LUNAR}"), "農曆", "農曆 must be the lunar date as YYYYMMDD", "forecast.pos.lunar_format"
    )

    weekday = stripped(columns["星期"])
    weekday_array = np.asarray(weekday, dtype=object)
    weekday_known = np.isin(weekday_array, WEEKDAYS)
    flag(
        (weekday_array != "") & ~weekday_known,
        "星期",
        "星期 must be one of 星期一 … 星期日",
        "forecast.pos.weekday_unknown",
    )
    day_numbers = date.dt.day_of_week.fillna(0).astype(int).to_numpy()
    actual_weekday = np.asarray(WEEKDAYS, dtype=object)[day_numbers]
    mismatch = weekday_known & ~date_missing & (weekday_array != actual_weekday)
    if mismatch.any():
        texts = [f"星期 does not match 銷售日期 ({raw_date[i]} is {actual_weekday[i]})" for i in range(n)]
        per_row_values: list[dict[str, object]] = [
            {"date": raw_date[i], "weekday": actual_weekday[i]} for i in range(n)
        ]
        flag(mismatch, "星期", texts, "forecast.pos.weekday_mismatch", per_row_values)

    temperature = stripped(columns["天氣溫度"])
    temperature_shape_bad = mismatches(temperature, rf"|{_TEMPERATURE}")
    halves = [
        t.partition("~") if ok else ("", "", "") for t, ok in zip(temperature, ~temperature_shape_bad, strict=True)
    ]
    temp_low = pd.to_numeric(pd.Series([h[0] for h in halves], dtype=object), errors="coerce").to_numpy(dtype=float)
    temp_high = pd.to_numeric(pd.Series([h[2] for h in halves], dtype=object), errors="coerce").to_numpy(dtype=float)
    flag(
        temperature_shape_bad | (temp_low > temp_high),
        "天氣溫度",
        "天氣溫度 must be low~high in °C, like 15~24",
        "forecast.pos.temperature_format",
    )

    week = stripped(columns["年度週別"])
    week_empty = mismatches(week, r".+")
    week_bad = mismatches(week, r"[1-9]|[1-4]\d|5[0-3]|0[1-9]") & ~week_empty
    flag(week_empty, "年度週別", "年度週別 is empty (or the row has fewer than 14 fields)", "forecast.pos.week_empty")
    flag(week_bad, "年度週別", "年度週別 must be a week number 1..53", "forecast.pos.week_range")
    for column, limit in MAX_CHARS.items():
        too_long = f"{column} is longer than {limit} characters"
        flag(longer_than(stripped(columns[column]), limit), column, too_long, "forecast.pos.too_long", {"limit": limit})

    bad = np.zeros(n, dtype=bool)
    row_array = np.asarray(rows, dtype=np.int64)
    per_row: list[tuple[int, int, RowError]] = []
    for order, (mask, column, wording, code, values_of) in enumerate(problems):
        if not mask.any():
            continue
        bad |= mask
        for position in np.flatnonzero(mask).tolist():
            text = wording if isinstance(wording, str) else wording[position]
            values = values_of if isinstance(values_of, dict) else values_of[position]
            per_row.append((position, order, RowError(int(row_array[position]), column, text, code, values)))
    per_row.sort(key=lambda item: (item[0], item[1]))
    errors = [error for _, _, error in per_row]

    good = ~bad

    def kept(values: list[str]) -> np.ndarray:
        return np.asarray(values, dtype=object)[good]

    week_values = np.asarray(week, dtype=object)[good]
    parsed = pd.DataFrame(
        {
            "row": row_array[good],
            "store": kept(store),
            "store_name": kept(stripped(columns["店名"])),
            "date": date.to_numpy()[good],
            "sku": kept(sku),
            "product_name": kept(stripped(columns["品名"])),
            "category": kept(stripped(columns["品類"])),
            "category_name": kept(stripped(columns["品類名稱"])),
            "qty": np.asarray(kept(raw_qty), dtype=str).astype(np.int64) if good.any() else np.zeros(0, np.int64),
            "amount": np.asarray([a.replace(",", "") for a in kept(raw_amount)], dtype=str).astype(np.int64)
            if good.any()
            else np.zeros(0, np.int64),
            "lunar_date": kept(lunar),
            "weather": kept(stripped(columns["天氣概況"])),
            "temp_low": temp_low[good],
            "temp_high": temp_high[good],
            "week": pd.to_numeric(pd.Series(week_values, dtype=object).replace("", np.nan), errors="coerce").to_numpy(
                dtype=float
            ),
        }
    )
    return parsed, errors


def _field_count_error(data_row: int, fields: list[str]) -> RowError:
    if len(fields) < len(POS_HEADER):
        missing = POS_HEADER[len(fields)]
        return RowError(
            data_row,
            missing,
            f"row has {len(fields)} fields, expected {len(POS_HEADER)} (no {missing})",
            "forecast.pos.fields_missing",
            {"found": len(fields), "expected": len(POS_HEADER), "missing": missing},
        )
    return RowError(
        data_row,
        None,
        f"row has {len(fields)} fields, expected {len(POS_HEADER)}",
        "forecast.pos.field_count",
        {"found": len(fields), "expected": len(POS_HEADER)},
    )


def _reject_duplicates(sales: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
    """A second row for the same store, day and SKU is refused, naming the row it repeats."""
    key = ["store", "date", "sku"]
    repeated = sales.duplicated(key, keep="first")
    if not repeated.any():
        return sales, []
    first_rows = sales[~repeated].set_index(key)["row"]
    value_columns = [c for c in sales.columns if c != "row"]
    firsts = sales[~repeated].set_index(key)
    errors = []
    for record in sales[repeated].itertuples(index=False):
        index = (record.store, record.date, record.sku)
        first_row = int(first_rows.loc[index])
        first = firsts.loc[index]
        same = all(
            (pd.isna(getattr(record, c)) and pd.isna(first[c])) or getattr(record, c) == first[c]
            for c in value_columns
            if c not in key
        )
        what = "duplicate of" if same else "conflicts with"
        code = "forecast.pos.duplicate" if same else "forecast.pos.conflict"
        message = f"{what} data row {first_row} (same 店號, 銷售日期, 商品代碼)"
        errors.append(RowError(int(record.row), None, message, code, {"first": int(first_row)}))
    return sales[~repeated], errors


ColumnChunk = tuple[list[int], dict[str, list[str]], list[RowError]]


def _exact_chunks(source: BinaryIO, chunk_rows: int, progress: Callable[[int], None] | None) -> Iterator[ColumnChunk]:
    """Record by record with the csv module: exact field counts for every row."""
    records = open_csv(source, chunk_rows=chunk_rows, on_bytes_read=progress)
    for chunk in records.chunks:
        rows: list[int] = []
        fields_of_rows: list[list[str]] = []
        errors: list[RowError] = []
        for data_row, fields in chunk:
            if len(fields) == len(POS_HEADER):
                rows.append(data_row)
                fields_of_rows.append(fields)
            else:
                errors.append(_field_count_error(data_row, fields))
        if rows:
            columns = {name: list(v) for name, v in zip(POS_HEADER, zip(*fields_of_rows, strict=True), strict=True)}
        else:
            columns = _empty_columns()
        yield rows, columns, errors


def _fast_chunks(
    stream: BinaryIO, encoding: str, chunk_rows: int, progress: Callable[[int], None] | None
) -> Iterator[ColumnChunk]:
    """pandas' C tokenizer, ~10× faster than the csv module on a million rows.

    It pads a short row with empty fields, so a short row surfaces as an empty 年度週別 (which is
    required); one extra column catches long rows, and a row longer still raises ParserError,
    on which the caller re-reads the file with ``_exact_chunks``.
    """
    start = stream.tell()
    width = len(POS_HEADER)
    reader = pd.read_csv(
        stream,
        encoding=encoding,
        header=None,
        names=list(range(width + 1)),
        skiprows=1,
        dtype=str,
        na_filter=False,
        skip_blank_lines=False,
        chunksize=chunk_rows,
        engine="c",
    )
    first_row = 1
    for frame in reader:
        rows = np.arange(first_row, first_row + len(frame))
        first_row += len(frame)
        extra = frame[width].to_numpy(dtype=object) != ""
        blank = (frame.iloc[:, :width] == "").all(axis=1).to_numpy() & ~extra
        errors = [
            RowError(
                int(r), None, f"row has more than {width} fields", "forecast.pos.too_many_fields", {"expected": width}
            )
            for r in rows[extra]
        ]
        keep = ~extra & ~blank
        columns = {name: frame[i].to_numpy(dtype=object)[keep].tolist() for i, name in enumerate(POS_HEADER)}
        yield rows[keep].tolist(), columns, errors
        if progress is not None:
            progress(stream.tell() - start)


def _parse_chunks(chunks: Iterator[ColumnChunk]) -> tuple[pd.DataFrame, list[RowError]]:
    accepted: list[pd.DataFrame] = []
    errors: list[RowError] = []
    for rows, columns, field_errors in chunks:
        errors.extend(field_errors)
        if rows:
            parsed, chunk_errors = _validate_chunk(rows, columns)
            accepted.append(parsed)
            errors.extend(chunk_errors)
    sales = pd.concat(accepted, ignore_index=True) if accepted else _validate_chunk([], _empty_columns())[0]
    return sales, errors


def parse_pos_csv(
    source: BinaryIO,
    chunk_rows: int = 100_000,
    progress: Callable[[int], None] | None = None,
    max_errors: int = MAX_REPORTED_ERRORS,
    exact: bool = False,
) -> PosImport:
    """Parse and validate a POS export. Raises PosHeaderError / CsvUnreadableError for a whole-file problem.

    ``exact`` reads record by record with the csv module (slower; names the exact field count of
    a short row); by default the fast reader is used and falls back to it only when needed.
    """
    stream, encoding, header = read_header(source)
    if tuple(header) != POS_HEADER:
        raise PosHeaderError(header)
    start = stream.tell()
    if exact:
        sales, errors = _parse_chunks(_exact_chunks(stream, chunk_rows, progress))
    else:
        try:
            sales, errors = _parse_chunks(_fast_chunks(stream, encoding, chunk_rows, progress))
        except pd.errors.ParserError:
            stream.seek(start)
            sales, errors = _parse_chunks(_exact_chunks(stream, chunk_rows, progress))
        except UnicodeDecodeError as exc:
            raise CsvUnreadableError(
                f"the file is not valid {encoding} text", code="forecast.file.not_text", encoding=encoding
            ) from exc
    sales, duplicate_errors = _reject_duplicates(sales)
    errors.extend(duplicate_errors)
    errors.sort(key=lambda e: e.row or 0)
    rejected = len({e.row for e in errors})
    truncated = len(errors) > max_errors
    return PosImport(encoding, sales.reset_index(drop=True), errors[:max_errors], rejected, truncated)


def _empty_columns() -> dict[str, list[str]]:
    return {name: [] for name in POS_HEADER}
