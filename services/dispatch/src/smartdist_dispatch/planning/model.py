"""Pure routing-problem model shared by every solver engine, plan mode and rush insertion.

Units: times in seconds (or the abstract Solomon unit), distances in metres (or that unit).
Values are floats here; engines scale them to integers internally and every returned route is
re-checked in float arithmetic by :mod:`smartdist_dispatch.planning.feasibility`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np

Objective = Literal["distance", "vehicles_then_distance", "duration"]

# A reload visit inside a planned sequence: the vehicle goes back to its start depot to reload.
RELOAD = "@reload"


@dataclass(frozen=True)
class TimeWindow:
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time window ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class Stop:
    """One delivery (or one end of a pickup-and-delivery pair) at a location of the matrix.

    `demand` is the load, per capacity dimension, that leaves the depot for this stop; for a stop
    in a pickup-and-delivery pair it is the amount picked up (pickup end) or dropped (delivery end)
    and never travels from the depot. `penalty` None means the stop is required; a number makes it
    optional, dropped when serving it would cost more than the penalty.
    """

    id: str
    location: int
    demand: tuple[int, ...] = (0,)
    time_windows: tuple[TimeWindow, ...] = ()
    service: float = 0.0
    # When the fleet cannot serve every required stop, lower priorities are dropped first.
    priority: int = 0
    penalty: int | None = None

    @property
    def required(self) -> bool:
        return self.penalty is None


@dataclass(frozen=True)
class Break:
    """A driver break of `duration` that must start inside `window` (never during a service)."""

    window: TimeWindow
    duration: float


@dataclass(frozen=True)
class Vehicle:
    id: str
    capacity: tuple[int, ...]
    start_location: int = 0
    end_location: int = 0
    shift: TimeWindow = TimeWindow(0.0, float("inf"))
    max_working_time: float | None = None
    # Cost of using this vehicle at all, in the objective's unit (metres of distance, or seconds
    # with the duration objective), so the solver weighs it against the kilometres it saves.
    fixed_cost: int = 0
    breaks: tuple[Break, ...] = ()
    # Trips per day: 1 means no reload; n allows n-1 returns to the start depot to reload.
    max_trips: int = 1
    reload_time: float = 0.0


@dataclass(frozen=True)
class PickupDelivery:
    """Both stops go on the same route, the pickup before the delivery."""

    pickup: str
    delivery: str


@dataclass
class RoutingProblem:
    travel_time: np.ndarray  # seconds between location indices, float
    distance: np.ndarray  # metres between location indices, float
    stops: list[Stop]
    vehicles: list[Vehicle]
    pairs: list[PickupDelivery] = field(default_factory=list)
    objective: Objective = "distance"
    # Adds a cost on the longest route's duration so work spreads evenly between drivers.
    balance_workload: bool = False

    def __post_init__(self) -> None:
        self.travel_time = np.asarray(self.travel_time, dtype=float)
        self.distance = np.asarray(self.distance, dtype=float)
        ids = [s.id for s in self.stops]
        if len(set(ids)) != len(ids):
            raise ValueError("stop ids must be unique")
        if len({v.id for v in self.vehicles}) != len(self.vehicles):
            raise ValueError("vehicle ids must be unique")
        n = self.travel_time.shape[0]
        if self.travel_time.shape != (n, n) or self.distance.shape != (n, n):
            raise ValueError("travel_time and distance must be square matrices of the same size")
        dims = {len(s.demand) for s in self.stops} | {len(v.capacity) for v in self.vehicles}
        if len(dims) > 1:
            raise ValueError("every stop demand and vehicle capacity needs the same dimensions")
        known = set(ids)
        for pair in self.pairs:
            if pair.pickup not in known or pair.delivery not in known:
                raise ValueError(f"pair {pair} names an unknown stop")

    @property
    def dimensions(self) -> int:
        if self.vehicles:
            return len(self.vehicles[0].capacity)
        return len(self.stops[0].demand) if self.stops else 1

    def stop_by_id(self) -> dict[str, Stop]:
        return {s.id: s for s in self.stops}

    def paired_stop_ids(self) -> set[str]:
        return {p.pickup for p in self.pairs} | {p.delivery for p in self.pairs}


class UnassignedReason(StrEnum):
    CAPACITY = "capacity"  # demand larger than any vehicle's capacity
    TIME_WINDOW = "time_window"  # no vehicle can reach it inside its window and get back in shift
    WORKING_TIME = "working_time"  # even a route with this stop alone exceeds max working time
    FLEET_EXHAUSTED = "fleet_exhausted"  # servable alone, but the fleet has no room left for it
    NOT_WORTH_SERVING = "not_worth_serving"  # optional stop whose penalty is below its cost
    PAIR_INFEASIBLE = "pair_infeasible"  # its pickup/delivery partner cannot be served
    # No longer produced: a stop off a route that failed the float re-check is re-inserted or
    # reported fleet_exhausted. Kept so stored job results that name it still parse.
    VERIFICATION_FAILED = "verification_failed"


@dataclass(frozen=True)
class Unassigned:
    stop_id: str
    reason: UnassignedReason


@dataclass(frozen=True)
class Visit:
    """A stop (or RELOAD) on a planned route with its schedule."""

    stop_id: str
    arrival: float
    start: float
    departure: float
    load_after: tuple[int, ...] = ()


@dataclass
class PlannedRoute:
    vehicle_id: str
    visits: list[Visit]
    start_time: float
    end_time: float
    distance: float
    duration: float

    @property
    def stop_ids(self) -> list[str]:
        return [v.stop_id for v in self.visits if v.stop_id != RELOAD]


@dataclass
class Plan:
    routes: list[PlannedRoute]
    unassigned: list[Unassigned]
    engine: str
    solve_time_s: float

    @property
    def total_distance(self) -> float:
        return sum(r.distance for r in self.routes)

    @property
    def vehicles_used(self) -> int:
        return sum(1 for r in self.routes if r.stop_ids)
