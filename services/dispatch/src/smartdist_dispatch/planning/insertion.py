"""Rush orders into published routes with minimal disruption.

Stops a driver has done or is on the way to stay where they are; the new stop goes to the
feasible position (float-checked, on any route or an idle vehicle) that adds the least distance,
ties broken by how little the later stops' ETAs move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smartdist_dispatch.planning.feasibility import RouteEvaluation, evaluate_route
from smartdist_dispatch.planning.model import RELOAD, RoutingProblem, UnassignedReason


@dataclass(frozen=True)
class LiveRoute:
    vehicle_id: str
    sequence: list[str]
    fixed: int  # leading stops done or under way; nothing is inserted before them
    depart_at: float  # when the vehicle left (or leaves) the depot


@dataclass
class InsertionResult:
    routes: dict[str, RouteEvaluation]  # vehicle id -> new evaluation, only routes that changed
    sequences: dict[str, list[str]]  # vehicle id -> full new sequence, every live route
    inserted: dict[str, str]  # stop id -> vehicle id
    rejected: dict[str, UnassignedReason]


def insert_rush_stops(
    problem: RoutingProblem,
    live_routes: Sequence[LiveRoute],
    rush_stop_ids: Sequence[str],
    now: float,
) -> InsertionResult:
    stops = problem.stop_by_id()
    vehicles = {v.id: v for v in problem.vehicles}
    sequences = {r.vehicle_id: list(r.sequence) for r in live_routes}
    fixed = {r.vehicle_id: r.fixed for r in live_routes}
    depart = {r.vehicle_id: r.depart_at for r in live_routes}
    current: dict[str, RouteEvaluation] = {
        vid: evaluate_route(problem, vehicles[vid], seq, depart[vid], stops) for vid, seq in sequences.items()
    }
    changed: dict[str, RouteEvaluation] = {}
    inserted: dict[str, str] = {}
    rejected: dict[str, UnassignedReason] = {}
    idle = [v for v in problem.vehicles if v.id not in sequences]
    for sid in rush_stop_ids:
        best: tuple[float, float, str, list[str], RouteEvaluation] | None = None
        # Rank every position by the distance it adds (cheap), then replay routes in that order:
        # the first feasible one wins, ties on distance are broken by the smaller ETA shift.
        target = stops[sid].location
        dd = problem.distance
        candidates: list[tuple[float, str, int]] = []
        for vid, sequence in sequences.items():
            vehicle = vehicles[vid]
            locations = (
                [vehicle.start_location]
                + [vehicle.start_location if x == RELOAD else stops[x].location for x in sequence]
                + [vehicle.end_location]
            )
            for position in range(fixed[vid], len(sequence) + 1):
                before, after = locations[position], locations[position + 1]
                added = float(dd[before, target] + dd[target, after] - dd[before, after])
                candidates.append((added, vid, position))
        candidates.sort(key=lambda c: c[0])
        for added, vid, position in candidates:
            if best is not None and added > best[0] + 1e-9:
                break
            sequence = sequences[vid]
            base = current[vid]
            allowed = {(v.kind, v.stop_id) for v in base.violations}
            candidate = sequence[:position] + [sid] + sequence[position:]
            evaluation = evaluate_route(problem, vehicles[vid], candidate, depart[vid], stops)
            # A route that already breaks a rule may not get worse, but it may take the stop.
            if any((v.kind, v.stop_id) not in allowed for v in evaluation.violations):
                continue
            if evaluation.visits[position].arrival < now:
                continue
            base_starts = {v.stop_id: v.start for v in base.visits}
            shift = sum(abs(v.start - base_starts.get(v.stop_id, v.start)) for v in evaluation.visits)
            if best is None or (added, shift) < (best[0], best[1]):
                best = (added, shift, vid, candidate, evaluation)
        for vehicle in idle:
            evaluation = evaluate_route(problem, vehicle, [sid], max(now, vehicle.shift.start), stops)
            if evaluation.feasible:
                key = (evaluation.distance + vehicle.fixed_cost, 0.0)
                if best is None or key < (best[0], best[1]):
                    best = (key[0], 0.0, vehicle.id, [sid], evaluation)
        if best is None:
            rejected[sid] = _reason(problem, sid, now)
            continue
        _, _, vid, candidate, evaluation = best
        if vid not in sequences:
            sequences[vid] = []
            fixed[vid] = 0
            depart[vid] = max(now, vehicles[vid].shift.start)
            idle = [v for v in idle if v.id != vid]
        sequences[vid] = candidate
        current[vid] = evaluation
        changed[vid] = evaluation
        inserted[sid] = vid
    return InsertionResult(changed, sequences, inserted, rejected)


def _reason(problem: RoutingProblem, sid: str, now: float) -> UnassignedReason:
    """Why not even a vehicle of its own, starting now, could serve the stop."""
    kinds: set[str] = set()
    for vehicle in problem.vehicles:
        kinds |= {v.kind for v in evaluate_route(problem, vehicle, [sid], max(now, vehicle.shift.start)).violations}
    if "capacity" in kinds:
        return UnassignedReason.CAPACITY
    if kinds & {"late", "shift_end"}:
        return UnassignedReason.TIME_WINDOW
    if "working_time" in kinds:
        return UnassignedReason.WORKING_TIME
    return UnassignedReason.FLEET_EXHAUSTED
