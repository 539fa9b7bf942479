"""Background job of the board: re-planning a published plan's stops not yet reached."""

from __future__ import annotations

from typing import Any

from smartdist.db import utcnow
from smartdist.jobs import JobContext, job_task
from smartdist.problems import NotFound
from smartdist_dispatch.board.service import REPLAN_JOB, read_live_day, store_replan
from smartdist_dispatch.planning.selection import plan_routes
from smartdist_dispatch.routes.models import RoutePlan


@job_task(REPLAN_JOB)
def run_replan_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    plan_id = int(params["plan_id"])
    exclude = frozenset(int(v) for v in params.get("exclude_vehicle_ids") or [])
    time_limit = float(params.get("time_limit_s") or 5)
    ctx.progress(0.0, "dispatch.progress.reading_routes", force=True)
    now = utcnow()
    with ctx.tenant_transaction() as session:
        plan = session.get(RoutePlan, plan_id)
        if plan is None:
            raise NotFound(f"No plan {plan_id}.")
        day = plan.plan_date
        live = read_live_day(session, day, now=now, plan_id=plan_id, pending_as_stops=True, exclude_vehicle_ids=exclude)
        for order in live.orders.values():
            session.expunge(order)
    # The solve holds no transaction (see the service guide): stops may be done meanwhile.
    if live.problem.stops and live.problem.vehicles:
        ctx.progress(
            0.05,
            "dispatch.progress.matrix",
            force=True,
            stops=len(live.problem.stops),
            vehicles=len(live.problem.vehicles),
        )
        solved = plan_routes(
            live.problem,
            time_limit,
            engine="ortools",
            progress=lambda f: ctx.progress(0.05 + f * 0.85, "dispatch.progress.solving", seconds=round(time_limit)),
        )
        new_routes = {r.vehicle_id: r for r in solved.routes}
        unassigned = [(u.stop_id, str(u.reason)) for u in solved.unassigned]
    else:
        new_routes, unassigned = {}, [(s.id, "fleet_exhausted") for s in live.problem.stops]
    ctx.progress(0.9, "dispatch.progress.storing_routes", force=True)
    with ctx.tenant_transaction() as session:
        result = store_replan(session, live, new_routes, unassigned, tenant_id=ctx.tenant_id)
    result["plan_id"] = plan_id
    return result
