"""The edge of plan requests."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_date: date
    depot_id: int = Field(ge=1)
    time_limit_s: int = Field(default=10, ge=1, le=60)
    balance_workload: bool = Field(False, description="Spread the stops evenly between the vehicles")


class RouteAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route_id: int = Field(ge=1, description="A route of the plan being published.")
    driver_id: int = Field(ge=1, description="The driver who drives it.")


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignments: list[RouteAssignment] = Field(
        default_factory=list,
        max_length=500,
        description="Who drives which route; a route left out goes to the driver whose usual vehicle is the route's.",
    )
