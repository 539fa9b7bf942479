"""Edge schemas of the driver's actions: strict, with the phone's own time of each action."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from smartdist_dispatch.driver.domain import REASON_CODES

ReasonCode = Literal["damaged", "refused", "nobody_home", "address_wrong", "closed", "other"]
assert set(REASON_CODES) == set(ReasonCode.__args__)  # type: ignore[attr-defined]


Instant = Annotated[str, Field(description="RFC 3339 time with its offset")]
WindowOut = Annotated[list[str], Field(min_length=2, max_length=2)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Occurred(Strict):
    occurred_at: AwareDatetime = Field(
        description="When it happened on the phone (RFC 3339 with offset): actions may be synced long after."
    )


class ArriveIn(Occurred):
    pass


class DeliverIn(Occurred):
    recipient_name: str = Field("", max_length=200, description="Who took the goods.")
    cash_collected_twd: int | None = Field(
        None, ge=0, le=10_000_000, description="Cash taken, TWD; required when the order has cash to collect."
    )
    note: str = Field("", max_length=1000)


class FailIn(Occurred):
    reason_code: ReasonCode
    note: str = Field("", max_length=1000, description="Required when reason_code is other.")


class BreadcrumbIn(Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)
    accuracy_m: float | None = Field(None, ge=0, le=100_000, allow_inf_nan=False)
    recorded_at: AwareDatetime


class AcceptedBreadcrumbs(BaseModel):
    accepted: int
    duplicates: int
    last_recorded_at: dt.datetime | None


class ProofOut(BaseModel):
    """A stored signature or photo (read off its row)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    stop_id: int
    kind: Literal["signature", "photo"]
    content_type: str
    size_bytes: int
    sha256: str
    taken_at: dt.datetime | None


class NoticeOut(BaseModel):
    """A route change told to the driver (read off its row)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    route_id: int
    kind: str = Field(description="rush_inserted, replanned or stop_removed")
    message: str
    revision: int
    created_at: dt.datetime | None
    acknowledged_at: dt.datetime | None


class StopOut(BaseModel):
    id: int
    route_id: int
    seq: int
    order_id: int
    order_no: str
    customer_name: str
    phone: str
    address: str
    lat: float
    lng: float
    time_windows: list[WindowOut]
    eta: Instant | None
    cash_to_collect_twd: int
    notes: str
    boxes: int
    status: str
    arrived_at: Instant | None
    completed_at: Instant | None
    reason_code: str | None
    note: str
    recipient_name: str
    cash_collected_twd: int | None
    cash_exception: bool
    proofs: list[ProofOut]


class RouteState(BaseModel):
    id: int
    status: str
    revision: int
    started_at: Instant | None
    completed_at: Instant | None


class StopAnswer(StopOut):
    route: RouteState | None = None
    replayed: bool = Field(description="The stop was already so: nothing changed")


class DepotOut(BaseModel):
    code: str
    name: str
    lat: float
    lng: float


class DriverRef(BaseModel):
    id: int
    code: str
    name: str


class DriverRoute(BaseModel):
    id: int
    plan_id: int
    plan_date: dt.date
    seq: int
    status: str
    revision: int
    vehicle_code: str | None
    distance_m: int
    duration_s: int
    started_at: Instant | None
    completed_at: Instant | None
    depot: DepotOut | None
    stops: list[StopOut]
    notices: list[NoticeOut] = Field(description="Changes not yet acknowledged")


class TodaysRoutes(BaseModel):
    date: dt.date
    driver: DriverRef
    routes: list[DriverRoute]
