"""A file far wider or longer than any export is refused before a parser sees it, naming the row."""

from __future__ import annotations

import io

import pytest

from smartdist_forecast.sales import csv_source
from smartdist_forecast.sales.csv_source import MAX_FIELDS, MAX_LINE_BYTES, CsvTooWideError, check_line_shape
from smartdist_forecast.sales.online_orders import ONLINE_HEADER, parse_online_orders_csv
from smartdist_forecast.sales.pos_csv import POS_HEADER, parse_pos_csv

POS_ROW = "10101,台北店,2024/01/01,11001010,鮮奶,110,乳品,3,150,20231120,星期一,晴,15~24,1"


def pos_file(*rows: str) -> bytes:
    return "\n".join([",".join(POS_HEADER), *rows, ""]).encode("utf-8")


def test_a_row_of_100k_columns_is_refused_naming_the_row():
    hostile = pos_file(POS_ROW, "," * 100_000)  # the probe's 200 KB file: 100k columns in one row
    with pytest.raises(CsvTooWideError) as caught:
        parse_pos_csv(io.BytesIO(hostile))
    assert caught.value.row == 2 and "data row 2" in str(caught.value)


def test_a_row_with_far_more_fields_than_the_format_but_a_short_line_is_refused():
    wide = pos_file(POS_ROW, POS_ROW, ",".join(["1"] * (MAX_FIELDS + 1)))
    with pytest.raises(CsvTooWideError) as caught:
        parse_pos_csv(io.BytesIO(wide))
    assert caught.value.row == 3 and f"more than {MAX_FIELDS} fields" in str(caught.value)


def test_a_very_long_line_is_refused_even_with_few_fields():
    long_name = "鮮" * (MAX_LINE_BYTES // 3 + 10)
    row = POS_ROW.replace("鮮奶", long_name)
    with pytest.raises(CsvTooWideError) as caught:
        parse_pos_csv(io.BytesIO(pos_file(POS_ROW, row)))
    assert caught.value.row == 2 and f"longer than {MAX_LINE_BYTES} bytes" in str(caught.value)


def test_an_overlong_header_names_the_header_and_no_row():
    with pytest.raises(CsvTooWideError) as caught:
        check_line_shape(io.BytesIO(b"x" * (MAX_LINE_BYTES + 1) + b"\n1\n"))
    assert caught.value.row is None and "header" in str(caught.value)


def test_online_orders_are_bounded_the_same_way():
    header = ",".join(ONLINE_HEADER)
    hostile = f"{header}\n2024-01-01,10101,1,delivery,1,0,0\n{',' * 10_000}\n".encode()
    with pytest.raises(CsvTooWideError) as caught:
        parse_online_orders_csv(io.BytesIO(hostile))
    assert caught.value.row == 2


def test_a_line_crossing_the_scan_blocks_is_measured_whole(monkeypatch):
    # A line that starts in one read block and ends in the next is still one line.
    monkeypatch.setattr(csv_source, "SCAN_BLOCK", 64)
    stream = io.BytesIO(b"a,b\n" + b"1,2\n" * 10 + b"y" * (MAX_LINE_BYTES + 5) + b"\n")
    with pytest.raises(CsvTooWideError) as caught:
        check_line_shape(stream)
    assert caught.value.row == 11 and stream.tell() == 0


def test_a_normal_file_passes_and_parses_as_before():
    data = pos_file(POS_ROW)
    stream = io.BytesIO(data)
    check_line_shape(stream)
    assert stream.tell() == 0
    assert parse_pos_csv(io.BytesIO(data)).rows_accepted == 1


def test_a_text_longer_than_its_column_is_a_row_error_not_a_database_error():
    long_store_name = "台" * 201
    parsed = parse_pos_csv(
        io.BytesIO(pos_file(POS_ROW, POS_ROW.replace("台北店", long_store_name).replace("2024/01/01", "2024/01/08")))
    )
    assert parsed.rows_accepted == 1
    assert [(e.row, e.column) for e in parsed.errors] == [(2, "店名")]
    header = ",".join(ONLINE_HEADER)
    online = parse_online_orders_csv(io.BytesIO(f"{header}\n2024-01-01,{'1' * 41},1,delivery,1,0,0\n".encode()))
    assert [(e.row, e.column) for e in online.errors] == [(1, "store")]
