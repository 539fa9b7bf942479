"""The KPI-1 evidence job: replay the last weeks of a tenant's history under both policies.

A model is trained (with its back-tested band) only on data before the replayed weeks; its
lags-≥-28-days forecasts are what a planner would have had on each review day. The result's
``kpi_extra()`` is what the KPI log record (doc_type ``inventory_simulation``, status
``simulated``) carries for the KPI summary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smartdist_forecast.modelling.global_lgbm import GlobalDemandModel
from smartdist_forecast.modelling.panel import DemandPanel
from smartdist_forecast.modelling.training import TrainingOptions, run_training
from smartdist_forecast.replenishment.policy import ReplenishmentParams
from smartdist_forecast.replenishment.simulation import (
    Perishability,
    PolicyComparison,
    compare_policies,
    lowest_service_level_matching,
)

REPLAY_DAYS = 84


@dataclass(frozen=True)
class ReplayResult:
    at_target: PolicyComparison  # the merchant's chosen service level
    cheapest_matching: PolicyComparison  # lowest service level with fill rate ≥ the rule's
    replay_days: int
    first_day: str

    def kpi_extra(self) -> dict[str, float | int | str | bool]:
        """Fields of the inventory_simulation KPI record (like-for-like: no worse fill rate)."""
        chosen = self.cheapest_matching
        return {
            "avg_on_hand_rule": round(chosen.simple_rule.average_on_hand, 3),
            "avg_on_hand_policy": round(chosen.recommended.average_on_hand, 3),
            "fill_rate_rule": round(chosen.simple_rule.fill_rate, 5),
            "fill_rate_policy": round(chosen.recommended.fill_rate, 5),
            "service_level": chosen.service_level,
            "cover_days": chosen.cover_days,
            "inventory_cut": round(chosen.inventory_cut, 4),
            "fill_rate_not_worse": chosen.fill_rate_not_worse,
            "replay_days": self.replay_days,
            "first_day": self.first_day,
            # Food waste (kg) of each policy at that same service level, and what the policy saves.
            "waste_kg_rule": round(chosen.simple_rule.waste_kg, 3),
            "waste_kg_policy": round(chosen.recommended.waste_kg, 3),
            "waste_kg_avoided": round(chosen.waste_kg_avoided, 3),
            "units_wasted_rule": round(chosen.simple_rule.units_wasted, 1),
            "units_wasted_policy": round(chosen.recommended.units_wasted, 1),
        }


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
    panel: DemandPanel, replay_days: int = REPLAY_DAYS, options: TrainingOptions | None = None
) -> ReplayForecast:
    start = panel.n_days - replay_days
    if start < 28 + 2 * 28:
        raise ValueError("not enough history before the replayed weeks")
    known = panel.truncated(start)
    outcome = run_training(known, options or TrainingOptions(horizon_days=28, baselines=()))
    model = GlobalDemandModel.from_text(outcome.artefact.model_text)
    forecast = model.lagged_forecast(panel, start, replay_days)
    lower, upper = outcome.artefact.band().apply(forecast)
    return ReplayForecast(panel, start, replay_days, forecast, lower, upper)


def replay_policies(
    prepared: ReplayForecast,
    params: ReplenishmentParams,
    cover_days: float,
    perishability: Perishability | None = None,
) -> ReplayResult:
    if prepared.replay_days <= params.protection_days:
        raise ValueError("replay must be longer than lead time + review period")
    panel, start = prepared.panel, prepared.start
    history = panel.demand[:, :start]
    days = prepared.replay_days - params.protection_days + 1
    demand = panel.demand[:, start : start + days]
    arrays = (prepared.forecast, prepared.lower, prepared.upper)
    return ReplayResult(
        at_target=compare_policies(history, demand, *arrays, params, cover_days, perishability),
        cheapest_matching=lowest_service_level_matching(
            history, demand, *arrays, params, cover_days, perishability=perishability
        ),
        replay_days=days,
        first_day=panel.date_at(start).date().isoformat(),
    )


def replay_on_history(
    panel: DemandPanel,
    params: ReplenishmentParams,
    cover_days: float,
    replay_days: int = REPLAY_DAYS,
    options: TrainingOptions | None = None,
    perishability: Perishability | None = None,
) -> ReplayResult:
    """Train before the replayed weeks, then simulate both policies over them."""
    return replay_policies(prepare_replay(panel, replay_days, options), params, cover_days, perishability)
