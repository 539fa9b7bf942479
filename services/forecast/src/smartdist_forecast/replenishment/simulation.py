"""Replaying history to compare the recommended policy with the merchant's simple rule.

Day by day for every store × SKU: receive what arrives today, place an order on review days,
sell min(stock, demand) and lose the rest (a shopper facing an empty shelf leaves). Both policies
see the same demand, lead time, review days and packs. Reported: average on-hand stock (end of
day) and fill rate (units sold / units demanded) — the evidence for KPI 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np

from smartdist_forecast.replenishment.policy import (
    ReplenishmentParams,
    daily_sigma_from_band,
)


@dataclass(frozen=True)
class Perishability:
    """How long each series' product keeps (days it can be sold, from arrival) and what a unit weighs."""

    shelf_life_days: np.ndarray  # (n_series,) int ≥ 1
    unit_kg: np.ndarray  # (n_series,) float

    @classmethod
    def uniform(cls, n_series: int, shelf_life_days: int, unit_kg: float) -> Perishability:
        return cls(np.full(n_series, int(shelf_life_days)), np.full(n_series, float(unit_kg)))


@dataclass(frozen=True)
class PolicyOutcome:
    policy: str
    average_on_hand: float  # units per series per day, end of day
    fill_rate: float
    stockout_days: int
    units_demanded: float
    units_lost: float
    units_wasted: float = 0.0  # spoiled on the shelf (past shelf life), FIFO selling
    waste_kg: float = 0.0

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


@dataclass(frozen=True)
class PolicyComparison:
    simple_rule: PolicyOutcome
    recommended: PolicyOutcome
    service_level: float
    cover_days: float
    inventory_cut: float  # 1 - recommended / simple average on-hand
    fill_rate_not_worse: bool

    @property
    def waste_kg_avoided(self) -> float:
        return max(0.0, self.simple_rule.waste_kg - self.recommended.waste_kg)

    def as_dict(self) -> dict[str, object]:
        return {
            "simple_rule": self.simple_rule.as_dict(),
            "recommended": self.recommended.as_dict(),
            "service_level": self.service_level,
            "cover_days": self.cover_days,
            "inventory_cut": self.inventory_cut,
            "fill_rate_not_worse": self.fill_rate_not_worse,
        }


def _sell_oldest_first(cohorts: np.ndarray, sold: np.ndarray) -> None:
    """Take ``sold`` units per series out of ``cohorts`` (column = age in days), oldest first, in place."""
    oldest_first = cohorts[:, ::-1]
    older = np.cumsum(oldest_first, axis=1) - oldest_first
    oldest_first -= np.clip(sold[:, None] - older, 0.0, oldest_first)


def _simulate(
    name: str,
    demand: np.ndarray,
    target_level: np.ndarray,
    params: ReplenishmentParams,
    perishability: Perishability | None = None,
) -> PolicyOutcome:
    """``target_level[i, t]`` is the order-up-to level the policy sets on day t (review days used).

    Stock is kept as cohorts by age. With ``perishability``, a unit that arrived on day t can be
    sold up to day t + shelf life - 1 and is thrown away at the end of that day; the shop sells
    the oldest units first (FIFO), which is what staff are told to do with fresh food.
    """
    n_series, n_days = demand.shape
    if perishability is None:
        ages, spoil_age = 1, None  # one bucket: nothing ever ages out
    else:
        ages = int(min(perishability.shelf_life_days.max(), n_days + 1))
        spoil_age = np.maximum(perishability.shelf_life_days.astype(np.int64), 1) - 1
    expired = None if spoil_age is None else np.arange(ages)[None, :] >= spoil_age[:, None]
    cohorts = np.zeros((n_series, ages))
    cohorts[:, 0] = np.ceil(target_level[:, 0])  # both policies start at their own level
    arriving = np.zeros((n_series, n_days + params.lead_time_days + 1))
    on_order = np.zeros(n_series)
    on_hand_sum = 0.0
    sold_total = 0.0
    lost_total = 0.0
    wasted = np.zeros(n_series)
    stockout_days = 0
    for t in range(n_days):
        cohorts[:, 0] += arriving[:, t]
        on_order -= arriving[:, t]
        if t % params.review_period_days == 0:
            shortfall = target_level[:, t] - (cohorts.sum(axis=1) + on_order)
            orders = np.ceil(np.maximum(shortfall, 0.0) / params.pack_size - 1e-9) * params.pack_size
            arriving[:, t + params.lead_time_days] += orders
            on_order += orders
            if params.lead_time_days == 0:  # same-day delivery lands before the shop opens
                cohorts[:, 0] += arriving[:, t]
                on_order -= arriving[:, t]
                arriving[:, t] = 0.0
        today = np.nan_to_num(demand[:, t])
        sold = np.minimum(cohorts.sum(axis=1), today)
        _sell_oldest_first(cohorts, sold)
        lost = today - sold
        if expired is not None:
            wasted += (cohorts * expired).sum(axis=1)
            cohorts[expired] = 0.0
            cohorts[:, 1:] = cohorts[:, :-1].copy()
            cohorts[:, 0] = 0.0
        on_hand_sum += float(cohorts.sum())
        sold_total += float(sold.sum())
        lost_total += float(lost.sum())
        stockout_days += int((lost > 0).sum())
    demanded = sold_total + lost_total
    return PolicyOutcome(
        policy=name,
        average_on_hand=on_hand_sum / (n_series * n_days),
        fill_rate=sold_total / demanded if demanded > 0 else 1.0,
        stockout_days=stockout_days,
        units_demanded=demanded,
        units_lost=lost_total,
        units_wasted=float(wasted.sum()),
        waste_kg=0.0 if perishability is None else float((wasted * perishability.unit_kg).sum()),
    )


def recommended_levels(
    forecast: np.ndarray, lower: np.ndarray, upper: np.ndarray, params: ReplenishmentParams
) -> np.ndarray:
    """Order-up-to level per series and day from forecasts covering each day's protection period.

    ``forecast[:, t]`` must be a forecast of day t made without seeing day t's week (e.g. the
    global model's lags ≥ 28 days) and the arrays must extend protection_days - 1 days past the
    simulated period.
    """
    days = params.protection_days
    n_days = forecast.shape[1] - days + 1
    if n_days < 1:
        raise ValueError("forecast must cover at least one protection period")
    sigma = daily_sigma_from_band(lower, upper)
    zero = np.zeros((forecast.shape[0], 1))
    mean_sums = np.concatenate([zero, np.cumsum(forecast, axis=1)], axis=1)
    variance_sums = np.concatenate([zero, np.cumsum(np.square(sigma), axis=1)], axis=1)
    expected = mean_sums[:, days : days + n_days] - mean_sums[:, :n_days]
    variance = variance_sums[:, days : days + n_days] - variance_sums[:, :n_days]
    z = NormalDist().inv_cdf(params.service_level)
    # Same formula as order_up_to_level, for every day at once.
    levels: np.ndarray = expected + z * np.sqrt(np.maximum(variance, 0.0))
    return levels


def simple_rule_levels(history: np.ndarray, demand: np.ndarray, cover_days: float) -> np.ndarray:
    """The merchant's rule on each day: N days × the average of the previous 28 days' sales.

    ``history`` is the 28+ days before the simulated period, ``demand`` the period itself.
    """
    series = np.concatenate([history[:, -28:], demand], axis=1)
    filled = np.nan_to_num(series)
    cumulative = np.concatenate([np.zeros((series.shape[0], 1)), np.cumsum(filled, axis=1)], axis=1)
    n_days = demand.shape[1]
    # Day t of the period is column 28 + t; its average covers columns t .. t+27 (the 4 weeks before).
    averages = (cumulative[:, 28 : 28 + n_days] - cumulative[:, 0:n_days]) / 28.0
    levels: np.ndarray = cover_days * averages
    return levels


def compare_policies(
    history: np.ndarray,
    demand: np.ndarray,
    forecast: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    params: ReplenishmentParams,
    cover_days: float,
    perishability: Perishability | None = None,
) -> PolicyComparison:
    """Simulate both policies over ``demand`` (n_series, n_days); see ``recommended_levels``."""
    n_days = demand.shape[1]
    simple = _simulate("simple_rule", demand, simple_rule_levels(history, demand, cover_days), params, perishability)
    levels = recommended_levels(forecast, lower, upper, params)[:, :n_days]
    recommended = _simulate("recommended", demand, levels, params, perishability)
    return PolicyComparison(
        simple_rule=simple,
        recommended=recommended,
        service_level=params.service_level,
        cover_days=cover_days,
        inventory_cut=1.0 - recommended.average_on_hand / simple.average_on_hand if simple.average_on_hand else 0.0,
        fill_rate_not_worse=recommended.fill_rate >= simple.fill_rate - 1e-12,
    )


def lowest_service_level_matching(
    history: np.ndarray,
    demand: np.ndarray,
    forecast: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    params: ReplenishmentParams,
    cover_days: float,
    levels: tuple[float, ...] = (
        0.5,
        0.6,
        0.7,
        0.75,
        0.8,
        0.85,
        0.9,
        0.925,
        0.95,
        0.96,
        0.97,
        0.98,
        0.99,
        0.995,
        0.998,
        0.999,
    ),
    perishability: Perishability | None = None,
) -> PolicyComparison:
    """The cheapest service-level target whose simulated fill rate is not worse than the rule's.

    This is the like-for-like comparison for KPI 1 (inventory cut at no worse fill rate); if no
    level reaches the rule's fill rate, the comparison at the highest level is returned with
    ``fill_rate_not_worse`` False.
    """
    comparison: PolicyComparison | None = None
    for level in levels:
        trial = ReplenishmentParams(params.lead_time_days, params.review_period_days, params.pack_size, level)
        comparison = compare_policies(history, demand, forecast, lower, upper, trial, cover_days, perishability)
        if comparison.fill_rate_not_worse:
            return comparison
    assert comparison is not None
    return comparison
