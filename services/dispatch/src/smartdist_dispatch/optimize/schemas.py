"""Request and response of `POST /api/v1/optimize`, exactly as the SPEC §4.A contract says.

Beyond the contract, optional fields modelled on VROOM's API reach the planner's rich
constraints: several time windows, priority and penalty (optional jobs) and multi-dimensional
demand on jobs; multi-dimensional capacity, breaks, max working time, trips with reloads at the
depot and a fixed cost on vehicles; `shipments` (pickup-and-delivery pairs, whose two ends appear
in routes as "<id>:pickup" and "<id>:delivery"); and `balance_workload`. A request with only
contract fields is solved and answered exactly as before (plus `unassigned_reasons`).

With metric `euclidean`, coordinates and times share one abstract unit and travel time equals
Euclidean distance (the Solomon convention). With `haversine`, locations are [longitude, latitude],
distances are great-circle metres and times are seconds (travel times from the default speed
profile, 28 km/h).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Bounds a request can reach without breaking the solver's integer scaling (and finite floats only).
MAX_COORDINATE = 1e7  # abstract units, seconds, or degrees
MAX_AMOUNT = 10**9
MAX_COST = 1e12

JobId = Annotated[int, Field(ge=-(2**53), le=2**53)] | Annotated[str, Field(max_length=100)]
Number = Annotated[float, Field(ge=-MAX_COORDINATE, le=MAX_COORDINATE, allow_inf_nan=False)]
Duration = Annotated[float, Field(ge=0, le=MAX_COORDINATE, allow_inf_nan=False)]
Pair = Annotated[list[Number], Field(min_length=2, max_length=2)]
Quantity = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
Amount = Annotated[int, Field(le=MAX_AMOUNT)] | Annotated[list[Quantity], Field(min_length=1, max_length=8)]


def _window(value: list[float] | None) -> list[float] | None:
    if value is not None and value[1] < value[0]:
        raise ValueError("time_window end must not be before its start")
    if value is not None and value[0] < 0:
        raise ValueError("time_window must not be negative")
    return value


def _windows(value: list[list[float]] | None) -> list[list[float]] | None:
    """Several windows: each valid, sorted by start, none overlapping the next."""
    if value is None:
        return None
    for window in value:
        _window(window)
    ordered = sorted(value, key=lambda w: w[0])
    for first, second in zip(ordered, ordered[1:], strict=False):
        if second[0] < first[1]:
            raise ValueError("time_windows must not overlap")
    return ordered


def _amount(value: int | list[int] | None) -> int | list[int] | None:
    if isinstance(value, int) and value < 0:
        raise ValueError("must not be negative")
    return value


def dimensions(value: int | list[int] | None, count: int = 1) -> tuple[int, ...]:
    """An amount as a tuple: a plain int is one dimension, None is 0 in each of `count`."""
    if value is None:
        return (0,) * count
    return (value,) if isinstance(value, int) else tuple(value)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class BreakIn(Strict):
    time_window: Pair = Field(description="[a, b]: the break starts inside it")
    service: Duration = Field(0.0, description="Length of the break")

    _check_window = field_validator("time_window")(_window)


class DepotIn(Strict):
    location: Pair = Field(description="[x, y], or [longitude, latitude] with metric haversine")
    time_window: Pair | None = Field(None, description="[open, close]: routes start and end inside it")

    _check_window = field_validator("time_window")(_window)


class VehicleIn(Strict):
    id: JobId = Field(description="Vehicle id, echoed in the routes")
    capacity: Amount = Field(description="Capacity in demand units; a list for several dimensions")
    time_window: Pair | None = Field(None, description="[start, end] of this vehicle's shift")
    breaks: list[BreakIn] = Field(default_factory=list, max_length=10, description="Driver breaks")
    max_working_time: float | None = Field(
        None, gt=0, le=MAX_COORDINATE, description="Longest route duration, depot to depot"
    )
    max_trips: int = Field(1, ge=1, le=20, description="Trips per day: n allows n-1 reloads at the depot")
    fixed_cost: float = Field(0.0, ge=0, le=MAX_COST, description="Cost of using the vehicle, in the objective's unit")

    _check_window = field_validator("time_window")(_window)
    _check_capacity = field_validator("capacity")(_amount)


class FleetIn(Strict):
    count: int = Field(ge=1, le=1000, description="Vehicles available: a plan uses at most this many routes")
    capacity: Amount = Field(description="Capacity of every vehicle; a list for several dimensions")

    _check_capacity = field_validator("capacity")(_amount)


class Windowed(Strict):
    """A place visited inside one window (`time_window`, the contract's) or one of several."""

    time_window: Pair | None = Field(None, description="Service must start inside [a, b]; waiting is allowed")
    time_windows: list[Pair] | None = Field(
        None, min_length=1, max_length=10, description="Several windows instead of `time_window`"
    )

    _check_window = field_validator("time_window")(_window)
    _check_windows = field_validator("time_windows")(_windows)

    @model_validator(mode="after")
    def _one_kind_of_window(self) -> Windowed:
        if self.time_window is not None and self.time_windows is not None:
            raise ValueError("give `time_window` or `time_windows`, not both")
        return self

    def windows(self) -> list[list[float]]:
        if self.time_windows is not None:
            return self.time_windows
        return [self.time_window] if self.time_window is not None else []


class JobIn(Windowed):
    id: JobId
    location: Pair
    demand: Amount | None = Field(
        None, description="Load in demand units; a list for several dimensions; none: 0 in every dimension"
    )
    service: Duration = Field(0.0, description="Service duration")
    priority: int = Field(0, ge=0, le=100, description="When not every job fits, lower priorities go first")
    penalty: float | None = Field(
        None, ge=0, le=MAX_COST, description="Makes the job optional: skipped when serving it costs more than this"
    )

    _check_demand = field_validator("demand")(_amount)


class ShipmentStepIn(Windowed):
    location: Pair
    service: Duration = 0.0


class ShipmentIn(Strict):
    """A pickup-and-delivery pair: one vehicle picks `demand` up, then delivers it."""

    id: JobId
    demand: Amount | None = Field(None, description="Load carried; none: 0 in every dimension")
    pickup: ShipmentStepIn
    delivery: ShipmentStepIn
    priority: int = Field(0, ge=0, le=100)

    _check_demand = field_validator("demand")(_amount)

    def step_ids(self) -> tuple[str, str]:
        return f"{self.id}:pickup", f"{self.id}:delivery"


class OptimizeRequest(Strict):
    metric: Literal["euclidean", "haversine"] = "euclidean"
    depot: DepotIn
    vehicles: list[VehicleIn] | None = Field(None, min_length=1, max_length=1000)
    fleet: FleetIn | None = None
    jobs: list[JobIn] = Field(max_length=5000)
    shipments: list[ShipmentIn] = Field(default_factory=list, max_length=2500)
    objective: Literal["distance", "vehicles_then_distance"] = "distance"
    time_limit_s: float = Field(5.0, gt=0, le=600, description="Solver time budget in seconds")
    balance_workload: bool = Field(False, description="Spread the work evenly between the routes")

    @model_validator(mode="after")
    def one_fleet_description(self) -> OptimizeRequest:
        if (self.vehicles is None) == (self.fleet is None):
            raise ValueError("give exactly one of `vehicles` or `fleet`")
        ids = [j.id for j in self.jobs]
        if len(set(map(str, ids))) != len(ids):
            raise ValueError("job ids must be unique")
        if self.vehicles is not None and len({str(v.id) for v in self.vehicles}) != len(self.vehicles):
            raise ValueError("vehicle ids must be unique")
        seen = set(map(str, ids))
        for k, shipment in enumerate(self.shipments):
            for step_id in shipment.step_ids():
                if step_id in seen:
                    raise ValueError(f"shipments[{k}]: id {shipment.id!r} repeats a job or shipment id ({step_id})")
                seen.add(step_id)
        self._check_dimensions()
        return self

    def _check_dimensions(self) -> None:
        """Every demand and capacity has the same number of dimensions (a plain int is one)."""
        capacities = (
            [(f"vehicles[{k}].capacity", v.capacity) for k, v in enumerate(self.vehicles)]
            if self.vehicles is not None
            else [("fleet.capacity", self.fleet.capacity)]
            if self.fleet is not None
            else []
        )
        amounts = capacities + [
            (f"jobs[{k}].demand", j.demand) for k, j in enumerate(self.jobs) if j.demand is not None
        ]
        amounts += [(f"shipments[{k}].demand", s.demand) for k, s in enumerate(self.shipments) if s.demand is not None]
        if not amounts:
            return
        first_name, first = amounts[0]
        expected = len(dimensions(first))
        for name, value in amounts[1:]:
            if len(dimensions(value)) != expected:
                raise ValueError(
                    f"{name} has {len(dimensions(value))} dimension(s), {first_name} has {expected}:"
                    " every demand and capacity needs the same dimensions"
                )


class RouteOut(Strict):
    vehicle: JobId
    jobs: list[JobId] = Field(description="Job ids in visiting order")
    distance: float = Field(description="Real-valued length of the route, depot to depot")
    arrivals: list[float] = Field(description="Arrival time at each job, in the order of `jobs`")
    # Extensions: present only when the route has them (the endpoint leaves out None fields).
    reloads: list[int] | None = Field(
        None, description="Positions in `jobs` before which the vehicle goes back to the depot to reload"
    )
    starts: list[float] | None = Field(
        None, description="Service start at each job (after waiting and breaks); with breaks or trips only"
    )
    end_time: float | None = Field(None, description="Back at the depot; with breaks or trips only")


class OptimizeResponse(Strict):
    routes: list[RouteOut]
    unassigned: list[JobId]
    total_distance: float
    vehicles_used: int
    solve_time_s: float
    unassigned_reasons: dict[str, str] = Field(
        default_factory=dict,
        description="Why each unassigned job is: capacity, time_window, working_time, fleet_exhausted,"
        " not_worth_serving, pair_infeasible",
    )


class DrawnRoute(Strict):
    vehicle: JobId = Field(description="A vehicle id (1..count when the fleet is given by `fleet`)")
    jobs: list[JobId] = Field(description="Job ids in the order the driver will visit them")
    depart_at: Duration | None = Field(
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
