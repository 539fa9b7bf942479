"""HTTP for the stateless optimiser. The lead mounts `router` under /api/v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from smartdist.auth import Principal, require_roles
from smartdist_dispatch.optimize.schemas import OptimizeRequest, OptimizeResponse
from smartdist_dispatch.optimize.service import optimize

router = APIRouter(tags=["optimize"])


@router.post("/optimize", response_model=OptimizeResponse)
def post_optimize(
    request: OptimizeRequest,
    principal: Annotated[Principal, require_roles("dispatcher", "integrator")],
) -> OptimizeResponse:
    """Solve a vehicle-routing problem with time windows and capacities, statelessly."""
    # A plain `def` endpoint runs in the worker thread pool: the solve never blocks the event loop.
    return optimize(request)
