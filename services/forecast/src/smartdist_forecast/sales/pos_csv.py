"""The POS sales CSV (contract, SPEC §4.B): header check, per-row validation, duplicates.

Validation is vectorised per chunk of 100k records, so a million-row export parses in seconds and
memory stays at the accepted rows. Nothing is stored here: the caller stores ``sales`` only when
``PosImport.clean`` (or when the merchant asked for a partial import).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pandas as pd

from smartdist_forecast.sales.csv_source import CsvUnreadable, RowError, open_csv

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

_DATE = r"^\d{4}/\d{1,2}/\d{1,2}$"
_WHOLE = r"^\d+$"
_THOUSANDS = r"^\d{1,3}(,\d{3})+$"
_NUMBER = r"-?\d+(?:\.\d+)?"
_TEMPERATURE = rf"^\s*({_NUMBER})\s*~\s*({_NUMBER})\s*$"
_LUNAR = r"^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|30)$"


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


def _validate_chunk(rows: list[int], columns: dict[str, pd.Series]) -> tuple[pd.DataFrame, list[RowError]]:
    """Check one chunk of 14-field records; return the good rows parsed and the errors."""
    n = len(rows)
    problems: list[tuple[np.ndarray, str, str | pd.Series]] = []

    def flag(mask: pd.Series | np.ndarray, column: str, message: str | pd.Series) -> None:
        problems.append((np.asarray(mask, dtype=bool), column, message))

    store = columns["店號"].str.strip()
    sku = columns["商品代碼"].str.strip()
    flag(store == "", "店號", "店號 (store number) is empty")
    flag(sku == "", "商品代碼", "商品代碼 (product code) is empty")

    raw_date = columns["銷售日期"].str.strip()
    date = pd.to_datetime(raw_date.where(raw_date.str.match(_DATE)), format="%Y/%m/%d", errors="coerce")
    flag(raw_date == "", "銷售日期", "銷售日期 is empty")
    flag((raw_date != "") & ~raw_date.str.match(_DATE), "銷售日期", "銷售日期 must be a date like 2024/01/01")
    flag(raw_date.str.match(_DATE) & date.isna(), "銷售日期", "銷售日期 is not a real calendar date")

    raw_qty = columns["總銷量"].str.strip()
    qty_ok = raw_qty.str.match(_WHOLE)
    negative = raw_qty.str.match(r"^-\d+(\.\d+)?$")
    fractional = raw_qty.str.match(r"^\d+\.\d+$")
    flag(negative, "總銷量", "總銷量 must not be negative (returns are not sales rows)")
    flag(fractional, "總銷量", "總銷量 must be a whole number of units")
    flag(~qty_ok & ~negative & ~fractional, "總銷量", "總銷量 must be a whole number")

    raw_amount = columns["總金額"].str.strip()
    amount_plain = raw_amount.str.match(_WHOLE) | raw_amount.str.match(_THOUSANDS)
    amount_negative = raw_amount.str.match(r"^-\d")
    flag(amount_negative, "總金額", "總金額 must not be negative")
    flag(~amount_plain & ~amount_negative, "總金額", "總金額 must be a whole number of NT$")

    lunar = columns["農曆"].str.strip()
    flag((lunar != "") & ~lunar.str.match(_LUNAR), "農曆", "農曆 must be the lunar date as YYYYMMDD")

    weekday = columns["星期"].str.strip()
    weekday_known = weekday.isin(WEEKDAYS)
    flag((weekday != "") & ~weekday_known, "星期", "星期 must be one of 星期一 … 星期日")
    actual_weekday = pd.Series(np.asarray(WEEKDAYS, dtype=object)[date.dt.day_of_week.fillna(0).astype(int)], index=date.index)
    mismatch = weekday_known & date.notna() & (weekday != actual_weekday)
    flag(mismatch, "星期", "星期 does not match 銷售日期 (" + raw_date + " is " + actual_weekday + ")")

    temperature = columns["天氣溫度"].str.strip()
    bounds = temperature.str.extract(_TEMPERATURE)
    temp_low = pd.to_numeric(bounds[0], errors="coerce")
    temp_high = pd.to_numeric(bounds[1], errors="coerce")
    temperature_bad = (temperature != "") & (temp_low.isna() | (temp_low > temp_high))
    flag(temperature_bad, "天氣溫度", "天氣溫度 must be low~high in °C, like 15~24")

    week = columns["年度週別"].str.strip()
    week_number = pd.to_numeric(week.where(week.str.match(r"^\d{1,2}$")), errors="coerce")
    flag((week != "") & ~week_number.between(1, 53), "年度週別", "年度週別 must be a week number 1..53")

    bad = np.zeros(n, dtype=bool)
    errors: list[RowError] = []
    row_array = np.asarray(rows)
    per_row: list[tuple[int, int, RowError]] = []
    for order, (mask, column, message) in enumerate(problems):
        if not mask.any():
            continue
        bad |= mask
        positions = np.flatnonzero(mask)
        texts = message[positions].tolist() if isinstance(message, pd.Series) else [message] * len(positions)
        for position, text in zip(positions.tolist(), texts):
            per_row.append((position, order, RowError(int(row_array[position]), column, text)))
    per_row.sort(key=lambda item: (item[0], item[1]))
    errors = [error for _, _, error in per_row]

    good = ~bad
    parsed = pd.DataFrame(
        {
            "row": row_array[good],
            "store": store[good].to_numpy(),
            "store_name": columns["店名"][good].str.strip().to_numpy(),
            "date": date[good].to_numpy(),
            "sku": sku[good].to_numpy(),
            "product_name": columns["品名"][good].str.strip().to_numpy(),
            "category": columns["品類"][good].str.strip().to_numpy(),
            "category_name": columns["品類名稱"][good].str.strip().to_numpy(),
            "qty": raw_qty[good].astype("int64").to_numpy(),
            "amount": raw_amount[good].str.replace(",", "", regex=False).astype("int64").to_numpy(),
            "lunar_date": lunar[good].to_numpy(),
            "weather": columns["天氣概況"][good].str.strip().to_numpy(),
            "temp_low": temp_low[good].to_numpy(dtype=float),
            "temp_high": temp_high[good].to_numpy(dtype=float),
            "week": week_number[good].to_numpy(dtype=float),
        }
    )
    return parsed, errors


def _field_count_error(data_row: int, fields: list[str]) -> RowError:
    if len(fields) < len(POS_HEADER):
        missing = POS_HEADER[len(fields)]
        return RowError(data_row, missing, f"row has {len(fields)} fields, expected {len(POS_HEADER)} (no {missing})")
    return RowError(data_row, None, f"row has {len(fields)} fields, expected {len(POS_HEADER)}")


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
        errors.append(RowError(int(record.row), None, f"{what} data row {first_row} (same 店號, 銷售日期, 商品代碼)"))
    return sales[~repeated], errors


def parse_pos_csv(
    source: BinaryIO,
    chunk_rows: int = 100_000,
    progress: Callable[[int], None] | None = None,
    max_errors: int = MAX_REPORTED_ERRORS,
) -> PosImport:
    """Parse and validate a POS export. Raises PosHeaderError / CsvUnreadable for a whole-file problem."""
    records = open_csv(source, chunk_rows=chunk_rows, on_bytes_read=progress)
    if tuple(records.header) != POS_HEADER:
        raise PosHeaderError(records.header)
    accepted: list[pd.DataFrame] = []
    errors: list[RowError] = []
    for chunk in records.chunks:
        wide_rows: list[int] = []
        wide_fields: list[list[str]] = []
        for data_row, fields in chunk:
            if len(fields) == len(POS_HEADER):
                wide_rows.append(data_row)
                wide_fields.append(fields)
            else:
                errors.append(_field_count_error(data_row, fields))
        if wide_rows:
            table = pd.DataFrame(wide_fields, columns=list(POS_HEADER), dtype=object)
            columns = {name: table[name].astype(str) for name in POS_HEADER}
            parsed, chunk_errors = _validate_chunk(wide_rows, columns)
            accepted.append(parsed)
            errors.extend(chunk_errors)
    sales = pd.concat(accepted, ignore_index=True) if accepted else _validate_chunk([], _empty_columns())[0]
    sales, duplicate_errors = _reject_duplicates(sales)
    errors.extend(duplicate_errors)
    errors.sort(key=lambda e: e.row or 0)
    rejected = len({e.row for e in errors})
    if len(errors) > max_errors:
        return PosImport(records.encoding, sales.reset_index(drop=True), errors[:max_errors], rejected, True)
    return PosImport(records.encoding, sales.reset_index(drop=True), errors, rejected, False)


def _empty_columns() -> dict[str, pd.Series]:
    return {name: pd.Series([], dtype=object).astype(str) for name in POS_HEADER}
