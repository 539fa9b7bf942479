"""Planning the day as a background job: read the rows, solve outside any transaction, store."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select

from smartdist.db import ScopedSession
from smartdist.jobs import JobContext, job_task
from smartdist.problems import Unprocessable
from smartdist_dispatch.fleet.models import Vehicle as VehicleRow
from smartdist_dispatch.orders.planning_input import for_plan_day, vehicle_day_rules
from smartdist_dispatch.planning.model import RELOAD, Plan
from smartdist_dispatch.planning.selection import plan_routes
from smartdist_dispatch.routes.schemas import PlanRequest
from smartdist_dispatch.routes.service import PlanningInput, planning_input, store_plan

PLAN_JOB = "dispatch.plan_day"


def due_planning_input(session: ScopedSession, request: PlanRequest) -> PlanningInput:
    """The depot's vehicles and the created orders due on the plan date; 422 when nothing is due.

    Only the orders due on the plan date (a window on that local day, or no window at all) are
    planned; orders of other days are left out and stay `created`.
    """
    source = planning_input(session, request.depot_id, request.plan_date)
    source.problem = for_plan_day(source.problem, request.plan_date)
    # The day plan takes each vehicle's break, working time and trips, and the workload balance.
    rows = {v.code: v for v in session.scalars(select(VehicleRow).where(VehicleRow.code.in_(source.vehicle_ids)))}
    source.problem = dataclasses.replace(
        source.problem,
        vehicles=[
            dataclasses.replace(v, **vehicle_day_rules(rows[v.id], request.plan_date)) if v.id in rows else v
            for v in source.problem.vehicles
        ],
        balance_workload=request.balance_workload,
    )
    if not source.problem.stops:
        raise Unprocessable(
            f"No created orders are due on {request.plan_date.isoformat()}.",
            errors=[{"loc": ["body", "plan_date"], "message": "no created orders due on this date"}],
        )
    return source


@job_task(PLAN_JOB)
def run_plan_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    request = PlanRequest.model_validate(params)
    ctx.progress(0.0, "reading orders", force=True)
    with ctx.tenant_transaction() as session:
        source = due_planning_input(session, request)
    # The solve holds no transaction: it may run for a minute while orders keep arriving. "auto"
    # takes PyVRP for stored orders (capacities in grams and millilitres are scaled for it, see
    # planning/pyvrp_engine.py) and OR-Tools where PyVRP does not model a constraint.
    plan = plan_routes(
        source.problem, request.time_limit_s, engine="auto", progress=lambda f: ctx.progress(f * 0.95, "solving")
    )
    ctx.progress(0.95, "storing the plan", force=True)
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
