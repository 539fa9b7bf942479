"""JSON endpoints (mounted under /api/v1): live changes, the board's reads, analytics, the baseline plan."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import Response

from smartdist.auth import Principal, require_roles
from smartdist.jobs import submit_job
from smartdist.problems import Unprocessable
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_dispatch.board.baseline import set_baseline
from smartdist_dispatch.board.live import REPLAN_JOB, insert_rush_orders, start_replan, today
from smartdist_dispatch.board.queries import GroupBy, analytics, analytics_csv, board_day, exceptions, live_day

router = APIRouter(tags=["dispatcher board"])

Dispatcher = Annotated[Principal, require_roles("dispatcher")]


class RushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: int | None = Field(default=None, ge=1, description="One created order to insert")
    order_ids: list[int] | None = Field(
        default=None, min_length=1, max_length=50, description="Several created orders, all inserted or none"
    )
    plan_date: date | None = Field(default=None, description="Whose published routes; today (Asia/Taipei) if absent")

    @model_validator(mode="after")
    def one_way(self) -> RushRequest:
        if (self.order_id is None) == (self.order_ids is None):
            raise ValueError("give order_id or order_ids")
        return self

    def ids(self) -> list[int]:
        return [self.order_id] if self.order_id is not None else list(self.order_ids or [])


class ReplanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exclude_vehicle_ids: list[int] = Field(default_factory=list, description="Vehicles out of service (broken down)")
    time_limit_s: int = Field(default=5, ge=1, le=60)


class UsualRoute(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: int = Field(ge=1)
    order_nos: list[str] = Field(min_length=1, description="The orders in the merchant's usual visiting order")


class BaselineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    routes: list[UsualRoute] | None = Field(
        default=None, description="The merchant's usual routes for the plan's orders; none = the daily baseline"
    )


def _day(value: date | None) -> date:
    return value or today()


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


@router.post("/routes/rush-orders")
def post_rush_orders(body: RushRequest, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
    """Insert created orders into today's published routes; reached stops stay fixed; 422 if none fits."""
    if idem.replay is not None:
        return idem.replay
    answer = insert_rush_orders(session, body.ids(), tenant_id=str(principal.tenant_id), day=body.plan_date)
    return idem.save(200, answer)


@router.post("/plans/{plan_id}/replan", status_code=status.HTTP_202_ACCEPTED)
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
    start_replan(session, plan_id, request.exclude_vehicle_ids)
    params = {"plan_id": plan_id} | request.model_dump(mode="json")
    return idem.save(202, {"job_id": submit_job(session, REPLAN_JOB, params, created_by=principal.subject)})


@router.put("/plans/{plan_id}/baseline")
def put_baseline(
    plan_id: IntId, session: DbSession, principal: Dispatcher, body: Annotated[BaselineRequest | None, Body()] = None
) -> dict[str, Any]:
    """The merchant's usual plan for the same orders, judged on the same matrix: CO2e reference."""
    routes = [(r.vehicle_id, r.order_nos) for r in body.routes] if body and body.routes else None
    return set_baseline(session, plan_id, routes)


@router.get("/board")
def get_board(
    session: DbSession, principal: Dispatcher, day: Annotated[date | None, Query(alias="date")] = None
) -> dict[str, Any]:
    """The day's routes: driver, vehicle, status, progress, stops with ETAs and late-risk stops."""
    return board_day(session, _day(day))


@router.get("/live")
def get_live(
    session: DbSession, principal: Dispatcher, day: Annotated[date | None, Query(alias="date")] = None
) -> dict[str, Any]:
    """For the map: each published route's depot, stops with status, and the last position."""
    return live_day(session, _day(day))


@router.get("/exceptions")
def get_exceptions(
    session: DbSession,
    principal: Dispatcher,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Failed stops with their reason, cash mismatches and late deliveries of plans in [from, to]."""
    return exceptions(session, *_range(start, end))


@router.get("/analytics", response_model=None)
def get_analytics(
    session: DbSession,
    principal: Dispatcher,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    group_by: GroupBy = "day",
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the query's name
) -> dict[str, Any] | Response:
    """Per day, vehicle or driver: routes, stops, success and on-time rates, distance, duration, exceptions."""
    result = analytics(session, *_range(start, end), group_by)
    if format == "csv":
        name = f"dispatch-analytics-{group_by}-{result['from']}-{result['to']}.csv"
        return Response(
            analytics_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return result
