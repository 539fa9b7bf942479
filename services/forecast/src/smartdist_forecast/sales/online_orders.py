"""Online channel orders (store delivery / store pickup) per store, SKU and day.

Our own CSV format, documented for integrators (one row per day, store, SKU and channel):

    date,store,sku,channel,qty,stockout_qty,returned_qty
    2024-01-01,10101,11001010,delivery,4,1,0

- ``date``: ``YYYY-MM-DD`` (``YYYY/MM/DD`` also accepted);
- ``store`` / ``sku``: the POS file's 店號 / 商品代碼;
- ``channel``: ``delivery`` (store delivery) or ``pickup`` (order online, collect in store);
- ``qty``: units sold and handed over; ``stockout_qty``: units ordered but not available
  (lost demand); ``returned_qty``: units returned later. Counts are whole and ≥ 0; an empty
  ``stockout_qty`` / ``returned_qty`` means 0.
UTF-8 (with or without BOM) or Big5, like the POS file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pandas as pd

from smartdist_forecast.sales.csv_source import RowError, open_csv

ONLINE_HEADER: tuple[str, ...] = ("date", "store", "sku", "channel", "qty", "stockout_qty", "returned_qty")
CHANNELS = ("delivery", "pickup")
MAX_STORE_CHARS, MAX_SKU_CHARS = 40, 60  # as stored in online_order_day


class OnlineHeaderError(ValueError):
    def __init__(self, found: list[str]) -> None:
        self.found = found
        super().__init__(f"expected header {','.join(ONLINE_HEADER)}, found {','.join(found)}")
        self.code = "forecast.online.header"
        self.params = {"expected": ",".join(ONLINE_HEADER), "found": ",".join(found) or "–"}


@dataclass
class OnlineImport:
    encoding: str
    orders: pd.DataFrame  # row, date, store, sku, channel, qty, stockout_qty, returned_qty
    errors: list[RowError] = field(default_factory=list)
    rows_rejected: int = 0

    @property
    def rows_accepted(self) -> int:
        return int(len(self.orders))

    @property
    def clean(self) -> bool:
        return self.rows_rejected == 0

    def summary(self) -> dict[str, object]:
        return {
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "errors": [error.as_dict() for error in self.errors],
        }


class _ChunkErrors:
    """Marks bad rows of one chunk and appends their errors to the import's list."""

    def __init__(self, rows: np.ndarray, errors: list[RowError]) -> None:
        self.rows = rows
        self.bad = np.zeros(len(rows), dtype=bool)
        self.errors = errors

    def flag(
        self, mask: pd.Series, column: str, message: str, code: str, params: dict[str, object] | None = None
    ) -> None:
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        self.bad[positions] = True
        values = params or {}
        self.errors.extend(RowError(int(self.rows[p]), column, message, code, values) for p in positions)


def _count(raw: pd.Series, column: str, optional: bool, flag: Callable[..., None]) -> pd.Series:
    text = raw.str.strip()
    if optional:
        text = text.mask(text == "", "0")
    ok = text.str.match(r"^\d+$")
    flag(~ok, column, f"{column} must be a whole number ≥ 0", "forecast.online.count", {"column": column})
    return pd.to_numeric(text.where(ok), errors="coerce")


def parse_online_orders_csv(source: BinaryIO, chunk_rows: int = 100_000) -> OnlineImport:
    records = open_csv(source, chunk_rows=chunk_rows)
    if tuple(records.header) != ONLINE_HEADER:
        raise OnlineHeaderError(records.header)
    errors: list[RowError] = []
    accepted: list[pd.DataFrame] = []
    for chunk in records.chunks:
        rows: list[int] = []
        fields_list: list[list[str]] = []
        for data_row, fields in chunk:
            if len(fields) != len(ONLINE_HEADER):
                message = f"row has {len(fields)} fields, expected {len(ONLINE_HEADER)}"
                params: dict[str, object] = {"found": len(fields), "expected": len(ONLINE_HEADER)}
                errors.append(RowError(data_row, None, message, "forecast.online.field_count", params))
                continue
            rows.append(data_row)
            fields_list.append(fields)
        if not rows:
            continue
        table = pd.DataFrame(fields_list, columns=list(ONLINE_HEADER), dtype=object).astype(str)
        chunk_errors = _ChunkErrors(np.asarray(rows), errors)
        flag = chunk_errors.flag
        row_array = chunk_errors.rows

        raw_date = table["date"].str.strip().str.replace("/", "-", regex=False)
        date = pd.to_datetime(
            raw_date.where(raw_date.str.match(r"^\d{4}-\d{1,2}-\d{1,2}$")), format="%Y-%m-%d", errors="coerce"
        )
        flag(date.isna(), "date", "date must be a real date like 2024-01-31", "forecast.online.date")
        store = table["store"].str.strip()
        sku = table["sku"].str.strip()
        flag(store == "", "store", "store is empty", "forecast.online.store_empty")
        flag(sku == "", "sku", "sku is empty", "forecast.online.sku_empty")
        too_long = "forecast.online.too_long"
        store_long = f"store is longer than {MAX_STORE_CHARS} characters"
        flag(store.str.len() > MAX_STORE_CHARS, "store", store_long, too_long, {"limit": MAX_STORE_CHARS})
        sku_long = f"sku is longer than {MAX_SKU_CHARS} characters"
        flag(sku.str.len() > MAX_SKU_CHARS, "sku", sku_long, too_long, {"limit": MAX_SKU_CHARS})
        channel = table["channel"].str.strip().str.lower()
        flag(~channel.isin(CHANNELS), "channel", "channel must be delivery or pickup", "forecast.online.channel")
        qty = _count(table["qty"], "qty", False, flag)
        stockout = _count(table["stockout_qty"], "stockout_qty", True, flag)
        returned = _count(table["returned_qty"], "returned_qty", True, flag)
        good = ~chunk_errors.bad
        accepted.append(
            pd.DataFrame(
                {
                    "row": row_array[good],
                    "date": date[good].to_numpy(),
                    "store": store[good].to_numpy(),
                    "sku": sku[good].to_numpy(),
                    "channel": channel[good].to_numpy(),
                    "qty": qty[good].astype("int64").to_numpy(),
                    "stockout_qty": stockout[good].astype("int64").to_numpy(),
                    "returned_qty": returned[good].astype("int64").to_numpy(),
                }
            )
        )
    orders = pd.concat(accepted, ignore_index=True) if accepted else pd.DataFrame(columns=["row", *ONLINE_HEADER])
    key = ["date", "store", "sku", "channel"]
    repeated = orders.duplicated(key, keep="first")
    if repeated.any():
        first_row = orders[~repeated].set_index(key)["row"]
        for record in orders[repeated].itertuples(index=False):
            first = int(first_row.loc[(record.date, record.store, record.sku, record.channel)])
            message = f"repeats data row {first} (same date, store, sku, channel)"
            errors.append(RowError(int(record.row), None, message, "forecast.online.duplicate", {"first": first}))
        orders = orders[~repeated].reset_index(drop=True)
    errors.sort(key=lambda e: e.row or 0)
    return OnlineImport(records.encoding, orders, errors, len({e.row for e in errors}))
