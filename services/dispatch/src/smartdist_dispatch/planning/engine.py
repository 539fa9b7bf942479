"""The solver-engine port plus the steps every engine shares.

An engine turns a RoutingProblem into raw sequences; `screen_stops` removes what no vehicle could
ever serve (with the reason) before solving, and `finalize_plan` replays every raw route in float
arithmetic so a scaled-integer artefact can never reach the caller as a feasible route.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from smartdist_dispatch.planning.feasibility import evaluate_route
from smartdist_dispatch.planning.model import (
    RELOAD,
    Plan,
    PlannedRoute,
    RoutingProblem,
    Stop,
    Unassigned,
    UnassignedReason,
    Vehicle,
)

ProgressCallback = Callable[[float], None]

# Solvers see integers: times and distances are multiplied by this and rounded (times upwards).
SCALE = 1000
# Share of every time limit kept back from the search: the float re-check, building the answer
# and a search iteration that overruns its stop check all fit in it, on a loaded machine too. At
# 60 s the 1,000-stop instance finished in 59.9 s with a fixed 0.2 s reserve; 4% leaves 2.4 s.
RESERVE_SHARE = 0.04


def search_budget_s(time_limit_s: float, stops: int, floor_s: float = 0.05) -> float:
    """Seconds of the limit the search itself may use.

    The reserve is the larger of `RESERVE_SHARE` of the limit and a fixed floor plus the re-check
    (about 0.15 s per 1,000 stops measured here): 1 s solves keep their search time, long ones
    get a margin that grows with them.
    """
    reserve = max(floor_s + 0.15 * stops / 1000, RESERVE_SHARE * time_limit_s)
    return time_limit_s - reserve


class SolverEngine(Protocol):
    name: str

    def supports(self, problem: RoutingProblem) -> bool:
        """True when the engine models every constraint present in the problem."""
        ...

    def solve(
        self,
        problem: RoutingProblem,
        time_limit_s: float,
        progress: ProgressCallback | None = None,
    ) -> Plan: ...


@contextmanager
def progress_by_clock(progress: ProgressCallback | None, time_limit_s: float, every_s: float = 0.5) -> Iterator[None]:
    """Report elapsed/limit while a solver runs: both engines stop on the clock, so time is progress."""
    if progress is None:
        yield
        return
    done = threading.Event()
    started = time.perf_counter()

    def tick() -> None:
        while not done.wait(every_s):
            progress(min(0.99, (time.perf_counter() - started) / max(time_limit_s, 1e-9)))

    thread = threading.Thread(target=tick, name="solver-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@dataclass(frozen=True)
class RawRoute:
    vehicle_id: str
    sequence: list[str]  # stop ids and RELOAD markers, depot excluded


def scale_time_up(value: float) -> int:
    """Conservative scaling for durations and window starts: never earlier than the real value."""
    return int(math.ceil(value * SCALE - 1e-9))


def scale_time_down(value: float) -> int:
    """Conservative scaling for window ends: never later than the real value."""
    return int(math.floor(value * SCALE + 1e-9))


def vehicle_profile(vehicle: Vehicle) -> tuple[object, ...]:
    """Everything about a vehicle except its id: vehicles with equal profiles are interchangeable."""
    return (
        vehicle.capacity,
        vehicle.start_location,
        vehicle.end_location,
        vehicle.shift,
        vehicle.max_working_time,
        vehicle.fixed_cost,
        vehicle.breaks,
        vehicle.max_trips,
        vehicle.reload_time,
    )


def screen_stops(problem: RoutingProblem) -> tuple[list[Stop], list[Unassigned]]:
    """Stops some vehicle could serve on a route of its own, and the others with why not."""
    by_id = problem.stop_by_id()
    partner = {p.pickup: p.delivery for p in problem.pairs} | {p.delivery: p.pickup for p in problem.pairs}
    pickups = {p.pickup for p in problem.pairs}
    # Identical vehicles answer identically; checking one per profile keeps 1,000 stops fast.
    profiles = list({vehicle_profile(v): v for v in problem.vehicles}.values())
    rejected: dict[str, UnassignedReason] = {}
    for stop in problem.stops:
        if stop.id in rejected:
            continue
        if stop.id in partner:
            first, second = (stop.id, partner[stop.id]) if stop.id in pickups else (partner[stop.id], stop.id)
            sequence = [first, second]
        else:
            sequence = [stop.id]
        reasons: list[str] = []
        for vehicle in profiles:
            kinds = {v.kind for v in evaluate_route(problem, vehicle, sequence, stops=by_id).violations}
            if not kinds:
                reasons = []
                break
            reasons.extend(kinds)
        if not problem.vehicles:
            reasons = ["fleet"]
        if reasons:
            if "capacity" in reasons:
                reason = UnassignedReason.CAPACITY
            elif "late" in reasons or "shift_end" in reasons:
                reason = UnassignedReason.TIME_WINDOW
            elif "working_time" in reasons:
                reason = UnassignedReason.WORKING_TIME
            else:
                reason = UnassignedReason.FLEET_EXHAUSTED
            for sid in sequence:
                rejected[sid] = reason if len(sequence) == 1 or sid == stop.id else UnassignedReason.PAIR_INFEASIBLE
    servable = [s for s in problem.stops if s.id not in rejected]
    return servable, [Unassigned(sid, reason) for sid, reason in rejected.items()]


def finalize_plan(
    problem: RoutingProblem,
    raw_routes: Sequence[RawRoute],
    screened_out: Sequence[Unassigned],
    engine: str,
    solve_time_s: float,
) -> Plan:
    """Float-verified plan: failing routes lose stops until they pass; leftovers get a reason.

    A stop taken off a failing route is put back where it fits (cheapest feasible insertion into
    the verified routes or an idle vehicle). One that fits nowhere passed the screening, so a
    vehicle of its own could serve it: the fleet has no room left, and that is its reason.
    """
    by_id = problem.stop_by_id()
    vehicles = {v.id: v for v in problem.vehicles}
    partner = {p.pickup: p.delivery for p in problem.pairs} | {p.delivery: p.pickup for p in problem.pairs}
    routes: list[PlannedRoute] = []
    unassigned = list(screened_out)
    failed: list[str] = []
    for raw in raw_routes:
        sequence = list(raw.sequence)
        while sequence:
            evaluation = evaluate_route(problem, vehicles[raw.vehicle_id], sequence, stops=by_id)
            if evaluation.feasible:
                break
            culprit = next((v.stop_id for v in evaluation.violations if v.stop_id not in (None, RELOAD)), None)
            if culprit is None:
                culprit = next(sid for sid in reversed(sequence) if sid != RELOAD)
            drop = {culprit, partner.get(culprit, culprit)}
            failed.extend(sorted(drop))
            sequence = [sid for sid in sequence if sid not in drop]
            sequence = _tidy_reloads(sequence)
        if any(sid != RELOAD for sid in sequence):
            evaluation = evaluate_route(problem, vehicles[raw.vehicle_id], sequence, stops=by_id)
            routes.append(evaluation.as_planned_route())
    if failed:
        routes, failed = _reinsert(problem, routes, failed, partner)
    placed = {sid for r in routes for sid in r.stop_ids} | {u.stop_id for u in unassigned}
    refused = {u.stop_id for u in unassigned}
    for stop in problem.stops:
        if stop.id in placed:
            continue
        if stop.id in partner and partner[stop.id] in refused:
            reason = UnassignedReason.PAIR_INFEASIBLE
        elif stop.required or stop.id in failed:
            reason = UnassignedReason.FLEET_EXHAUSTED
        else:
            reason = UnassignedReason.NOT_WORTH_SERVING
        unassigned.append(Unassigned(stop.id, reason))
    return Plan(routes=routes, unassigned=unassigned, engine=engine, solve_time_s=solve_time_s)


def _reinsert(
    problem: RoutingProblem, routes: list[PlannedRoute], failed: list[str], partner: dict[str, str]
) -> tuple[list[PlannedRoute], list[str]]:
    """Put stops that failed the re-check back where they fit; the ones that fit nowhere."""
    from smartdist_dispatch.planning.insertion import LiveRoute, insert_rush_stops

    # A pickup-and-delivery pair would need both ends inserted together: those stay out.
    single = [sid for sid in failed if sid not in partner]
    if not single:
        return routes, failed
    live = [LiveRoute(r.vehicle_id, [v.stop_id for v in r.visits], 0, r.start_time) for r in routes]
    result = insert_rush_stops(problem, live, single, now=float("-inf"))
    if not result.inserted:
        return routes, failed
    vehicles = {v.id: v for v in problem.vehicles}
    stops = problem.stop_by_id()
    repaired: list[PlannedRoute] = []
    for vehicle_id, sequence in result.sequences.items():
        if not any(sid != RELOAD for sid in sequence):
            continue
        if vehicle_id not in result.routes:
            repaired.append(next(r for r in routes if r.vehicle_id == vehicle_id))
            continue
        # Replayed from the shift start (departure pushed as late as it stays feasible); the
        # insertion's own schedule when that replay is not feasible.
        evaluation = evaluate_route(problem, vehicles[vehicle_id], sequence, stops=stops)
        if not evaluation.feasible:
            evaluation = result.routes[vehicle_id]
        repaired.append(evaluation.as_planned_route())
    return repaired, [sid for sid in failed if sid not in result.inserted]


def _tidy_reloads(sequence: list[str]) -> list[str]:
    """No reload at either end of a route and never two in a row."""
    tidy: list[str] = []
    for sid in sequence:
        if sid == RELOAD and (not tidy or tidy[-1] == RELOAD):
            continue
        tidy.append(sid)
    while tidy and tidy[-1] == RELOAD:
        tidy.pop()
    return tidy
