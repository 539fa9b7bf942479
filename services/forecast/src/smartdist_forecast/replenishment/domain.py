"""Names, pure rules and domain errors of replenishment: the simulation job, the suggestion event,
how the KPI-1 figures are compared."""

from __future__ import annotations

import math

from smartdist.problems import Unprocessable

SIMULATION_JOB = "forecast.inventory_simulation"
SUGGESTED_EVENT = "smartdist.forecast.replenishment.suggested"


def fill_rate_tenths(fill_rate: float) -> int:
    """A fill rate in tenths of a percent, rounded half up: 0.99996 → 1000 (shown "100.0%")."""
    return math.floor(float(fill_rate) * 1000 + 0.5 + 1e-9)


def fill_rate_percent(fill_rate: float) -> float:
    """The fill rate as shown to people: a percentage with one decimal (99.96% → 100.0)."""
    return fill_rate_tenths(fill_rate) / 10


def fill_rate_not_worse(policy: float, rule: float) -> bool:
    """KPI 1's "no worse fill rate", judged at the precision shown (0.1 percentage point), so the
    verdict never contradicts the two percentages beside it (100.0% vs 100.0% is not worse)."""
    return fill_rate_tenths(policy) >= fill_rate_tenths(rule)


def inventory_cut(rule_on_hand: float, policy_on_hand: float) -> float:
    """1 − policy / rule average on-hand stock; 0 when the rule holds nothing (nothing to cut)."""
    if rule_on_hand <= 0:
        return 0.0
    return 1.0 - policy_on_hand / rule_on_hand


class NoForecast(Unprocessable):
    type_slug = "unprocessable"

    def __init__(self) -> None:
        super().__init__(
            "no forecast yet: POST /api/v1/training-runs first",
            code="forecast.replenishment.no_forecast",
            errors=[
                {
                    "loc": ["body"],
                    "code": "forecast.replenishment.no_forecast",
                    "message": "the tenant has no published forecast",
                }
            ],
        )
