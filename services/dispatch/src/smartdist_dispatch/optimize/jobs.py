"""`/optimize` as a background job: same request, answered through GET /api/v1/jobs/{id}."""

from __future__ import annotations

import time
from typing import Any

from smartdist.jobs import JobContext, job_task
from smartdist_dispatch.optimize.schemas import OptimizeRequest
from smartdist_dispatch.optimize.service import OPTIMIZE_JOB, build_problem, render_plan
from smartdist_dispatch.planning.selection import plan_routes


@job_task(OPTIMIZE_JOB)
def run_optimize_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Solve with progress reported from the solver's clock; the result is the contract's response."""
    started = time.perf_counter()
    request = OptimizeRequest.model_validate(params)
    problem, job_ids, vehicle_ids = build_problem(request)
    seconds = request.time_limit_s
    ctx.progress(0.0, "dispatch.progress.solving", force=True, seconds=seconds)
    plan = plan_routes(
        problem, seconds, progress=lambda f: ctx.progress(f, "dispatch.progress.solving", seconds=seconds)
    )
    response = render_plan(plan, job_ids, vehicle_ids, time.perf_counter() - started, problem)
    return response.model_dump(mode="json", exclude_none=True)
