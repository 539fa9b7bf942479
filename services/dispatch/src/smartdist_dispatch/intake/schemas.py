"""Request and answer of the broker's capacity check (`POST /api/v1/own-fleet/capacity-checks`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)


class CapacityCheckIn(BaseModel):
    """One trip the broker would offer the own fleet for: the drop-off, when (None: now) and what."""

    model_config = ConfigDict(extra="forbid")

    dropoff: Point
    scheduled_at: AwareDatetime | None = None
    weight_kg: float = Field(0, ge=0, le=100_000, allow_inf_nan=False)
    volume_l: float = Field(0, ge=0, le=1_000_000, allow_inf_nan=False)
    boxes: int = Field(1, ge=0, le=10_000)


class CapacityCheckOut(BaseModel):
    """`can_take`, else a stable `reason_code` (no_vehicle, no_driver, no_depot, capacity,
    shift_over, time_window) and its text; the van and arrival when it can."""

    model_config = ConfigDict(from_attributes=True)

    can_take: bool
    reason_code: str | None = None
    reason: str = ""
    vehicle_code: str | None = None
    arrival: datetime | None = None
    window_start: datetime
    window_end: datetime
