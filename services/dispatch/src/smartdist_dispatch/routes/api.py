"""HTTP for stored plans: plan the day (a job), list and read plans, publish one to the drivers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, status

from smartdist.auth import Principal, require_roles
from smartdist.pagination import Cursor, Limit, Page
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_dispatch.routes.schemas import JobAccepted, PlanDetail, PlanRequest, PlanSummary, PublishRequest
from smartdist_dispatch.routes.service import plan_detail, plan_page, publish_plan, submit_plan

router = APIRouter(tags=["plans"])

Dispatcher = Annotated[Principal, require_roles("dispatcher")]


@router.post("/plans", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted)
def post_plan(request: PlanRequest, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
    """Plan the tenant's created orders onto the depot's vehicles; poll GET /api/v1/jobs/{job_id}.

    A retry with the same Idempotency-Key answers the first job id and starts nothing new.
    """
    if idem.replay is not None:
        return idem.replay
    return idem.save(202, JobAccepted(job_id=submit_plan(session, request, created_by=principal.subject)))


@router.get("/plans", response_model=Page[PlanSummary])
def list_plans(session: DbSession, principal: Dispatcher, limit: Limit = 50, cursor: Cursor = None) -> Any:
    """The tenant's plans, oldest first."""
    return plan_page(session, limit=limit, cursor=cursor)


@router.get("/plans/{plan_id}", response_model=PlanDetail)
def get_plan(plan_id: IntId, session: DbSession, principal: Dispatcher) -> dict[str, Any]:
    """One plan with its routes, each with its stops in driving order and their ETAs."""
    return plan_detail(session, plan_id)


@router.post("/plans/{plan_id}/publish", response_model=PlanDetail)
def post_publish(
    plan_id: IntId,
    session: DbSession,
    principal: Dispatcher,
    idem: IdempotencyDep,
    body: Annotated[PublishRequest | None, Body()] = None,
) -> Any:
    """Give each route to its driver and send it to their phone; logs the planning-time KPI.

    Without an assignment a route goes to the driver whose usual vehicle is the route's; a route
    with no driver at all is a 422 naming it, and nothing is published.
    """
    if idem.replay is not None:
        return idem.replay
    pairs = [(a.route_id, a.driver_id) for a in body.assignments] if body is not None else []
    return idem.save(200, publish_plan(session, plan_id, tenant_id=str(principal.tenant_id), assignments=pairs))
