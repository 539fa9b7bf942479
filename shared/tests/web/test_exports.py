"""Downloads: cells that cannot run as formulas (OWASP CSV injection) and names in any script."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from smartdist.exports import attachment, csv_text, safe_cell, xlsx_bytes

HOSTILE = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3+cmd", "\t=1", "＝1+1"]


def test_formula_cells_are_quoted_and_numbers_kept() -> None:
    assert [safe_cell(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [safe_cell(v) for v in ["-5", "+3.5", "1e3", "台北", "", 12, -4.5, None]] == [
        "-5",
        "+3.5",
        "1e3",
        "台北",
        "",
        12,
        -4.5,
        None,
    ]


def test_csv_export_has_no_cell_that_starts_a_formula() -> None:
    text = csv_text(["note"], [[v] for v in HOSTILE])
    assert text.startswith("\ufeff")
    cells = [row[0] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))][1:]
    assert cells == ["'" + v for v in HOSTILE]


def test_xlsx_export_stores_text_not_formulas() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes(["note"], [[v] for v in HOSTILE], sheet="訂單")))
    sheet = book["訂單"]
    values = [sheet.cell(row=r, column=1) for r in range(2, len(HOSTILE) + 2)]
    assert all(c.data_type == "s" for c in values)
    assert [c.value for c in values] == ["'" + v for v in HOSTILE]


def test_download_names_in_chinese_use_rfc5987() -> None:
    header = attachment("sales-店1-牛奶.csv")["Content-Disposition"]
    header.encode("latin-1")  # what an HTTP header must be
    assert header == (
        "attachment; filename=\"sales-_1-__.csv\"; filename*=UTF-8''sales-%E5%BA%971-%E7%89%9B%E5%A5%B6.csv"
    )
    assert attachment("forecasts.csv") == {"Content-Disposition": 'attachment; filename="forecasts.csv"'}


def test_xlsx_export_keeps_a_row_whose_text_has_control_characters() -> None:
    # A stored note with a stray control character (pasted from a terminal) must not break the export.
    data = xlsx_bytes(["note"], [["line\x00one\x1b[0m"], ["=cmd\x07"]])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert [c.value for c in ws["A"]] == ["note", "line\ufffdone\ufffd[0m", "'=cmd\ufffd"]
