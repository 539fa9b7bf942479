"""The edge of plan requests."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from smartdist_dispatch.fleet.schemas import RowId

Instant = Annotated[str, Field(description="RFC 3339 time with its offset")]


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_date: dt.date
    depot_id: RowId | None = Field(
        None, description="The depot whose vehicles drive; left out: the tenant's depot when it has only one"
    )
    time_limit_s: int = Field(default=10, ge=1, le=60)
    balance_workload: bool = Field(False, description="Spread the stops evenly between the vehicles")


class RouteAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route_id: RowId = Field(description="A route of the plan being published.")
    driver_id: RowId = Field(description="The driver who drives it.")


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignments: list[RouteAssignment] = Field(
        default_factory=list,
        max_length=500,
        description="Who drives which route; a route left out goes to the driver whose usual vehicle is the route's.",
    )


class JobAccepted(BaseModel):
    job_id: str = Field(description="Poll GET /api/v1/jobs/{job_id} for progress and the result")


class PlanSummary(BaseModel):
    id: int
    plan_date: dt.date
    depot_id: int
    status: str = Field(description="planned, published or superseded")
    created_at: Instant
    published_at: Instant | None
    total_distance_m: int
    total_duration_s: int
    orders_ready_at: Instant | None = Field(description="The earliest planned order's creation")
    elapsed_s: float | None = Field(description="Orders ready -> published: the planning-time KPI")


class PlannedStop(BaseModel):
    id: int
    seq: int
    order_id: int
    order_no: str
    eta: Instant
    status: str


class PlannedRoute(BaseModel):
    id: int
    seq: int
    vehicle_id: int
    vehicle_code: str | None
    distance_m: int
    duration_s: int
    driver_id: int | None
    status: str
    revision: int
    stops: list[PlannedStop]


class PlanDetail(PlanSummary):
    routes: list[PlannedRoute]
