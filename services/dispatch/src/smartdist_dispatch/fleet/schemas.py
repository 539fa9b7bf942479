"""Edge schemas of depots, vehicles and drivers: strict input (extra="forbid"), plain output."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DepotIn(Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    lat: Latitude
    lng: Longitude
    address: str = Field("", max_length=400)


class DepotPatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    lat: Latitude | None = None
    lng: Longitude | None = None
    address: str | None = Field(None, max_length=400)


class DepotOut(BaseModel):
    id: int
    code: str
    name: str
    lat: float
    lng: float
    address: str


class VehicleFields(Strict):
    """Shared checks of a new vehicle and of a changed one (the shift must end after it starts)."""

    @model_validator(mode="after")
    def _shift_ends_after_start(self) -> VehicleFields:
        start, end = getattr(self, "shift_start", None), getattr(self, "shift_end", None)
        if start is not None and end is not None and end <= start:
            raise ValueError("shift_end must be after shift_start")
        return self


class VehicleIn(VehicleFields):
    code: str = Field(min_length=1, max_length=40)
    kind: Literal["van", "scooter"]
    capacity_weight_kg: float = Field(ge=0)
    capacity_volume_l: float = Field(ge=0)
    capacity_boxes: int = Field(ge=0)
    shift_start: time = time(8, 0)
    shift_end: time = time(18, 0)
    fixed_cost_twd: int = Field(0, ge=0)
    depot_id: int | None = Field(None, ge=1)


class VehiclePatch(VehicleFields):
    kind: Literal["van", "scooter"] | None = None
    capacity_weight_kg: float | None = Field(None, ge=0)
    capacity_volume_l: float | None = Field(None, ge=0)
    capacity_boxes: int | None = Field(None, ge=0)
    shift_start: time | None = None
    shift_end: time | None = None
    fixed_cost_twd: int | None = Field(None, ge=0)
    depot_id: int | None = Field(None, ge=1)


class VehicleOut(BaseModel):
    id: int
    code: str
    kind: str
    capacity_weight_kg: float
    capacity_volume_l: float
    capacity_boxes: int
    shift_start: time
    shift_end: time
    fixed_cost_twd: int
    depot_id: int | None


class DriverIn(Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field("", max_length=40)
    user_subject: str | None = Field(None, min_length=1, max_length=200)
    vehicle_id: int | None = Field(None, ge=1, description="The vehicle this driver usually drives.")


class DriverPatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=40)
    user_subject: str | None = Field(None, min_length=1, max_length=200)
    vehicle_id: int | None = Field(None, ge=1, description="The vehicle this driver usually drives.")


class DriverOut(BaseModel):
    id: int
    code: str
    name: str
    phone: str
    user_subject: str | None
    vehicle_id: int | None
