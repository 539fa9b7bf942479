"""Names and domain errors of replenishment: the simulation job, the suggestion event."""

from __future__ import annotations

from smartdist.problems import Unprocessable

SIMULATION_JOB = "forecast.inventory_simulation"
SUGGESTED_EVENT = "smartdist.forecast.replenishment.suggested"


class NoForecast(Unprocessable):
    type_slug = "unprocessable"

    def __init__(self) -> None:
        super().__init__(
            "no forecast yet: POST /api/v1/training-runs first",
            errors=[{"loc": ["body"], "message": "the tenant has no published forecast"}],
        )
