"""The documented upload format of delivery orders (one row per order) and its row-by-row checks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from smartdist_dispatch.orders.schemas import OrderIn
from smartdist_dispatch.orders.spreadsheet import (
    Cell,
    CellError,
    RowError,
    SheetRow,
    instant,
    number,
    text,
    validate_rows,
)

ORDER_COLUMNS = (
    "order_no",
    "customer",
    "phone",
    "address",
    "lat",
    "lng",
    "window_start",
    "window_end",
    "window2_start",
    "window2_end",
    "service_min",
    "weight_kg",
    "volume_l",
    "boxes",
    "priority",
    "cash_twd",
    "notes",
)
# An address, or lat and lng: a row with an address and no coordinates is geocoded (when configured).
REQUIRED_ORDER_COLUMNS = ("order_no", "customer")

# Schema field -> sheet column, so a schema error names the column the merchant typed into.
_COLUMN = {"customer_name": "customer", "service_s": "service_min", "cash_to_collect_twd": "cash_twd"}
_WINDOW_COLUMNS = (("window_start", "window_end"), ("window2_start", "window2_end"))


def order_fields(cells: Mapping[str, Cell]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for column, field in (
        ("order_no", "order_no"),
        ("customer", "customer_name"),
        ("phone", "phone"),
        ("address", "address"),
        ("notes", "notes"),
    ):
        value = text(cells.get(column))
        if value is not None:
            fields[field] = value
    for column in ("lat", "lng", "weight_kg", "volume_l", "boxes", "priority", "cash_twd"):
        if cells.get(column) is not None:
            fields[_field(column)] = cells[column]
    minutes = number(cells.get("service_min"), "service_min")
    if minutes is not None:
        seconds = minutes * 60
        # A huge number of minutes overflows: left for the schema's bound to name the column.
        fields["service_s"] = round(seconds) if math.isfinite(seconds) else seconds
    windows: list[tuple[Any, Any]] = []
    for start_col, end_col in _WINDOW_COLUMNS:
        start, end = cells.get(start_col), cells.get(end_col)
        if start is None and end is None:
            continue
        if start is None or end is None:
            raise CellError(
                start_col if start is None else end_col,
                "a time window needs both a start and an end",
                "dispatch.sheet.window_pair",
            )
        if start_col == "window2_start" and not windows:
            # Keeps the list position = the column pair, so an error names the column typed into.
            raise CellError(
                "window_start",
                "fill window_start/window_end before window2_start/window2_end",
                "dispatch.sheet.window_first",
            )
        windows.append((instant(start), instant(end)))
    if windows:
        fields["time_windows"] = windows
    return fields


def _field(column: str) -> str:
    return {"cash_twd": "cash_to_collect_twd"}.get(column, column)


def order_column(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else "row"
    if field == "time_windows":
        index = int(loc[1]) if len(loc) > 1 and isinstance(loc[1], int) else 0
        pair = _WINDOW_COLUMNS[min(index, len(_WINDOW_COLUMNS) - 1)]
        # An end-before-start error belongs to the end; a malformed start to the start.
        return pair[1] if len(loc) < 3 or loc[2] == 1 else pair[0]
    return _COLUMN.get(field, field)


def validate_order_rows(rows: list[SheetRow], stored_order_nos: set[str]) -> tuple[list[OrderIn], list[RowError]]:
    """All rows checked; an order_no repeated in the file or already stored is the later row's error."""
    good, errors = validate_rows(rows, OrderIn, order_fields, order_column)
    seen: dict[str, int] = {}
    orders = []
    for number_, order in good:
        if order.order_no in stored_order_nos:
            errors.append(
                RowError(
                    number_,
                    "order_no",
                    f"order {order.order_no} already exists",
                    "dispatch.sheet.order_exists",
                    {"order_no": order.order_no},
                )
            )
        elif order.order_no in seen:
            errors.append(
                RowError(
                    number_,
                    "order_no",
                    f"order {order.order_no} is already on row {seen[order.order_no]}",
                    "dispatch.sheet.order_repeated",
                    {"order_no": order.order_no, "first": seen[order.order_no]},
                )
            )
        else:
            seen[order.order_no] = number_
            orders.append(order)
    errors.sort(key=lambda e: e.row)
    return orders, errors
