"""The ``forecast.inventory_simulation`` job: replay the tenant's history, log the KPI-1 evidence.

Nothing but one KPI record is stored (doc_type ``inventory_simulation``, doc_no the job id,
status ``simulated``, extra = the replay's ``kpi_extra()``, with the food waste in kg of both
policies), which the KPI summary reads; the job's result adds the per-product table. Shelf life
and unit weight come from ``product_profile`` or the service defaults. Progress messages are
catalog keys (``forecast.progress.simulation.*``), shown in the reader's language.
"""

from __future__ import annotations

from typing import Any

from smartdist.jobs import JobContext, job_task
from smartdist.problems import Problem
from smartdist.web.i18n import keyed_message
from smartdist_forecast.replenishment.domain import SIMULATION_JOB
from smartdist_forecast.replenishment.service import record_simulation, simulate, simulation_inputs

# Shares of the run: loading the sales, training the replay's model (most of it), simulating.
LOADED, TRAINED = 0.05, 0.85


@job_task(SIMULATION_JOB)
def simulate_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.progress(0.0, "forecast.progress.simulation.loading", force=True)
    with ctx.tenant_transaction() as session:
        panel, perishability = simulation_inputs(session)
    ctx.progress(LOADED, "forecast.progress.simulation.training", force=True)

    def training(fraction: float, stage: str = "", **params: int) -> None:
        # The training run's own stage is not shown: here it is one step of the simulation.
        if fraction >= 1.0:
            ctx.progress(TRAINED, "forecast.progress.simulation.replaying", force=True)
        else:
            ctx.progress(LOADED + (TRAINED - LOADED) * fraction, "forecast.progress.simulation.training")

    try:
        figures = simulate(panel, perishability, params, progress=training)
    except Problem as exc:
        # The job keeps the problem's text as its error: store the catalog key with its values, so
        # the job status API says it in the reader's language (the English detail otherwise).
        if exc.code:
            exc.detail = keyed_message(f"problem.{exc.code}", **exc.params)
        raise
    ctx.progress(0.95, "forecast.progress.simulation.storing", force=True)
    with ctx.tenant_transaction() as session:
        record_simulation(session, ctx.job_id, figures)
    return figures
