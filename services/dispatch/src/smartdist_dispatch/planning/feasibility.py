"""Float-arithmetic route evaluation: the one judge of feasibility for every engine.

Solvers work on scaled integers; this module replays a route with the real-valued matrices and
reports every violated constraint. It backs plan mode (a route drawn by hand), the verification of
every engine's output, rush insertion, the tests and the benchmark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from smartdist_dispatch.planning.model import (
    RELOAD,
    Plan,
    PlannedRoute,
    RoutingProblem,
    Stop,
    TimeWindow,
    Vehicle,
    Visit,
)

# Float noise from summing many legs must not flag a route that is feasible on paper.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Violation:
    kind: str  # late, capacity, shift_end, working_time, break_missed, too_many_trips,
    # pair_split, pair_order, duplicate, unknown_stop, unknown_vehicle, vehicle_reused, fleet_size
    stop_id: str | None
    detail: str


@dataclass
class RouteEvaluation:
    vehicle_id: str
    visits: list[Visit]
    start_time: float
    end_time: float
    distance: float
    violations: list[Violation] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time

    def as_planned_route(self) -> PlannedRoute:
        return PlannedRoute(
            vehicle_id=self.vehicle_id,
            visits=self.visits,
            start_time=self.start_time,
            end_time=self.end_time,
            distance=self.distance,
            duration=self.duration,
        )


def _simulate(
    problem: RoutingProblem,
    vehicle: Vehicle,
    sequence: Sequence[str],
    stops: dict[str, Stop],
    depart_at: float,
) -> tuple[RouteEvaluation, list[float]]:
    """Replays the route; also returns each visit's window slack (latest start - start)."""
    violations: list[Violation] = []
    visits: list[Visit] = []
    slacks: list[float] = []
    tt, dd = problem.travel_time, problem.distance
    paired = problem.paired_stop_ids()
    pickups = {p.pickup for p in problem.pairs}
    dims = len(vehicle.capacity)

    # Load that leaves the depot on each trip: the depot-sourced demand of that trip's stops.
    trips: list[list[str]] = [[]]
    for sid in sequence:
        if sid == RELOAD:
            trips.append([])
        else:
            trips[-1].append(sid)
    if len(trips) > vehicle.max_trips:
        violations.append(Violation("too_many_trips", None, f"{len(trips)} trips, vehicle allows {vehicle.max_trips}"))
    trip_loads = []
    for trip in trips:
        load = [0] * dims
        for sid in trip:
            stop = stops.get(sid)
            if stop is not None and sid not in paired:
                load = [a + b for a, b in zip(load, stop.demand, strict=True)]
        trip_loads.append(load)

    def check_load(load: list[int], where: str | None) -> None:
        for k, (amount, cap) in enumerate(zip(load, vehicle.capacity, strict=True)):
            if amount > cap or amount < 0:
                violations.append(Violation("capacity", where, f"load {amount} in dimension {k}, capacity {cap}"))

    pending_breaks = sorted(vehicle.breaks, key=lambda b: b.window.start)
    missed: set[int] = set()

    def take_break_on_leg(t: float, travel: float) -> float:
        """Extra time spent on breaks taken during the leg that departs at t."""
        extra = 0.0
        while pending_breaks:
            brk = pending_breaks[0]
            if t + extra > brk.window.end + TOLERANCE:
                missed.add(id(brk))
                violations.append(Violation("break_missed", None, f"break window ends at {brk.window.end:g}"))
                pending_breaks.pop(0)
                continue
            if brk.window.start <= t + extra + travel + TOLERANCE:
                pending_breaks.pop(0)
                # The driver stops wherever the window opens along the leg; only the pause adds time.
                extra += brk.duration
                continue
            break
        return extra

    t = depart_at
    loc = vehicle.start_location
    distance = 0.0
    trip_index = 0
    load = list(trip_loads[0])
    check_load(load, None)
    seen: Counter[str] = Counter()
    position: dict[str, int] = {}
    for index, sid in enumerate(sequence):
        windows: tuple[TimeWindow, ...] = ()
        if sid == RELOAD:
            target = vehicle.start_location
            service = vehicle.reload_time
        else:
            stop = stops.get(sid)
            if stop is None:
                violations.append(Violation("unknown_stop", sid, "stop is not in the problem"))
                continue
            seen[sid] += 1
            if seen[sid] > 1:
                violations.append(Violation("duplicate", sid, "stop visited more than once"))
            position[sid] = index
            target = stop.location
            service = stop.service
            windows = stop.time_windows
        travel = float(tt[loc, target])
        distance += float(dd[loc, target])
        extra = take_break_on_leg(t, travel)
        arrival = t + travel + extra
        start = arrival
        slack = float("inf")
        if windows:
            window = next((w for w in windows if w.end + TOLERANCE >= arrival), None)
            if window is None:
                violations.append(
                    Violation("late", sid, f"arrives at {arrival:g}, last window ends {windows[-1].end:g}")
                )
            else:
                start = max(arrival, window.start)
                slack = window.end - start
                # A break fits in the wait before a window opens.
                if pending_breaks and start > arrival:
                    brk = pending_breaks[0]
                    brk_start = max(arrival, brk.window.start)
                    if brk_start <= brk.window.end + TOLERANCE and brk_start + brk.duration <= window.end + TOLERANCE:
                        pending_breaks.pop(0)
                        start = max(start, brk_start + brk.duration)
                        slack = window.end - start
        slacks.append(slack)
        departure = start + service
        if sid == RELOAD:
            trip_index += 1
            load = list(trip_loads[trip_index]) if trip_index < len(trip_loads) else [0] * dims
            check_load(load, RELOAD)
        else:
            stop = stops[sid]
            sign = 1 if sid in pickups else -1
            load = [a + sign * b for a, b in zip(load, stop.demand, strict=True)]
            check_load(load, sid)
        visits.append(Visit(sid, arrival, start, departure, tuple(load)))
        t = departure
        loc = target
    travel = float(tt[loc, vehicle.end_location])
    distance += float(dd[loc, vehicle.end_location])
    extra = take_break_on_leg(t, travel)
    end = t + travel + extra
    for brk in pending_breaks:
        if end > brk.window.end + TOLERANCE and id(brk) not in missed:
            violations.append(Violation("break_missed", None, f"break window ends at {brk.window.end:g}"))
    if end > vehicle.shift.end + TOLERANCE:
        violations.append(Violation("shift_end", None, f"back at {end:g}, shift ends {vehicle.shift.end:g}"))
    if depart_at < vehicle.shift.start - TOLERANCE:
        violations.append(Violation("shift_start", None, f"departs {depart_at:g} before shift"))
    if vehicle.max_working_time is not None and end - depart_at > vehicle.max_working_time + TOLERANCE:
        violations.append(
            Violation("working_time", None, f"works {end - depart_at:g}, limit {vehicle.max_working_time:g}")
        )
    for pair in problem.pairs:
        has_p, has_d = pair.pickup in position, pair.delivery in position
        if has_p != has_d:
            split = pair.pickup if has_p else pair.delivery
            violations.append(Violation("pair_split", split, "partner on another route"))
        elif has_p and position[pair.pickup] > position[pair.delivery]:
            violations.append(Violation("pair_order", pair.delivery, "delivered before picked up"))
    evaluation = RouteEvaluation(vehicle.id, visits, depart_at, end, distance, violations)
    return evaluation, slacks


def evaluate_route(
    problem: RoutingProblem,
    vehicle: Vehicle,
    sequence: Sequence[str],
    depart_at: float | None = None,
    stops: dict[str, Stop] | None = None,
) -> RouteEvaluation:
    """ETAs, distance and every violated constraint of one vehicle's visiting sequence.

    Without `depart_at` the vehicle leaves at shift start and then the departure is pushed as late
    as the schedule allows without losing feasibility, which shortens the working time.
    """
    stops = stops if stops is not None else problem.stop_by_id()
    start = vehicle.shift.start if depart_at is None else depart_at
    evaluation, slacks = _simulate(problem, vehicle, sequence, stops, start)
    if depart_at is not None or not evaluation.visits or vehicle.breaks:
        return evaluation
    # Leaving later by delay moves visit k's start by max(0, delay - waiting up to k): it stays in
    # its window while delay <= slack_k + waiting up to k, and the end does not move while delay
    # <= all waiting, so the working time shrinks and nothing becomes infeasible.
    waited = 0.0
    delay = float("inf")
    for visit, slack in zip(evaluation.visits, slacks, strict=True):
        waited += visit.start - visit.arrival
        delay = min(delay, slack + waited)
    delay = min(delay, waited)
    if delay <= TOLERANCE:
        return evaluation
    later, _ = _simulate(problem, vehicle, sequence, stops, start + delay)
    if len(later.violations) <= len(evaluation.violations) and later.duration <= evaluation.duration:
        return later
    return evaluation


def check_plan(problem: RoutingProblem, plan: Plan) -> list[Violation]:
    """Every violation in a whole plan: route constraints, fleet size, each stop exactly once."""
    violations: list[Violation] = []
    vehicles = {v.id: v for v in problem.vehicles}
    stops = problem.stop_by_id()
    used: Counter[str] = Counter()
    served: Counter[str] = Counter()
    route_of: dict[str, int] = {}
    for number, route in enumerate(plan.routes):
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            violations.append(Violation("unknown_vehicle", None, route.vehicle_id))
            continue
        used[route.vehicle_id] += 1
        if used[route.vehicle_id] > 1:
            violations.append(Violation("vehicle_reused", None, route.vehicle_id))
        sequence = [v.stop_id for v in route.visits]
        evaluation = evaluate_route(problem, vehicle, sequence, route.start_time, stops)
        violations.extend(evaluation.violations)
        if abs(evaluation.distance - route.distance) > 1e-6 * max(1.0, evaluation.distance):
            violations.append(
                Violation("distance_mismatch", None, f"route says {route.distance}, real {evaluation.distance}")
            )
        for sid in route.stop_ids:
            served[sid] += 1
            route_of[sid] = number
    for item in plan.unassigned:
        served[item.stop_id] += 1
    for stop in problem.stops:
        if served[stop.id] == 0:
            violations.append(Violation("missing", stop.id, "neither routed nor reported unassigned"))
        elif served[stop.id] > 1:
            violations.append(Violation("duplicate", stop.id, "appears more than once in the plan"))
    if sum(1 for r in plan.routes if r.stop_ids) > len(problem.vehicles):
        violations.append(Violation("fleet_size", None, "more routes than vehicles"))
    return violations
