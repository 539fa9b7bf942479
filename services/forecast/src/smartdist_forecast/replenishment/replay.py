"""The KPI-1 evidence job: replay the last weeks of a tenant's history under both policies.

A model is trained (with its back-tested band) only on data before the replayed weeks; its
lags-≥-28-days forecasts are what a planner would have had on each review day. Only the store ×
SKU series that sold through the replayed weeks and the 4 weeks before them are replayed (a
product whose sales ended years earlier, or that started last week, has no demand to compare
on; a few missing days count as no demand); the others are counted and named as left out.
The result's ``kpi_extra()`` is what the KPI log record (doc_type ``inventory_simulation``,
status ``simulated``) carries for the KPI summary, ``products()`` the per-series table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from smartdist_forecast.modelling.global_lgbm import GlobalDemandModel
from smartdist_forecast.modelling.panel import DemandPanel
from smartdist_forecast.modelling.training import TrainingOptions, run_training
from smartdist_forecast.replenishment.domain import fill_rate_not_worse, fill_rate_percent, inventory_cut
from smartdist_forecast.replenishment.policy import ReplenishmentParams
from smartdist_forecast.replenishment.simulation import (
    Perishability,
    PolicyComparison,
    compare_policies,
    lowest_service_level_matching,
)

REPLAY_DAYS = 84
# A series is replayed when a sales row exists on at least this share of the replayed days and
# of the 28 days before them (the rule's average); missing days inside count as no demand.
MIN_KNOWN_SHARE = 0.9
# Left-out series named in the result (their count is always given).
LEFT_OUT_NAMED = 20


class NothingToReplay(ValueError):
    """No series sold through the replayed weeks."""


@dataclass(frozen=True)
class ReplayResult:
    at_target: PolicyComparison  # the merchant's chosen service level
    cheapest_matching: PolicyComparison  # lowest service level with fill rate ≥ the rule's
    replay_days: int
    first_day: str
    last_day: str
    params: ReplenishmentParams
    stores: np.ndarray  # the replayed series
    skus: np.ndarray
    left_out: list[tuple[str, str]]
    left_out_count: int

    def kpi_extra(self) -> dict[str, float | int | str | bool]:
        """Fields of the inventory_simulation KPI record (like-for-like: no worse fill rate).

        The cut and the verdict are derived from the rounded figures stored beside them, so the
        record, the page and the KPI summary can never disagree.
        """
        chosen, target = self.cheapest_matching, self.at_target
        rule_on_hand = round(chosen.simple_rule.average_on_hand, 3)
        policy_on_hand = round(chosen.recommended.average_on_hand, 3)
        fill_rule = round(chosen.simple_rule.fill_rate, 5)
        fill_policy = round(chosen.recommended.fill_rate, 5)
        return {
            "avg_on_hand_rule": rule_on_hand,
            "avg_on_hand_policy": policy_on_hand,
            "fill_rate_rule": fill_rule,
            "fill_rate_policy": fill_policy,
            "fill_rate_rule_pct": fill_rate_percent(fill_rule),
            "fill_rate_policy_pct": fill_rate_percent(fill_policy),
            "units_lost_rule": round(chosen.simple_rule.units_lost, 1),
            "units_lost_policy": round(chosen.recommended.units_lost, 1),
            "units_demanded": round(chosen.simple_rule.units_demanded, 1),
            "service_level": chosen.service_level,
            "target_service_level": target.service_level,
            "avg_on_hand_target": round(target.recommended.average_on_hand, 3),
            "fill_rate_target": round(target.recommended.fill_rate, 5),
            "fill_rate_target_pct": fill_rate_percent(round(target.recommended.fill_rate, 5)),
            "waste_kg_target": round(target.recommended.waste_kg, 3),
            "cover_days": chosen.cover_days,
            "lead_time_days": self.params.lead_time_days,
            "review_days": self.params.review_period_days,
            "pack_size": self.params.pack_size,
            "inventory_cut": round(inventory_cut(rule_on_hand, policy_on_hand), 4),
            "fill_rate_not_worse": fill_rate_not_worse(fill_policy, fill_rule),
            "replay_days": self.replay_days,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "run_in_days": chosen.run_in_days,
            "measured_days": chosen.measured_days,
            "series_simulated": len(self.skus),
            "series_left_out": self.left_out_count,
            # Food waste (kg) of each policy at that same service level, and what the policy saves.
            "waste_kg_rule": round(chosen.simple_rule.waste_kg, 3),
            "waste_kg_policy": round(chosen.recommended.waste_kg, 3),
            "waste_kg_avoided": round(chosen.waste_kg_avoided, 3),
            "units_wasted_rule": round(chosen.simple_rule.units_wasted, 1),
            "units_wasted_policy": round(chosen.recommended.units_wasted, 1),
        }

    def products(self) -> list[dict[str, float | str]]:
        """Per store × SKU over the measured days, the policy at the like-for-like service level."""
        rule, policy = self.cheapest_matching.simple_rule, self.cheapest_matching.recommended
        rows: list[dict[str, float | str]] = []
        for i, (store, sku) in enumerate(zip(self.stores, self.skus, strict=True)):
            rule_on_hand = round(float(rule.series_on_hand[i]), 3)
            policy_on_hand = round(float(policy.series_on_hand[i]), 3)
            rows.append(
                {
                    "store": str(store),
                    "sku": str(sku),
                    "avg_on_hand_rule": rule_on_hand,
                    "avg_on_hand_policy": policy_on_hand,
                    "inventory_cut": round(inventory_cut(rule_on_hand, policy_on_hand), 4),
                    "fill_rate_rule_pct": fill_rate_percent(float(rule.series_fill_rate[i])),
                    "fill_rate_policy_pct": fill_rate_percent(float(policy.series_fill_rate[i])),
                    "waste_kg_rule": round(float(rule.series_waste_kg[i]), 3),
                    "waste_kg_policy": round(float(policy.series_waste_kg[i]), 3),
                }
            )
        return rows


@dataclass(frozen=True)
class ReplayForecast:
    """Forecasts and bands for the replayed weeks, from a model fitted before them."""

    panel: DemandPanel
    start: int
    replay_days: int
    forecast: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def prepare_replay(
    panel: DemandPanel,
    replay_days: int = REPLAY_DAYS,
    options: TrainingOptions | None = None,
    progress: Callable[..., None] | None = None,
) -> ReplayForecast:
    start = panel.n_days - replay_days
    if start < 28 + 2 * 28:
        raise ValueError("not enough history before the replayed weeks")
    known = panel.truncated(start)
    outcome = run_training(known, options or TrainingOptions(horizon_days=28, baselines=()), progress)
    model = GlobalDemandModel.from_text(outcome.artefact.model_text)
    forecast = model.lagged_forecast(panel, start, replay_days)
    lower, upper = outcome.artefact.band().apply(forecast)
    return ReplayForecast(panel, start, replay_days, forecast, lower, upper)


def replayable_series(demand: np.ndarray, start: int, days: int) -> np.ndarray:
    """Rows with a sales row on ≥ MIN_KNOWN_SHARE of the 28 days before ``start`` and of the replayed days."""
    before = np.isfinite(demand[:, start - 28 : start]).mean(axis=1)
    during = np.isfinite(demand[:, start : start + days]).mean(axis=1)
    rows: np.ndarray = np.flatnonzero((before >= MIN_KNOWN_SHARE) & (during >= MIN_KNOWN_SHARE))
    return rows


def replay_policies(
    prepared: ReplayForecast,
    params: ReplenishmentParams,
    cover_days: float,
    perishability: Perishability | None = None,
) -> ReplayResult:
    if prepared.replay_days <= 2 * params.protection_days:
        raise ValueError("replay must be longer than twice lead time + review period")
    panel, start = prepared.panel, prepared.start
    days = prepared.replay_days - params.protection_days + 1
    rows = replayable_series(panel.demand, start, days)
    if rows.size == 0:
        raise NothingToReplay("no store × product sold through the replayed weeks")
    history = panel.demand[rows, :start]
    demand = panel.demand[rows, start : start + days]
    arrays = (prepared.forecast[rows], prepared.lower[rows], prepared.upper[rows])
    shelf = None if perishability is None else perishability.select(rows)
    left = np.setdiff1d(np.arange(panel.n_series), rows)
    return ReplayResult(
        at_target=compare_policies(history, demand, *arrays, params, cover_days, shelf),
        cheapest_matching=lowest_service_level_matching(
            history, demand, *arrays, params, cover_days, perishability=shelf
        ),
        replay_days=days,
        first_day=panel.date_at(start).date().isoformat(),
        last_day=panel.date_at(start + days - 1).date().isoformat(),
        params=params,
        stores=panel.stores[rows],
        skus=panel.skus[rows],
        left_out=[(str(panel.stores[i]), str(panel.skus[i])) for i in left[:LEFT_OUT_NAMED]],
        left_out_count=int(left.size),
    )


def replay_on_history(
    panel: DemandPanel,
    params: ReplenishmentParams,
    cover_days: float,
    replay_days: int = REPLAY_DAYS,
    options: TrainingOptions | None = None,
    perishability: Perishability | None = None,
    progress: Callable[..., None] | None = None,
) -> ReplayResult:
    """Train before the replayed weeks, then simulate both policies over them."""
    return replay_policies(prepare_replay(panel, replay_days, options, progress), params, cover_days, perishability)
