"""The demo merchant's invented sales: same shape as parsed POS rows, repeatable, weekly pattern."""

from __future__ import annotations

from datetime import date

from smartdist_forecast.sales.synthetic import DEMO_PRODUCTS, DEMO_STORES, synthetic_pos_sales


def test_every_demo_series_has_one_row_per_day_up_to_the_end_date():
    sales = synthetic_pos_sales(30, date(2026, 11, 25))
    assert len(sales) == len(DEMO_STORES) * len(DEMO_PRODUCTS) * 30
    assert sales["date"].max().date() == date(2026, 11, 25)
    assert not sales.duplicated(["store", "sku", "date"]).any()
    assert (sales["qty"] >= 0).all() and (sales["amount"] >= 0).all()


def test_same_seed_gives_the_same_history_and_weekends_sell_more():
    first = synthetic_pos_sales(364, date(2026, 11, 25))
    assert first.equals(synthetic_pos_sales(364, date(2026, 11, 25)))
    by_weekday = first.groupby(first["date"].dt.day_of_week)["qty"].mean()
    assert by_weekday[5] > by_weekday[1]
