"""JSON endpoints (mounted under /api/v1): live changes, the board's reads, analytics, the baseline plan."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, status
from starlette.responses import Response

from smartdist.auth import Principal, require_roles
from smartdist.exports import attachment
from smartdist.problems import Unprocessable
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_dispatch.board.domain import today
from smartdist_dispatch.board.repository import GroupBy, analytics, board_day, exceptions, live_day
from smartdist_dispatch.board.schemas import (
    Analytics,
    BaselineAnswer,
    BaselineRequest,
    BoardDay,
    Exceptions,
    LiveDay,
    ReplanRequest,
    RushAnswer,
    RushRequest,
)
from smartdist_dispatch.board.service import analytics_csv, insert_rush_orders, set_baseline, submit_replan
from smartdist_dispatch.routes.schemas import JobAccepted

router = APIRouter(tags=["dispatcher board"])

Dispatcher = Annotated[Principal, require_roles("dispatcher")]
Day = Annotated[date | None, Query(alias="date", description="YYYY-MM-DD; today in Asia/Taipei if left out")]
From = Annotated[date | None, Query(alias="from", description="First plan day (YYYY-MM-DD); today if left out")]
To = Annotated[date | None, Query(alias="to", description="Last plan day; the first one if left out")]


def _range(start: date | None, end: date | None) -> tuple[date, date]:
    start, end = start or today(), end or start or today()
    if end < start:
        raise Unprocessable(
            "The range ends before it starts.", errors=[{"loc": ["query", "to"], "message": "to is before from"}]
        )
    if (end - start).days > 366:
        raise Unprocessable(
            "At most a year at a time.", errors=[{"loc": ["query", "to"], "message": "range longer than 366 days"}]
        )
    return start, end


@router.post("/routes/rush-orders", response_model=RushAnswer)
def post_rush_orders(body: RushRequest, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
    """Insert created orders into today's published routes; reached stops stay fixed; 422 if none fits."""
    if idem.replay is not None:
        return idem.replay
    answer = insert_rush_orders(session, body.ids(), tenant_id=str(principal.tenant_id), day=body.plan_date)
    return idem.save(200, answer)


@router.post("/plans/{plan_id}/replan", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted)
def post_replan(
    plan_id: IntId,
    session: DbSession,
    principal: Dispatcher,
    idem: IdempotencyDep,
    body: Annotated[ReplanRequest | None, Body()] = None,
) -> Any:
    """Re-plan the stops not yet reached of a published plan as a job; poll GET /api/v1/jobs/{job_id}."""
    if idem.replay is not None:
        return idem.replay
    request = body or ReplanRequest()
    job_id = submit_replan(
        session, plan_id, request.exclude_vehicle_ids, request.time_limit_s, created_by=principal.subject
    )
    return idem.save(202, JobAccepted(job_id=job_id))


@router.put("/plans/{plan_id}/baseline", response_model=BaselineAnswer, response_model_exclude_unset=True)
def put_baseline(
    plan_id: IntId, session: DbSession, principal: Dispatcher, body: Annotated[BaselineRequest | None, Body()] = None
) -> dict[str, Any]:
    """The merchant's usual plan for the same orders, judged on the same matrix: CO2e reference."""
    routes = [(r.vehicle_id, r.order_nos) for r in body.routes] if body and body.routes else None
    return set_baseline(session, plan_id, routes)


@router.get("/board", response_model=BoardDay)
def get_board(session: DbSession, principal: Dispatcher, day: Day = None) -> dict[str, Any]:
    """The day's routes: driver, vehicle, status, progress, stops with ETAs and late-risk stops."""
    return board_day(session, day or today())


@router.get("/live", response_model=LiveDay)
def get_live(session: DbSession, principal: Dispatcher, day: Day = None) -> dict[str, Any]:
    """For the map: each published route's depot, stops with status, and the last position."""
    return live_day(session, day or today())


@router.get("/exceptions", response_model=Exceptions)
def get_exceptions(session: DbSession, principal: Dispatcher, start: From = None, end: To = None) -> dict[str, Any]:
    """Failed stops with their reason, cash mismatches and late deliveries of plans in [from, to]."""
    return exceptions(session, *_range(start, end))


@router.get(
    "/analytics",
    response_model=Analytics,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV"}},
)
def get_analytics(
    session: DbSession,
    principal: Dispatcher,
    start: From = None,
    end: To = None,
    group_by: GroupBy = "day",
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the query's name
) -> Any:
    """Per day, vehicle or driver: routes, stops, success and on-time rates, distance, duration, exceptions."""
    result = analytics(session, *_range(start, end), group_by)
    if format == "csv":
        name = f"dispatch-analytics-{group_by}-{result['from']}-{result['to']}.csv"
        return Response(analytics_csv(result), media_type="text/csv; charset=utf-8", headers=attachment(name))
    return result
