"""FEFO / FIFO removal and the all-or-nothing allocation plan, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartdist_wms.stock.domain import Available, Need, is_near_expiry, plan_allocation, removal_order

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def stock(stock_id: int, expiry: str, days_ago: int, qty: int, product: int = 1) -> Available:
    return Available(stock_id, product, expiry, T0 - timedelta(days=days_ago), qty)


def test_fefo_takes_earliest_expiry_first_and_undated_last() -> None:
    lots = [stock(1, "", 30, 5), stock(2, "2026-03-01", 1, 5), stock(3, "2026-02-01", 0, 5)]
    assert [s.stock_id for s in removal_order("fefo", lots)] == [3, 2, 1]


def test_equal_expiry_takes_the_oldest_receipt_first() -> None:
    lots = [stock(1, "2026-02-01", 1, 5), stock(2, "2026-02-01", 9, 5), stock(3, "", 2, 1), stock(4, "", 8, 1)]
    assert [s.stock_id for s in removal_order("fefo", lots)] == [2, 1, 4, 3]


def test_fifo_ignores_expiry() -> None:
    lots = [stock(1, "2026-02-01", 1, 5), stock(2, "2027-01-01", 9, 5)]
    assert [s.stock_id for s in removal_order("fifo", lots)] == [2, 1]


def test_a_line_spans_lots_and_two_lines_share_them() -> None:
    lots = [stock(1, "2026-02-01", 0, 3), stock(2, "2026-03-01", 0, 4)]
    takes, short = plan_allocation([Need(10, 1, 5, "fefo"), Need(11, 1, 2, "fefo")], lots)
    assert short == []
    assert [(t.line_id, t.stock_id, t.qty) for t in takes] == [(10, 1, 3), (10, 2, 2), (11, 2, 2)]


def test_every_shortfall_is_named() -> None:
    lots = [stock(1, "", 0, 3), stock(2, "", 0, 1, product=2)]
    _, short = plan_allocation([Need(10, 1, 5, "fefo"), Need(11, 2, 1, "fifo"), Need(12, 3, 1, "fefo")], lots)
    assert [(s.line_id, s.needed, s.available) for s in short] == [(10, 5, 3), (12, 1, 0)]


def test_near_expiry_window_includes_its_last_day() -> None:
    today = datetime(2026, 12, 3).date()
    assert is_near_expiry("2026-12-06", today, 3) and not is_near_expiry("2026-12-07", today, 3)
    assert not is_near_expiry("", today, 3)
