"""Plan mode: judge routes a dispatcher drew by hand (or the merchant's usual plan).

Nothing is optimised: each route is replayed in the given order and the answer lists ETAs,
distances and every violated constraint, including stops left out and vehicles used twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smartdist_dispatch.planning.feasibility import RouteEvaluation, Violation, evaluate_route
from smartdist_dispatch.planning.model import RoutingProblem


@dataclass
class PlanAssessment:
    routes: list[RouteEvaluation]
    violations: list[Violation]  # plan-level: unknown vehicle, vehicle reused, stops left out, pairs split
    total_distance: float

    @property
    def feasible(self) -> bool:
        return not self.violations and all(r.feasible for r in self.routes)


def assess_plan(
    problem: RoutingProblem,
    routes: Mapping[str, Sequence[str]] | Sequence[tuple[str, Sequence[str]]],
    depart_at: Mapping[str, float] | None = None,
) -> PlanAssessment:
    """Evaluate vehicle -> stop-sequence assignments exactly as drawn."""
    items = list(routes.items()) if isinstance(routes, Mapping) else list(routes)
    vehicles = {v.id: v for v in problem.vehicles}
    stops = problem.stop_by_id()
    evaluations: list[RouteEvaluation] = []
    violations: list[Violation] = []
    seen_vehicle: set[str] = set()
    route_of: dict[str, str] = {}
    for vehicle_id, sequence in items:
        vehicle = vehicles.get(vehicle_id)
        if vehicle is None:
            violations.append(Violation("unknown_vehicle", None, f"vehicle {vehicle_id} is not in the fleet"))
            continue
        if vehicle_id in seen_vehicle:
            violations.append(Violation("vehicle_reused", None, f"vehicle {vehicle_id} has two routes"))
        seen_vehicle.add(vehicle_id)
        start = (depart_at or {}).get(vehicle_id)
        evaluation = evaluate_route(problem, vehicle, list(sequence), start, stops)
        evaluations.append(evaluation)
        for sid in sequence:
            if sid in stops:
                if sid in route_of and route_of[sid] != vehicle_id:
                    violations.append(Violation("duplicate", sid, f"also on {route_of[sid]}'s route"))
                route_of[sid] = vehicle_id
    for stop in problem.stops:
        if stop.id not in route_of and stop.required:
            violations.append(Violation("not_served", stop.id, "required stop is on no route"))
    for pair in problem.pairs:
        a, b = route_of.get(pair.pickup), route_of.get(pair.delivery)
        if a is not None and b is not None and a != b:
            violations.append(Violation("pair_split", pair.pickup, f"pickup on {a}, delivery on {b}"))
    return PlanAssessment(evaluations, violations, sum(e.distance for e in evaluations))
