"""Planning the day as a background job: read the rows, solve outside any transaction, store."""

from __future__ import annotations

from typing import Any

from smartdist.jobs import JobContext, job_task
from smartdist_dispatch.planning.model import RELOAD, Plan
from smartdist_dispatch.planning.selection import plan_routes
from smartdist_dispatch.routes.schemas import PlanRequest
from smartdist_dispatch.routes.service import PLAN_JOB, due_planning_input, store_plan

SOLVE_FROM, STORE_FROM = 0.05, 0.95


@job_task(PLAN_JOB)
def run_plan_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    request = PlanRequest.model_validate(params)
    # Stages and their share of the bar: reading the rows and the travel-time matrix (0-5%), the
    # solver on its clock (5-95%), storing the plan (95-100%). Messages are catalog keys.
    ctx.progress(0.0, "dispatch.progress.reading", force=True)
    with ctx.tenant_transaction() as session:
        source = due_planning_input(session, request)
    problem = source.problem
    ctx.progress(
        SOLVE_FROM, "dispatch.progress.matrix", force=True, stops=len(problem.stops), vehicles=len(problem.vehicles)
    )
    # The solve holds no transaction: it may run for a minute while orders keep arriving. "auto"
    # takes PyVRP for stored orders (capacities in grams and millilitres are scaled for it, see
    # planning/pyvrp_engine.py) and OR-Tools where PyVRP does not model a constraint.
    plan = plan_routes(
        problem,
        request.time_limit_s,
        engine="auto",
        progress=lambda f: ctx.progress(
            SOLVE_FROM + f * (STORE_FROM - SOLVE_FROM), "dispatch.progress.solving", seconds=request.time_limit_s
        ),
    )
    ctx.progress(STORE_FROM, "dispatch.progress.storing", force=True, routes=len(plan.routes))
    reloads = {r.vehicle_id: sum(1 for v in r.visits if v.stop_id == RELOAD) for r in plan.routes}
    plan = without_reloads(plan)
    with ctx.tenant_transaction() as session:
        row = store_plan(session, source, plan, request.plan_date, tenant_id=ctx.tenant_id)
        plan_id = row.id
    return {
        "plan_id": plan_id,
        "routes": [
            {
                "vehicle_code": r.vehicle_id,
                "order_nos": [v.stop_id for v in r.visits],
                "distance_m": round(r.distance),
                "duration_s": round(r.duration),
                "reloads": reloads.get(r.vehicle_id, 0),
            }
            for r in plan.routes
        ],
        "unassigned": [{"order_no": u.stop_id, "reason": str(u.reason)} for u in plan.unassigned],
    }


def without_reloads(plan: Plan) -> Plan:
    """The plan with its reload visits left out: stored routes hold orders only.

    The ETAs of the orders after a reload already include the trip back to the depot, so the
    stored schedule stays the planned one; the reload itself is reported in the job's result.
    """
    for route in plan.routes:
        route.visits = [v for v in route.visits if v.stop_id != RELOAD]
    return plan
