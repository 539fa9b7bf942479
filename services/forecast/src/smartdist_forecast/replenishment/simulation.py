"""Replaying history to compare the recommended policy with the merchant's simple rule.

Both policies are periodic review, order-up-to: on every review day (day 0, R, 2R, ...) the shop
orders whole packs to bring its inventory position (on hand + on order) up to the policy's level
S for that day; an order placed on day t arrives before the shop opens on day t + L. They differ
only in S:

- the merchant's rule: N days × the average daily demand of the 28 days before the review day;
- the recommended policy: the forecast over the protection period (L + R days) + z(service level)
  × its standard deviation (from the forecast's calibrated 80% band).

Each day, for every store × SKU: receive what arrives, order on review days, sell min(stock,
demand) oldest units first (FIFO) and lose the rest (a shopper facing an empty shelf leaves), then
throw away the units that reached the end of their shelf life (a unit arriving on day t can be
sold up to day t + shelf life − 1). Both policies see the same demand, lead time, review days,
packs and shelf lives, and each starts on day 0 holding its own day-0 level (fresh, nothing on
order). The first L + R days are a run-in — until the first order placed in the replay has
arrived, stock still reflects that invented start — and are not counted: every figure (average
on-hand stock at the end of the day, fill rate = units sold / units demanded, waste) is over the
measured days after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from smartdist_forecast.replenishment.domain import fill_rate_not_worse, inventory_cut
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

    def select(self, rows: np.ndarray) -> Perishability:
        return Perishability(self.shelf_life_days[rows], self.unit_kg[rows])


@dataclass(frozen=True)
class Trajectory:
    """One policy's day-by-day replay, each array (n_series, n_days)."""

    on_hand: np.ndarray  # end of day, after the spoiled units are thrown away
    demand: np.ndarray
    sold: np.ndarray
    lost: np.ndarray
    wasted: np.ndarray  # units thrown away at the end of the day (past shelf life)
    ordered: np.ndarray  # placed that morning
    received: np.ndarray  # arrived that morning


@dataclass(frozen=True)
class PolicyOutcome:
    """A policy's figures over the measured days (the run-in left out)."""

    policy: str
    average_on_hand: float  # units per series per day, end of day
    fill_rate: float
    stockout_days: int
    units_demanded: float
    units_lost: float
    units_wasted: float = 0.0  # spoiled on the shelf (past shelf life), FIFO selling
    waste_kg: float = 0.0
    # Per series over the same days: average on hand, fill rate, waste in kg.
    series_on_hand: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)
    series_fill_rate: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)
    series_waste_kg: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)

    def as_dict(self) -> dict[str, float | int | str]:
        return {
            "policy": self.policy,
            "average_on_hand": self.average_on_hand,
            "fill_rate": self.fill_rate,
            "stockout_days": self.stockout_days,
            "units_demanded": self.units_demanded,
            "units_lost": self.units_lost,
            "units_wasted": self.units_wasted,
            "waste_kg": self.waste_kg,
        }


@dataclass(frozen=True)
class PolicyComparison:
    simple_rule: PolicyOutcome
    recommended: PolicyOutcome
    service_level: float
    cover_days: float
    run_in_days: int
    measured_days: int

    @property
    def inventory_cut(self) -> float:
        """1 − recommended / rule average on-hand stock (0 when the rule holds nothing)."""
        return inventory_cut(self.simple_rule.average_on_hand, self.recommended.average_on_hand)

    @property
    def fill_rate_not_worse(self) -> bool:
        """At the precision shown (0.1 percentage point), see ``domain.fill_rate_not_worse``."""
        return fill_rate_not_worse(self.recommended.fill_rate, self.simple_rule.fill_rate)

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


def _packs(quantity: np.ndarray, pack_size: int) -> np.ndarray:
    packs: np.ndarray = np.ceil(np.maximum(quantity, 0.0) / pack_size - 1e-9) * pack_size
    return packs


def simulate_policy(
    demand: np.ndarray,
    target_level: np.ndarray,
    params: ReplenishmentParams,
    perishability: Perishability | None = None,
) -> Trajectory:
    """Replay one policy day by day; ``target_level[i, t]`` is its order-up-to level on day t
    (read on review days only). ``demand`` NaN (a day without a sales row) counts as no demand.

    Stock is kept as cohorts by age in days. Without ``perishability`` nothing ever spoils.
    """
    n_series, n_days = demand.shape
    lead, review = params.lead_time_days, params.review_period_days
    if perishability is None:
        shelf = np.full(n_series, n_days + 1, dtype=np.int64)
    else:
        shelf = np.maximum(perishability.shelf_life_days.astype(np.int64), 1)
    # A unit of age a (0 on its arrival day) is thrown away at the end of the day a == shelf - 1.
    ages = int(min(int(shelf.max()), n_days + 1))
    expires = np.arange(ages)[None, :] >= (shelf - 1)[:, None]
    cohorts = np.zeros((n_series, ages))
    cohorts[:, 0] = _packs(target_level[:, 0], params.pack_size)  # each policy starts at its own level
    pipeline = np.zeros((n_series, n_days + lead + 1))
    out = {name: np.zeros((n_series, n_days)) for name in ("on_hand", "sold", "lost", "wasted", "ordered", "received")}
    today_demand = np.nan_to_num(demand, nan=0.0)
    for t in range(n_days):
        arriving = pipeline[:, t].copy()
        cohorts[:, 0] += arriving
        if t % review == 0:
            on_order = pipeline[:, t + 1 :].sum(axis=1)
            orders = _packs(target_level[:, t] - (cohorts.sum(axis=1) + on_order), params.pack_size)
            out["ordered"][:, t] = orders
            if lead == 0:  # same-day delivery lands before the shop opens
                cohorts[:, 0] += orders
                arriving += orders
            else:
                pipeline[:, t + lead] += orders
        out["received"][:, t] = arriving
        sold = np.minimum(cohorts.sum(axis=1), today_demand[:, t])
        _sell_oldest_first(cohorts, sold)
        out["sold"][:, t] = sold
        out["lost"][:, t] = today_demand[:, t] - sold
        out["wasted"][:, t] = (cohorts * expires).sum(axis=1)
        cohorts[expires] = 0.0
        out["on_hand"][:, t] = cohorts.sum(axis=1)
        cohorts[:, 1:] = cohorts[:, :-1].copy()  # the oldest column is empty: it just expired or can't be reached
        cohorts[:, 0] = 0.0
    return Trajectory(demand=today_demand, **out)


def measure(
    name: str, trajectory: Trajectory, run_in_days: int, perishability: Perishability | None = None
) -> PolicyOutcome:
    """A policy's figures over the days after the run-in."""
    days = slice(run_in_days, None)
    on_hand, sold, lost = trajectory.on_hand[:, days], trajectory.sold[:, days], trajectory.lost[:, days]
    wasted = trajectory.wasted[:, days].sum(axis=1)
    n_series, n_days = on_hand.shape
    if n_days < 1:
        raise ValueError("no day left to measure after the run-in")
    demanded = sold.sum(axis=1) + lost.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        series_fill = np.where(demanded > 0, sold.sum(axis=1) / demanded, 1.0)
    unit_kg = np.zeros(n_series) if perishability is None else perishability.unit_kg
    total_demanded = float(demanded.sum())
    return PolicyOutcome(
        policy=name,
        average_on_hand=float(on_hand.mean()),
        fill_rate=float(sold.sum()) / total_demanded if total_demanded > 0 else 1.0,
        stockout_days=int((lost > 0).sum()),
        units_demanded=total_demanded,
        units_lost=float(lost.sum()),
        units_wasted=float(wasted.sum()),
        waste_kg=float((wasted * unit_kg).sum()),
        series_on_hand=on_hand.mean(axis=1),
        series_fill_rate=series_fill,
        series_waste_kg=wasted * unit_kg,
    )


def _simulate(
    name: str,
    demand: np.ndarray,
    target_level: np.ndarray,
    params: ReplenishmentParams,
    perishability: Perishability | None = None,
    run_in_days: int = 0,
) -> PolicyOutcome:
    return measure(name, simulate_policy(demand, target_level, params, perishability), run_in_days, perishability)


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
    run_in_days: int | None = None,
) -> PolicyComparison:
    """Simulate both policies over ``demand`` (n_series, n_days); see ``recommended_levels``.

    ``run_in_days`` defaults to lead time + review period (the first order's arrival).
    """
    n_days = demand.shape[1]
    run_in = params.protection_days if run_in_days is None else run_in_days
    if run_in >= n_days:
        raise ValueError("the replay must be longer than its run-in (lead time + review period)")
    rule_levels = simple_rule_levels(history, demand, cover_days)
    simple = _simulate("simple_rule", demand, rule_levels, params, perishability, run_in)
    levels = recommended_levels(forecast, lower, upper, params)[:, :n_days]
    recommended = _simulate("recommended", demand, levels, params, perishability, run_in)
    return PolicyComparison(
        simple_rule=simple,
        recommended=recommended,
        service_level=params.service_level,
        cover_days=cover_days,
        run_in_days=run_in,
        measured_days=n_days - run_in,
    )


SERVICE_LEVELS = (
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
    0.9995,
    0.9999,
)


def lowest_service_level_matching(
    history: np.ndarray,
    demand: np.ndarray,
    forecast: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    params: ReplenishmentParams,
    cover_days: float,
    levels: tuple[float, ...] = SERVICE_LEVELS,
    perishability: Perishability | None = None,
    run_in_days: int | None = None,
) -> PolicyComparison:
    """The cheapest service-level target whose simulated fill rate is not worse than the rule's.

    This is the like-for-like comparison for KPI 1 (inventory cut at no worse fill rate); if no
    level reaches the rule's fill rate, the comparison at the highest level is returned with
    ``fill_rate_not_worse`` False.
    """
    comparison: PolicyComparison | None = None
    for level in levels:
        trial = ReplenishmentParams(params.lead_time_days, params.review_period_days, params.pack_size, level)
        comparison = compare_policies(
            history, demand, forecast, lower, upper, trial, cover_days, perishability, run_in_days
        )
        if comparison.fill_rate_not_worse:
            return comparison
    assert comparison is not None
    return comparison
