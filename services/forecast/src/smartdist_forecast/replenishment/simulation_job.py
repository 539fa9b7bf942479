"""The ``forecast.inventory_simulation`` job: replay the tenant's history, log the KPI-1 evidence.

Nothing but one KPI record is stored (doc_type ``inventory_simulation``, doc_no the job id,
status ``simulated``, extra = the replay's ``kpi_extra()``, with the food waste in kg of both
policies), which the KPI summary reads. Shelf life and unit weight come from ``product_profile``
or the service defaults (see ``products``).
"""

from __future__ import annotations

from typing import Any

from smartdist.jobs import JobContext, job_task
from smartdist.kpi import record
from smartdist.problems import Unprocessable
from smartdist_forecast.kpi import SIMULATION
from smartdist_forecast.models.training import demand_panel
from smartdist_forecast.replenishment.policy import ReplenishmentParams
from smartdist_forecast.replenishment.products import perishability_for
from smartdist_forecast.replenishment.replay import replay_on_history
from smartdist_forecast.sales.storage import tenant_demand_inputs

SIMULATION_JOB = "forecast.inventory_simulation"


@job_task(SIMULATION_JOB)
def simulate(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.progress(0.0, "loading sales", force=True)
    with ctx.tenant_transaction() as session:
        sales, online = tenant_demand_inputs(session)
        panel = demand_panel(sales, online) if not sales.empty else None
        perishability = perishability_for(session, panel.skus) if panel is not None else None
    if panel is None:
        raise Unprocessable("no sales imported yet: POST /api/v1/sales/import first")
    ctx.progress(0.05, "replaying history", force=True)
    try:
        policy = ReplenishmentParams(
            lead_time_days=int(params["lead_time_days"]),
            review_period_days=int(params["review_days"]),
            service_level=float(params["service_level"]),
        )
        result = replay_on_history(panel, policy, float(params["cover_days"]), perishability=perishability)
    except ValueError as exc:
        # Too little history before the replayed weeks: the merchant's data, not a crash.
        raise Unprocessable(f"cannot simulate on the imported sales: {exc}") from exc
    figures = result.kpi_extra()
    with ctx.tenant_transaction() as session:
        record(
            session,
            service="forecast",
            doc_type=SIMULATION,
            doc_no=ctx.job_id,
            status="simulated",
            sender="forecast.inventory_simulation",
            **figures,
        )
    return figures
