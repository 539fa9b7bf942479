"""HTTP for the stateless optimiser. The lead mounts `router` under /api/v1.

`POST /optimize` answers synchronously (the SPEC §4.A contract); `POST /optimize/jobs` takes the
same body and answers 202 with a job id, for solves longer than a client wants to hold a request;
`POST /optimize/evaluate` is plan mode: the same problem plus hand-drawn routes, judged as drawn.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from smartdist.auth import Principal, require_roles
from smartdist.web.deps import DbSession
from smartdist_dispatch.optimize.schemas import EvaluateRequest, EvaluateResponse, OptimizeRequest, OptimizeResponse
from smartdist_dispatch.optimize.service import evaluate, optimize, submit_optimize_job
from smartdist_dispatch.routes.schemas import JobAccepted

router = APIRouter(tags=["optimize"])

Planner = Annotated[Principal, require_roles("dispatcher", "integrator")]


@router.post("/optimize", response_model=OptimizeResponse, response_model_exclude_none=True)
def post_optimize(request: OptimizeRequest, principal: Planner) -> OptimizeResponse:
    """Solve a vehicle-routing problem with time windows and capacities, statelessly."""
    # A plain `def` endpoint runs in the worker thread pool: the solve never blocks the event loop.
    return optimize(request)


@router.post("/optimize/jobs", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted)
def post_optimize_job(request: OptimizeRequest, session: DbSession, principal: Planner) -> JobAccepted:
    """Solve in the background; poll GET /api/v1/jobs/{job_id} for progress and the response."""
    return JobAccepted(job_id=submit_optimize_job(session, request, created_by=principal.subject))


@router.post("/optimize/evaluate", response_model=EvaluateResponse)
def post_evaluate(request: EvaluateRequest, principal: Planner) -> EvaluateResponse:
    """Plan mode: ETAs, distance and every violated constraint of routes drawn by hand."""
    return evaluate(request)
