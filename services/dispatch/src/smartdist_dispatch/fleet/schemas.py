"""Edge schemas of depots, vehicles and drivers: strict input (extra="forbid"), plain output."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

# The largest id a BIGINT column holds: a larger one is "no such row", never a database error.
MAX_ID = 2**63 - 1
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
# What the business allows a vehicle to carry and cost (a 35 t lorry is far beyond a city van).
MAX_CAPACITY_KG = 50_000
MAX_CAPACITY_L = 200_000
MAX_CAPACITY_BOXES = 100_000
MAX_FIXED_COST_TWD = 1_000_000
CapacityKg = Annotated[float, Field(ge=0, le=MAX_CAPACITY_KG, allow_inf_nan=False)]
CapacityL = Annotated[float, Field(ge=0, le=MAX_CAPACITY_L, allow_inf_nan=False)]
CapacityBoxes = Annotated[int, Field(ge=0, le=MAX_CAPACITY_BOXES)]
FixedCost = Annotated[int, Field(ge=0, le=MAX_FIXED_COST_TWD)]


def _local(moment: time) -> time:
    if moment.tzinfo is not None:
        raise ValueError("a local time (Asia/Taipei) without an offset, e.g. 08:00")
    return moment


# Shift and break times are wall-clock times of the depot's day, never instants with an offset.
LocalTime = Annotated[time, AfterValidator(_local)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Out(BaseModel):
    """An answer read straight off its table row."""

    model_config = ConfigDict(from_attributes=True)


class DepotIn(Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    lat: Latitude | None = Field(None, description="With lng; left out: the address is geocoded (when configured)")
    lng: Longitude | None = Field(None, description="With lat; left out: the address is geocoded (when configured)")
    address: str = Field("", max_length=400)

    @model_validator(mode="after")
    def _somewhere(self) -> DepotIn:
        if (self.lat is None) != (self.lng is None):
            raise ValueError("error.dispatch.order.both_coordinates")
        if self.lat is None and not self.address:
            raise ValueError("error.dispatch.order.no_place")
        return self


class DepotPatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    lat: Latitude | None = None
    lng: Longitude | None = None
    address: str | None = Field(None, max_length=400)


class DepotOut(Out):
    id: int
    code: str
    name: str
    lat: float
    lng: float
    address: str


def vehicle_rule_error(fields: dict[str, object]) -> tuple[str, str] | None:
    """The (field, message) of the first broken rule among a vehicle's values, or None.

    Shared by a new vehicle, a sheet row and a changed vehicle (checked on the merged row).
    """
    start, end = fields.get("shift_start"), fields.get("shift_end")
    if isinstance(start, time) and isinstance(end, time) and end <= start:
        return "shift_end", "shift_end must be after shift_start"
    b_start, b_end = fields.get("break_start"), fields.get("break_end")
    if (b_start is None) != (b_end is None):
        return ("break_end" if b_end is None else "break_start"), "give both break_start and break_end, or neither"
    if isinstance(b_start, time) and isinstance(b_end, time) and b_end < b_start:
        return "break_end", "break_end must not be before break_start"
    if b_start is None and (fields.get("break_minutes") or 0):
        return "break_start", "break_minutes needs the window break_start..break_end"
    return None


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
    capacity_weight_kg: CapacityKg
    capacity_volume_l: CapacityL
    capacity_boxes: CapacityBoxes
    shift_start: LocalTime = time(8, 0)
    shift_end: LocalTime = time(18, 0)
    fixed_cost_twd: FixedCost = 0
    break_start: LocalTime | None = Field(None, description="Earliest start of the daily break (local time)")
    break_end: LocalTime | None = Field(None, description="Latest start of the daily break (local time)")
    break_minutes: int = Field(0, ge=0, le=240, description="Length of the break; 0: no break")
    max_working_minutes: int | None = Field(None, ge=1, le=1440, description="Longest working day, depot to depot")
    max_trips: int = Field(1, ge=1, le=10, description="Trips per day: n allows n-1 reloads at the depot")
    depot_id: RowId | None = None

    @model_validator(mode="after")
    def _break_rules(self) -> VehicleIn:
        broken = vehicle_rule_error(self.model_dump())
        if broken is not None:
            raise ValueError(f"{broken[0]}: {broken[1]}")
        return self


class VehiclePatch(VehicleFields):
    kind: Literal["van", "scooter"] | None = None
    capacity_weight_kg: CapacityKg | None = None
    capacity_volume_l: CapacityL | None = None
    capacity_boxes: CapacityBoxes | None = None
    shift_start: LocalTime | None = None
    shift_end: LocalTime | None = None
    fixed_cost_twd: FixedCost | None = None
    break_start: LocalTime | None = None
    break_end: LocalTime | None = None
    break_minutes: int | None = Field(None, ge=0, le=240)
    max_working_minutes: int | None = Field(None, ge=1, le=1440)
    max_trips: int | None = Field(None, ge=1, le=10)
    depot_id: RowId | None = None


class VehicleOut(Out):
    id: int
    code: str
    kind: str
    capacity_weight_kg: float
    capacity_volume_l: float
    capacity_boxes: int
    shift_start: time
    shift_end: time
    fixed_cost_twd: int
    break_start: time | None
    break_end: time | None
    break_minutes: int
    max_working_minutes: int | None
    max_trips: int
    depot_id: int | None


class DriverIn(Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field("", max_length=40)
    user_subject: str | None = Field(None, min_length=1, max_length=200)
    vehicle_id: RowId | None = Field(None, description="The vehicle this driver usually drives.")


class DriverPatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=40)
    user_subject: str | None = Field(None, min_length=1, max_length=200)
    vehicle_id: RowId | None = Field(None, description="The vehicle this driver usually drives.")


class DriverOut(Out):
    id: int
    code: str
    name: str
    phone: str
    user_subject: str | None
    vehicle_id: int | None
