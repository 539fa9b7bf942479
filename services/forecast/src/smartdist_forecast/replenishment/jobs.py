"""The ``forecast.inventory_simulation`` job: replay the tenant's history, log the KPI-1 evidence.

Nothing but one KPI record is stored (doc_type ``inventory_simulation``, doc_no the job id,
status ``simulated``, extra = the replay's ``kpi_extra()``, with the food waste in kg of both
policies), which the KPI summary reads. Shelf life and unit weight come from ``product_profile``
or the service defaults.
"""

from __future__ import annotations

from typing import Any

from smartdist.jobs import JobContext, job_task
from smartdist_forecast.replenishment.domain import SIMULATION_JOB
from smartdist_forecast.replenishment.service import record_simulation, simulate, simulation_inputs


@job_task(SIMULATION_JOB)
def simulate_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.progress(0.0, "loading sales", force=True)
    with ctx.tenant_transaction() as session:
        panel, perishability = simulation_inputs(session)
    ctx.progress(0.05, "replaying history", force=True)
    figures = simulate(panel, perishability, params)
    with ctx.tenant_transaction() as session:
        record_simulation(session, ctx.job_id, figures)
    return figures
