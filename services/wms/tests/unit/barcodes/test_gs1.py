"""GS1-128 / DataMatrix element strings as a keyboard-wedge scanner types them."""

from __future__ import annotations

from datetime import date

import pytest

from smartdist_wms.barcodes.gs1 import GS, GS1Error, gs1_date, gtin14, gtin_check_digit_ok, looks_like_gs1, parse_gs1

TODAY = date(2026, 12, 3)


def test_gtin_expiry_and_lot_with_the_lot_last_needs_no_separator() -> None:
    data = parse_gs1("]C10109501101530003172712311012345A", TODAY)
    assert data.gtin == "09501101530003" and data.expiry == date(2027, 12, 31) and data.lot == "12345A"


def test_a_variable_lot_ends_at_the_gs_separator() -> None:
    data = parse_gs1(f"]d201095011015300031012AB{GS}15270600", TODAY)
    assert data.lot == "12AB"
    assert data.best_before == date(2027, 6, 30)  # day 00: the month's last day
    assert data.use_by == date(2027, 6, 30)


def test_the_bracketed_human_readable_form() -> None:
    data = parse_gs1("(01)09501101530003(10)LOT-7(17)261231(21)SN1", TODAY)
    assert (data.gtin, data.lot, data.expiry, data.serial) == ("09501101530003", "LOT-7", date(2026, 12, 31), "SN1")


def test_count_and_expiry_before_best_before() -> None:
    data = parse_gs1(f"010950110153000317270101153701013012{GS}", TODAY)
    assert data.expiry == date(2027, 1, 1) and data.best_before == date(2037, 1, 1) and data.count == 12
    assert data.use_by == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("scan", "why"),
    [
        ("0109501101530004", "check digit"),
        ("01095011015300", "needs 14"),
        ("99ABC", "unknown application identifier"),
        ("010950110153000317139901", "month"),
        ("010950110153000310" + "X" * 21, "1 to 20"),
        ("(01)0950110153000(10)A", "wrong length"),
    ],
)
def test_bad_scans_say_why(scan: str, why: str) -> None:
    with pytest.raises(GS1Error, match=why):
        parse_gs1(scan, TODAY)


def test_century_rule_and_helpers() -> None:
    assert gs1_date("991231", TODAY) == date(1999, 12, 31)
    assert gs1_date("750101", TODAY) == date(2075, 1, 1)
    assert gs1_date("240229", TODAY) == date(2024, 2, 29)
    assert gtin_check_digit_ok("4710088411234") is False and gtin_check_digit_ok("4006381333931") is True
    assert gtin14("4006381333931") == "04006381333931" and gtin14("ABC") is None
    assert looks_like_gs1("]C1010950110153000310A") and not looks_like_gs1("4006381333931")
