"""The demo's instant plan for a past day: the planner's insertion, every vehicle used, nothing broken."""

from __future__ import annotations

import math
import random

from smartdist_dispatch.demo import ADDRESSES, DEPOT, _past_plan
from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider
from smartdist_dispatch.planning.feasibility import check_plan
from smartdist_dispatch.planning.model import RoutingProblem, Stop, TimeWindow, Vehicle

HOUR = 3600.0


def problem(count: int, seed: int = 3) -> tuple[RoutingProblem, dict[str, float]]:
    rng = random.Random(seed)
    places = rng.sample(ADDRESSES, count)
    points = [(float(DEPOT["lng"]), float(DEPOT["lat"]))] + [(lng, lat) for _, lat, lng in places]
    matrix = HaversineMatrixProvider().matrix(points)
    stops = [
        Stop(
            id=f"S{k}",
            location=k + 1,
            demand=(3000 * (k % 3 + 1), 20_000, k % 3 + 1),
            time_windows=(TimeWindow(9 * HOUR, 18 * HOUR),) if k % 4 else (TimeWindow(9 * HOUR, 12 * HOUR),),
            service=300.0,
        )
        for k in range(count)
    ]
    vans = [Vehicle(f"VAN-{n}", (900_000, 4_500_000, 36), shift=TimeWindow(8 * HOUR, 18 * HOUR)) for n in (1, 2, 3)]
    scooter = Vehicle("SCOOTER-1", (40_000, 150_000, 8), shift=TimeWindow(8 * HOUR, 17 * HOUR))
    bearings = {
        s.id: math.atan2(lat - float(DEPOT["lat"]), lng - float(DEPOT["lng"]))
        for s, (_, lat, lng) in zip(stops, places, strict=True)
    }
    return RoutingProblem(matrix.duration_s, matrix.distance_m, stops, [*vans, scooter]), bearings


def test_every_stop_is_routed_on_every_vehicle_and_the_plan_passes_the_float_check() -> None:
    routing, bearings = problem(20)
    plan = _past_plan(routing, bearings)
    assert plan.unassigned == []
    assert sorted(s for r in plan.routes for s in r.stop_ids) == sorted(s.id for s in routing.stops)
    assert {r.vehicle_id for r in plan.routes} == {"VAN-1", "VAN-2", "VAN-3", "SCOOTER-1"}
    assert check_plan(routing, plan) == []


def test_the_same_day_gives_the_same_plan() -> None:
    first = _past_plan(*problem(16, seed=9))
    second = _past_plan(*problem(16, seed=9))
    assert [(r.vehicle_id, r.stop_ids) for r in first.routes] == [(r.vehicle_id, r.stop_ids) for r in second.routes]
