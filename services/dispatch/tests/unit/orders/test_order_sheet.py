"""The order sheet format, read and checked without HTTP or a database."""

from __future__ import annotations

from datetime import datetime

import pytest

from smartdist_dispatch.orders.sheet import ORDER_COLUMNS, REQUIRED_ORDER_COLUMNS, validate_order_rows
from smartdist_dispatch.orders.spreadsheet import SheetUnreadable, read_sheet

HEADER = "order_no,customer,lat,lng,window_start,window_end,window2_start,window2_end,service_min,cash_twd"


def rows_of(csv_text: str):  # type: ignore[no-untyped-def]
    return read_sheet("o.csv", csv_text.encode("utf-8"), required=REQUIRED_ORDER_COLUMNS, known=ORDER_COLUMNS)


def test_row_numbers_are_the_sheets_and_blank_lines_are_skipped() -> None:
    rows = rows_of(HEADER + "\nA,林,25,121,,,,,,\n,,,,,,,,,\nB,王,25,121,,,,,,\n")
    assert [r.number for r in rows] == [2, 4]


def test_local_times_without_offset_are_taiwan_time_and_minutes_become_seconds() -> None:
    rows = rows_of(
        HEADER + "\nA,林,25,121,2026-11-27 09:00,2026-11-27 12:00,2026-11-27T18:00+08:00,"
        "2026-11-27T20:00+08:00,2.5,300\n"
    )
    (order,), errors = validate_order_rows(rows, set())
    assert errors == []
    assert order.service_s == 150 and order.cash_to_collect_twd == 300
    assert order.time_windows[0][0] == datetime.fromisoformat("2026-11-27T01:00:00+00:00")
    assert len(order.time_windows) == 2


def test_every_bad_row_is_reported_with_its_column() -> None:
    rows = rows_of(
        HEADER + "\n"
        "A,林,25,181,,,,,,\n"  # lng out of range
        "B,王,25,121,2026-11-27 09:00,,,,,\n"  # window without an end
        "C,陳,25,121,,,,,ten,\n"  # service minutes not a number
        "D,張,25,121,2026-11-27 09:00,2026-11-27 10:00,2026-11-27 12:00,2026-11-27 11:00,,\n"  # 2nd inverted
        "E,李,25,121,,,,,,-5\n"  # negative cash
        "F,,25,121,,,,,,\n"
    )  # no customer
    orders, errors = validate_order_rows(rows, set())
    assert orders == []
    assert [(e.row, e.column) for e in errors] == [
        (2, "lng"),
        (3, "window_end"),
        (4, "service_min"),
        (5, "window2_end"),
        (6, "cash_twd"),
        (7, "customer"),
    ]


def test_order_no_stored_or_repeated_is_an_error_of_the_later_row() -> None:
    rows = rows_of(HEADER + "\nA,林,25,121,,,,,,\nB,王,25,121,,,,,,\nA,陳,25,121,,,,,,\n")
    orders, errors = validate_order_rows(rows, {"B"})
    assert [o.order_no for o in orders] == ["A"]
    assert [(e.row, e.message) for e in errors] == [(3, "order B already exists"), (4, "order A is already on row 2")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("o.xls", b"x", ".csv"),
        ("o.csv", b"", "empty"),
        ("o.csv", b"order_no,lat,lng\n", "customer"),
        ("o.csv", b"order_no,customer,lat,lng,colour\n", "colour"),
        ("o.xlsx", b"not a zip", "workbook"),
    ],
)
def test_unreadable_sheets_say_why(name: str, content: bytes, message: str) -> None:
    with pytest.raises(SheetUnreadable, match=message):
        read_sheet(name, content, required=REQUIRED_ORDER_COLUMNS, known=ORDER_COLUMNS)


def test_second_window_needs_the_first() -> None:
    rows = rows_of(HEADER + "\nA,林,25,121,,,2026-11-27 12:00,2026-11-27 13:00,,\n")
    _, errors = validate_order_rows(rows, set())
    assert [(e.row, e.column) for e in errors] == [(2, "window_start")]
