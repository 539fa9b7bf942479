"""Edge schemas of the board: strict requests (extra="forbid") and the answers its pages read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartdist_dispatch.fleet.schemas import MAX_ID, RowId

Instant = Annotated[str, Field(description="RFC 3339 time with its offset")]
# A stored time window, [start, end] as RFC 3339 strings (one schema that OpenAPI 3.0 and 3.1 both read).
WindowOut = Annotated[list[str], Field(min_length=2, max_length=2)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RushRequest(Request):
    order_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="One created order to insert")
    order_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, min_length=1, max_length=50, description="Several created orders, all inserted or none"
    )
    plan_date: dt.date | None = Field(default=None, description="Whose published routes; today (Asia/Taipei) if absent")

    @model_validator(mode="after")
    def one_way(self) -> RushRequest:
        if (self.order_id is None) == (self.order_ids is None):
            raise ValueError("give order_id or order_ids")
        return self

    def ids(self) -> list[int]:
        return [self.order_id] if self.order_id is not None else list(self.order_ids or [])


class ReplanRequest(Request):
    exclude_vehicle_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=500, description="Vehicles out of service (broken down)"
    )
    time_limit_s: int = Field(default=5, ge=1, le=60)


class UsualRoute(Request):
    vehicle_id: RowId
    order_nos: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=5000, description="The orders in the merchant's usual visiting order"
    )


class BaselineRequest(Request):
    routes: list[UsualRoute] | None = Field(
        default=None,
        max_length=500,
        description="The merchant's usual routes for the plan's orders; none = the daily baseline",
    )


# --- answers -----------------------------------------------------------------------------------


class RushRoute(BaseModel):
    route_id: int
    plan_id: int
    vehicle_code: str
    revision: int
    order_nos: list[str] = Field(description="The orders inserted into this route")
    positions: dict[str, int] = Field(description="Each inserted order's stop number on the route")
    distance_m: int
    notice: str = Field(description="The notice the driver gets (zh-TW)")


class RushAnswer(BaseModel):
    plan_date: dt.date
    routes: list[RushRoute]


class Violation(BaseModel):
    kind: str
    order_no: str | None
    detail: str


class BaselineStop(BaseModel):
    order_no: str
    arrival_s: int = Field(description="Seconds from local midnight of the plan day")


class BaselineRoute(BaseModel):
    vehicle_id: int
    vehicle_code: str
    distance_m: int
    duration_s: int
    stops: list[BaselineStop]


class BaselineAnswer(BaseModel):
    plan_id: int
    baseline_source: Literal["hand_plan", "daily_baseline"] | None
    baseline_distance_m: int | None
    planned_distance_m: int
    saved_m: int
    co2e_kg: float = Field(description="kg CO2e the plan saves against the baseline")
    # Only for a hand plan: how it was judged.
    feasible: bool | None = None
    duration_s: int | None = None
    violations: list[Violation] | None = None
    routes: list[BaselineRoute] | None = None


class DriverRef(BaseModel):
    id: int
    code: str
    name: str


class DepotRef(BaseModel):
    id: int
    code: str
    name: str
    lat: float
    lng: float


class Position(BaseModel):
    lat: float
    lng: float
    recorded_at: Instant


class Progress(BaseModel):
    done: int
    total: int


class BoardStop(BaseModel):
    id: int
    seq: int
    order_id: int
    order_no: str
    customer: str
    address: str
    lat: float
    lng: float
    status: str
    eta: Instant
    time_windows: list[WindowOut]
    completed_at: Instant | None
    reason_code: str | None
    forecast_eta: Instant | None = Field(description="From the last position, now; published routes only")
    late_risk: bool
    late_by_s: int


class BoardRoute(BaseModel):
    id: int
    plan_id: int
    plan_status: str
    seq: int
    vehicle_id: int
    vehicle_code: str
    vehicle_kind: str
    driver: DriverRef | None
    status: str
    revision: int
    distance_m: int
    duration_s: int
    started_at: Instant | None
    completed_at: Instant | None
    progress: Progress
    late_risk: int = Field(description="Stops at risk of missing their window")
    depot: DepotRef
    position: Position | None
    stops: list[BoardStop]


class BoardPlan(BaseModel):
    id: int
    status: str
    depot_id: int
    total_distance_m: int
    baseline_distance_m: int | None


class BoardDay(BaseModel):
    date: dt.date
    now: Instant
    plans: list[BoardPlan]
    routes: list[BoardRoute]


class LiveStop(BaseModel):
    seq: int
    order_no: str
    customer: str
    lat: float
    lng: float
    status: str
    eta: Instant
    late_risk: bool


class LiveRoute(BaseModel):
    id: int
    plan_id: int
    seq: int
    vehicle_code: str
    driver: DriverRef | None
    status: str
    revision: int
    depot: DepotRef
    position: Position | None
    progress: Progress
    stops: list[LiveStop]


class LiveDay(BaseModel):
    date: dt.date
    routes: list[LiveRoute]


class ExceptionBase(BaseModel):
    stop_id: int
    route_id: int
    plan_date: dt.date
    vehicle_code: str
    driver: str | None
    order_no: str
    customer: str
    completed_at: Instant | None


class FailedStop(ExceptionBase):
    kind: Literal["failed"]
    reason_code: str
    note: str


class CashMismatch(ExceptionBase):
    kind: Literal["cash_mismatch"]
    expected_twd: int
    collected_twd: int | None
    difference_twd: int


class LateDelivery(ExceptionBase):
    kind: Literal["late"]
    late_by_s: int
    window_end: Instant | None


class Exceptions(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    counts: dict[str, int]
    items: list[Annotated[FailedStop | CashMismatch | LateDelivery, Field(discriminator="kind")]]


class AnalyticsRow(BaseModel):
    key: str = Field(description="The day, vehicle code or driver code ('' for routes nobody drove)")
    name: str | None = Field(None, description="The driver's name (group_by=driver); null otherwise")
    routes: int
    stops: int
    delivered: int
    failed: int
    success_rate: float | None
    on_time_rate: float | None
    distance_m: int
    duration_s: int
    exceptions: dict[str, int] = Field(description="Failed stops per reason code")


class Analytics(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    group_by: Literal["day", "vehicle", "driver"]
    items: list[AnalyticsRow]
