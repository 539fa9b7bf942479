import csv
import io

import pytest

from smartdist_forecast.sales.csv_source import CsvUnreadableError
from smartdist_forecast.sales.pos_csv import POS_HEADER, PosHeaderError, parse_pos_csv

from ..forecast_data import DATA, as_stream, sample_lines


def _expected_outcomes() -> list[dict[str, str]]:
    with open(DATA / "pos_bad_expected.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_bad_file_row_gets_its_expected_outcome():
    with open(DATA / "pos_bad.csv", "rb") as handle:
        result = parse_pos_csv(handle)
    accepted_rows = set(result.sales["row"].tolist())
    errors_by_row: dict[int, list] = {}
    for error in result.errors:
        errors_by_row.setdefault(error.row, []).append(error)
    for case in _expected_outcomes():
        row = int(case["data_row"])
        expected = case["expected"]
        if expected == "ok":
            assert row in accepted_rows, case
            assert row not in errors_by_row, case
        elif expected in ("reject", "reject_or_dedupe"):
            assert row not in accepted_rows, case
            assert row in errors_by_row, case
            if case["column"]:
                assert case["column"] in {e.column for e in errors_by_row[row]}, (case, errors_by_row[row])
        else:  # accept_or_reject: either is fine, but never both or neither
            assert (row in accepted_rows) != (row in errors_by_row), case
    assert result.rows_accepted + result.rows_rejected == 31
    assert not result.clean


def test_contract_summary_lists_row_column_and_message():
    with open(DATA / "pos_bad.csv", "rb") as handle:
        summary = parse_pos_csv(handle).summary()
    assert set(summary) == {"rows_accepted", "rows_rejected", "errors"}
    first = summary["errors"][0]
    assert first == {
        "row": 7,
        "column": "銷售日期",
        "message": "銷售日期 is not a real calendar date",
        "code": "forecast.pos.date_invalid",
        "params": {},
    }


def test_lenient_cases_parse_to_the_right_values():
    with open(DATA / "pos_bad.csv", "rb") as handle:
        sales = parse_pos_csv(handle).sales.set_index("row")
    assert str(sales.loc[28, "date"].date()) == "2020-01-01"  # 2020/1/1 without zero padding
    assert sales.loc[29, "amount"] == 2183  # "2,183"
    assert sales.loc[31, "weather"] == "" and sales.loc[31, "temp_low"] != sales.loc[31, "temp_low"]  # NaN


def test_wrong_header_refuses_the_whole_file_naming_the_columns():
    with open(DATA / "pos_bad_header.csv", "rb") as handle, pytest.raises(PosHeaderError) as refused:
        parse_pos_csv(handle)
    message = str(refused.value)
    assert "門市代號" in message and "店號" in message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "big5"])
def test_sample_rows_import_the_same_in_every_supported_encoding(encoding):
    lines = sample_lines(50)
    result = parse_pos_csv(as_stream(lines, encoding))
    assert result.clean
    assert result.rows_accepted == 50
    assert result.sales["store_name"].iloc[0] == "台北南京店"
    assert result.sales["category_name"].iloc[0] == "乳品冷藏"
    assert result.encoding != "utf-8" or encoding == "utf-8"


def test_big5_file_is_detected_as_big5_not_mojibake():
    result = parse_pos_csv(as_stream(sample_lines(5), "big5"))
    assert result.encoding in ("cp950", "big5hkscs")
    assert result.sales["product_name"].iloc[0] == "芝司樂原味高鈣起司250g"


def test_crlf_line_ends_and_trailing_blank_line_are_fine():
    data = ("\r\n".join(sample_lines(3)) + "\r\n\r\n").encode("utf-8")
    result = parse_pos_csv(io.BytesIO(data))
    assert result.rows_accepted == 3 and result.clean


def test_bytes_that_are_neither_utf8_nor_big5_are_refused():
    garbage = ",".join(POS_HEADER).encode("utf-8") + b"\n\xff\xfe\xff\xfe\x80\x80\n"
    with pytest.raises(CsvUnreadableError):
        parse_pos_csv(io.BytesIO(garbage))


def test_conflicting_row_for_same_store_day_sku_is_rejected_with_the_first_row_named():
    lines = sample_lines(2)
    changed = lines[1].split(",")
    changed[7] = "99"
    result = parse_pos_csv(as_stream([*lines, ",".join(changed)]))
    assert result.rows_accepted == 2
    assert [e.as_dict() for e in result.errors] == [
        {
            "row": 3,
            "column": None,
            "message": "conflicts with data row 1 (same 店號, 銷售日期, 商品代碼)",
            "code": "forecast.pos.conflict",
            "params": {"first": 1},
        }
    ]


def test_weekday_that_contradicts_the_date_is_rejected():
    fields = sample_lines(1)[1].split(",")
    fields[10] = "星期五"  # 2019/12/31 was a Tuesday
    result = parse_pos_csv(as_stream([sample_lines(0)[0], ",".join(fields)]))
    assert result.rows_accepted == 0
    assert result.errors[0].column == "星期"


def test_small_chunks_give_the_same_result_as_one_chunk():
    lines = sample_lines(120)
    whole = parse_pos_csv(as_stream(lines))
    chunked = parse_pos_csv(as_stream(lines), chunk_rows=7)
    assert chunked.rows_accepted == whole.rows_accepted == 120
    assert chunked.sales["qty"].sum() == whole.sales["qty"].sum()


def test_progress_reports_bytes_read_up_to_the_file_size():
    stream = as_stream(sample_lines(100))
    size = len(stream.getvalue())
    seen: list[int] = []
    parse_pos_csv(stream, chunk_rows=25, progress=seen.append)
    assert seen and seen[-1] == size
    assert seen == sorted(seen)


def test_import_job_reports_progress_fractions_and_refuses_a_bad_file_whole(tmp_path):
    from smartdist_forecast.sales.importing import READ_SHARE, import_pos_file, should_store

    good = tmp_path / "good.csv"
    good.write_bytes(as_stream(sample_lines(60), "big5").getvalue())
    seen: list[float] = []
    result = import_pos_file(good, seen.append)
    assert result.rows_accepted == 60
    assert seen[-1] == READ_SHARE and seen == sorted(seen)
    assert should_store(result, partial=False)
    with open(DATA / "pos_bad.csv", "rb") as handle:
        bad = parse_pos_csv(handle)
    assert not should_store(bad, partial=False)
    assert should_store(bad, partial=True)


def test_blanks_around_values_are_ignored():
    fields = sample_lines(1)[1].split(",")
    padded = ",".join(f" {value} " if index in (0, 3, 7, 12) else value for index, value in enumerate(fields))
    result = parse_pos_csv(as_stream([sample_lines(0)[0], padded]))
    assert result.clean
    assert result.sales["store"].iloc[0] == "10101" and result.sales["qty"].iloc[0] == 13


def test_fast_and_exact_readers_agree_on_every_bad_row():
    with open(DATA / "pos_bad.csv", "rb") as handle:
        fast = parse_pos_csv(handle)
    with open(DATA / "pos_bad.csv", "rb") as handle:
        exact = parse_pos_csv(handle, exact=True)
    assert fast.sales["row"].tolist() == exact.sales["row"].tolist()
    assert {(e.row, e.column) for e in fast.errors} == {(e.row, e.column) for e in exact.errors}


def test_row_with_many_extra_fields_falls_back_to_the_exact_reader():
    lines = sample_lines(3)
    lines[2] = lines[2] + ",x,y,z"
    result = parse_pos_csv(as_stream(lines))
    assert result.rows_accepted == 2
    assert [e.as_dict() for e in result.errors] == [
        {
            "row": 2,
            "column": None,
            "message": "row has 17 fields, expected 14",
            "code": "forecast.pos.field_count",
            "params": {"found": 17, "expected": 14},
        }
    ]
