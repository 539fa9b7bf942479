import numpy as np
import pytest

from smartdist_forecast.replenishment.policy import (
    ReplenishmentParams,
    cover_days_level,
    daily_sigma_from_band,
    recommend_order,
    round_up_to_pack,
)


def test_order_rounds_up_to_whole_packs():
    assert round_up_to_pack(0.0, 6) == 0
    assert round_up_to_pack(-3.0, 6) == 0
    assert round_up_to_pack(1.0, 6) == 6
    assert round_up_to_pack(12.0, 6) == 12
    assert round_up_to_pack(12.5, 6) == 18


def test_without_uncertainty_the_order_covers_lead_time_plus_review_period():
    params = ReplenishmentParams(lead_time_days=2, review_period_days=7, pack_size=1, service_level=0.95)
    yhat = np.full(14, 10.0)
    recommendation = recommend_order(yhat, yhat, yhat, on_hand=30, on_order=5, params=params)
    assert recommendation.expected_demand == 90.0
    assert recommendation.safety_stock == 0.0
    assert recommendation.order_qty == 90 - 35


def test_wider_band_and_higher_service_level_hold_more_safety_stock():
    yhat = np.full(10, 10.0)
    narrow = recommend_order(yhat, yhat - 2, yhat + 2, 0, 0, ReplenishmentParams(1, 2, 1, 0.9))
    wide = recommend_order(yhat, yhat - 6, yhat + 6, 0, 0, ReplenishmentParams(1, 2, 1, 0.9))
    strict = recommend_order(yhat, yhat - 6, yhat + 6, 0, 0, ReplenishmentParams(1, 2, 1, 0.99))
    assert narrow.safety_stock < wide.safety_stock < strict.safety_stock
    # 3 days, 80% half-width 6 ⇒ σ/day = 6/1.2816; period σ = √3 × that; z(0.9) = 1.2816.
    assert wide.safety_stock == pytest.approx(np.sqrt(3) * 6, rel=1e-6)


def test_enough_stock_on_hand_orders_nothing():
    yhat = np.full(5, 4.0)
    recommendation = recommend_order(
        yhat, yhat - 1, yhat + 1, on_hand=100, on_order=0, params=ReplenishmentParams(1, 1)
    )
    assert recommendation.order_qty == 0


def test_band_to_sigma_uses_the_80_percent_normal_quantile():
    assert daily_sigma_from_band(np.array([7.4368]), np.array([12.5632]))[0] == pytest.approx(2.0, rel=1e-3)


def test_invalid_parameters_are_refused():
    with pytest.raises(ValueError):
        ReplenishmentParams(lead_time_days=1, review_period_days=0)
    with pytest.raises(ValueError):
        ReplenishmentParams(lead_time_days=1, review_period_days=1, pack_size=0)
    with pytest.raises(ValueError):
        ReplenishmentParams(lead_time_days=1, review_period_days=1, service_level=1.0)


def test_forecast_shorter_than_the_protection_period_is_refused():
    with pytest.raises(ValueError):
        recommend_order(np.ones(3), np.ones(3), np.ones(3), 0, 0, ReplenishmentParams(2, 7))


def test_merchant_rule_covers_n_days_of_the_last_four_weeks_average():
    sales = np.concatenate([np.full(30, 100.0), np.full(28, 10.0)])
    assert cover_days_level(sales, 7) == 70.0
