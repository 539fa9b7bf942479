"""Request and response of `POST /api/v1/optimize`, exactly as the SPEC §4.A contract says.

With metric `euclidean`, coordinates and times share one abstract unit and travel time equals
Euclidean distance (the Solomon convention). With `haversine`, locations are [longitude, latitude],
distances are great-circle metres and times are seconds (travel times from the default speed
profile, 28 km/h).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

JobId = int | str
Pair = Annotated[list[float], Field(min_length=2, max_length=2)]


def _window(value: list[float] | None) -> list[float] | None:
    if value is not None and value[1] < value[0]:
        raise ValueError("time_window end must not be before its start")
    if value is not None and value[0] < 0:
        raise ValueError("time_window must not be negative")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DepotIn(Strict):
    location: Pair = Field(description="[x, y], or [longitude, latitude] with metric haversine")
    time_window: Pair | None = Field(None, description="[open, close]: routes start and end inside it")

    _check_window = field_validator("time_window")(_window)


class VehicleIn(Strict):
    id: JobId = Field(description="Vehicle id, echoed in the routes")
    capacity: int = Field(ge=0, description="Capacity in demand units")
    time_window: Pair | None = Field(None, description="[start, end] of this vehicle's shift")

    _check_window = field_validator("time_window")(_window)


class FleetIn(Strict):
    count: int = Field(ge=1, le=1000, description="Vehicles available: a plan uses at most this many routes")
    capacity: int = Field(ge=0, description="Capacity of every vehicle")


class JobIn(Strict):
    id: JobId
    location: Pair
    demand: int = Field(0, ge=0)
    time_window: Pair | None = Field(None, description="Service must start inside [a, b]; waiting is allowed")
    service: float = Field(0.0, ge=0, description="Service duration")

    _check_window = field_validator("time_window")(_window)


class OptimizeRequest(Strict):
    metric: Literal["euclidean", "haversine"] = "euclidean"
    depot: DepotIn
    vehicles: list[VehicleIn] | None = Field(None, min_length=1, max_length=1000)
    fleet: FleetIn | None = None
    jobs: list[JobIn] = Field(max_length=5000)
    objective: Literal["distance", "vehicles_then_distance"] = "distance"
    time_limit_s: float = Field(5.0, gt=0, le=600, description="Solver time budget in seconds")

    @model_validator(mode="after")
    def one_fleet_description(self) -> OptimizeRequest:
        if (self.vehicles is None) == (self.fleet is None):
            raise ValueError("give exactly one of `vehicles` or `fleet`")
        ids = [j.id for j in self.jobs]
        if len(set(map(str, ids))) != len(ids):
            raise ValueError("job ids must be unique")
        if self.vehicles is not None and len({str(v.id) for v in self.vehicles}) != len(self.vehicles):
            raise ValueError("vehicle ids must be unique")
        return self


class RouteOut(Strict):
    vehicle: JobId
    jobs: list[JobId] = Field(description="Job ids in visiting order")
    distance: float = Field(description="Real-valued length of the route, depot to depot")
    arrivals: list[float] = Field(description="Arrival time at each job, in the order of `jobs`")


class OptimizeResponse(Strict):
    routes: list[RouteOut]
    unassigned: list[JobId]
    total_distance: float
    vehicles_used: int
    solve_time_s: float


class DrawnRoute(Strict):
    vehicle: JobId = Field(description="A vehicle id (1..count when the fleet is given by `fleet`)")
    jobs: list[JobId] = Field(description="Job ids in the order the driver will visit them")
    depart_at: float | None = Field(
        None, description="Leave the depot then; default: shift start, pushed later to cut waiting"
    )


class EvaluateRequest(OptimizeRequest):
    """Plan mode: the same problem as /optimize plus routes drawn by hand, judged as drawn."""

    routes: list[DrawnRoute] = Field(max_length=1000)


class ViolationOut(Strict):
    kind: str = Field(description="late, capacity, shift_end, working_time, duplicate, not_served, unknown_stop, ...")
    job: JobId | None = None
    vehicle: JobId | None = None
    detail: str


class EvaluatedRoute(Strict):
    vehicle: JobId
    jobs: list[JobId]
    distance: float
    arrivals: list[float]
    starts: list[float] = Field(description="Service start at each job (after any waiting)")
    start_time: float
    end_time: float


class EvaluateResponse(Strict):
    routes: list[EvaluatedRoute]
    violations: list[ViolationOut]
    unassigned: list[JobId] = Field(description="Jobs on no route")
    total_distance: float
    feasible: bool
