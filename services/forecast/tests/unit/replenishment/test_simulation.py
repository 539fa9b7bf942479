import numpy as np
import pytest

from smartdist_forecast.replenishment.policy import ReplenishmentParams
from smartdist_forecast.replenishment.simulation import (
    Perishability,
    _simulate,
    compare_policies,
    lowest_service_level_matching,
    simple_rule_levels,
)


def _poisson_world(days: int = 120, series: int = 20, seed: int = 1):
    """Poisson demand with a weekend peak that the forecast knows and a 4-week average does not."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(5, 50, size=(series, 1))
    weekday = np.array([0.8, 0.8, 0.9, 0.9, 1.1, 1.5, 1.5])
    shape_history = np.resize(weekday, 56)[None, :]
    shape = np.resize(weekday, days)[None, :]
    history = rng.poisson(level * shape_history).astype(float)
    demand = rng.poisson(level * shape).astype(float)
    forecast = level * shape
    half = 1.2816 * np.sqrt(forecast)
    return history, demand, forecast, forecast - half, forecast + half


def test_simple_rule_level_is_cover_days_times_previous_28_day_average():
    history = np.full((1, 28), 10.0)
    demand = np.full((1, 3), 20.0)
    levels = simple_rule_levels(history, demand, cover_days=5)
    assert levels[0, 0] == 50.0
    assert levels[0, 1] == pytest.approx(5 * (27 * 10 + 20) / 28)


def test_perfect_forecast_with_daily_delivery_never_runs_out():
    demand = np.full((2, 30), 10.0)
    params = ReplenishmentParams(lead_time_days=0, review_period_days=1, pack_size=1, service_level=0.9)
    outcome = compare_policies(np.full((2, 28), 10.0), demand[:, :28], demand, demand, demand, params, cover_days=3)
    assert outcome.recommended.fill_rate == 1.0
    assert outcome.recommended.units_lost == 0.0
    # Ordering exactly tomorrow's demand holds far less than three days of cover.
    assert outcome.recommended.average_on_hand < outcome.simple_rule.average_on_hand


def test_lost_sales_are_counted_when_the_shelf_is_empty():
    demand = np.full((1, 10), 10.0)
    params = ReplenishmentParams(lead_time_days=1, review_period_days=1, pack_size=1, service_level=0.5)
    outcome = compare_policies(np.full((1, 28), 1.0), demand[:, :8], demand, demand, demand, params, cover_days=1)
    assert outcome.simple_rule.fill_rate < 0.5
    assert outcome.simple_rule.units_lost > 0
    assert outcome.simple_rule.stockout_days > 0


def test_calibrated_policy_holds_less_stock_than_a_generous_cover_rule_at_no_worse_fill():
    history, demand, forecast, lower, upper = _poisson_world()
    params = ReplenishmentParams(lead_time_days=2, review_period_days=7, pack_size=1, service_level=0.95)
    days = demand.shape[1] - params.protection_days + 1
    comparison = lowest_service_level_matching(history, demand[:, :days], forecast, lower, upper, params, cover_days=10)
    assert comparison.fill_rate_not_worse
    assert comparison.inventory_cut > 0.05


def test_units_past_their_shelf_life_are_thrown_away_and_counted():
    demand = np.full((1, 7), 1.0)
    params = ReplenishmentParams(lead_time_days=0, review_period_days=7, pack_size=1, service_level=0.5)
    perishable = Perishability.uniform(1, shelf_life_days=2, unit_kg=0.25)
    outcome = _simulate("rule", demand, np.full((1, 7), 10.0), params, perishable)
    # 10 units on day 0; one sold on day 0 and one on day 1, the other 8 spoil at the end of day 1.
    assert outcome.units_wasted == 8
    assert outcome.waste_kg == 2.0
    assert outcome.fill_rate == pytest.approx(2 / 7)
    assert _simulate("rule", demand, np.full((1, 7), 10.0), params).units_wasted == 0  # no shelf life given


def test_oldest_units_sell_first_so_a_daily_top_up_wastes_nothing():
    demand = np.full((1, 20), 1.0)
    params = ReplenishmentParams(lead_time_days=0, review_period_days=1, pack_size=1, service_level=0.5)
    outcome = _simulate("daily", demand, np.full((1, 20), 3.0), params, Perishability.uniform(1, 3, 1.0))
    # Newest-first selling would leave the first units to age out; FIFO sells each unit by day 2.
    assert outcome.units_wasted == 0 and outcome.fill_rate == 1.0


def test_leaner_policy_wastes_less_food_than_a_generous_cover_rule():
    history, demand, forecast, lower, upper = _poisson_world()
    params = ReplenishmentParams(lead_time_days=1, review_period_days=1, pack_size=1, service_level=0.95)
    days = demand.shape[1] - params.protection_days + 1
    shelf = Perishability(np.resize(np.array([2, 5]), demand.shape[0]), np.full(demand.shape[0], 0.4))
    comparison = lowest_service_level_matching(
        history, demand[:, :days], forecast, lower, upper, params, cover_days=6, perishability=shelf
    )
    assert comparison.simple_rule.waste_kg > comparison.recommended.waste_kg >= 0
    assert comparison.waste_kg_avoided == pytest.approx(
        comparison.simple_rule.waste_kg - comparison.recommended.waste_kg
    )
    assert comparison.simple_rule.waste_kg == pytest.approx(comparison.simple_rule.units_wasted * 0.4)
