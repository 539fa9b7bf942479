"""Random small VRPTW instances: whatever an engine returns passes the float feasibility judge."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartdist_dispatch.planning.feasibility import check_plan
from smartdist_dispatch.planning.model import Break, PickupDelivery, RoutingProblem, Stop, TimeWindow, Vehicle
from smartdist_dispatch.planning.ortools_engine import OrToolsEngine
from smartdist_dispatch.planning.pyvrp_engine import PyVRPEngine

coordinate = st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def instances(draw, rich: bool = False) -> RoutingProblem:
    count = draw(st.integers(min_value=1, max_value=12))
    points = [(50.0, 50.0)] + [(draw(coordinate), draw(coordinate)) for _ in range(count)]
    xy = np.asarray(points)
    matrix = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    horizon = draw(st.floats(min_value=80, max_value=400))
    stops = []
    for k in range(1, count + 1):
        start = draw(st.floats(min_value=0, max_value=horizon))
        width = draw(st.floats(min_value=0, max_value=horizon / 2))
        windows = [TimeWindow(start, start + width)]
        if rich and draw(st.booleans()):
            later = start + width + draw(st.floats(min_value=1, max_value=100))
            windows.append(TimeWindow(later, later + draw(st.floats(min_value=0, max_value=50))))
        stops.append(
            Stop(
                f"j{k}",
                k,
                (draw(st.integers(min_value=0, max_value=12)),),
                tuple(windows),
                draw(st.floats(min_value=0, max_value=15)),
                priority=draw(st.integers(min_value=0, max_value=3)) if rich else 0,
            )
        )
    fleet = draw(st.integers(min_value=1, max_value=4))
    capacity = draw(st.integers(min_value=5, max_value=30))
    breaks: tuple[Break, ...] = ()
    if rich and draw(st.booleans()):
        opens = draw(st.floats(min_value=0, max_value=horizon / 2))
        breaks = (Break(TimeWindow(opens, opens + 60.0), draw(st.floats(min_value=5, max_value=30))),)
    trips = draw(st.integers(min_value=1, max_value=2)) if rich else 1
    vehicles = [
        Vehicle(f"v{k}", (capacity,), shift=TimeWindow(0.0, horizon), breaks=breaks, max_trips=trips)
        for k in range(fleet)
    ]
    pairs = [PickupDelivery("j1", "j2")] if rich and count >= 2 and draw(st.booleans()) else []
    objective = draw(st.sampled_from(["distance", "vehicles_then_distance"]))
    balance = rich and draw(st.booleans())
    return RoutingProblem(matrix, matrix, stops, vehicles, pairs=pairs, objective=objective, balance_workload=balance)


def assert_sound(problem: RoutingProblem, plan) -> None:
    assert check_plan(problem, plan) == []
    assert plan.vehicles_used <= len(problem.vehicles)
    for route in plan.routes:
        assert math.isfinite(route.distance)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_pyvrp_plans_are_always_feasible_and_complete(problem):
    assert_sound(problem, PyVRPEngine().solve(problem, 0.15))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(rich=True))
def test_ortools_plans_with_rich_constraints_are_always_feasible_and_complete(problem):
    assert_sound(problem, OrToolsEngine().solve(problem, 0.15))
