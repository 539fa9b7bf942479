"""Both engines on small instances: every returned plan passes the float feasibility check."""

from __future__ import annotations

import pytest

from smartdist_dispatch.planning.feasibility import check_plan
from smartdist_dispatch.planning.model import RELOAD, Stop, TimeWindow, UnassignedReason, Vehicle
from smartdist_dispatch.planning.ortools_engine import OrToolsEngine
from smartdist_dispatch.planning.pyvrp_engine import PyVRPEngine

ENGINES = [PyVRPEngine(), OrToolsEngine()]


def reasons(plan) -> dict[str, UnassignedReason]:
    return {u.stop_id: u.reason for u in plan.unassigned}


def real_length(problem, route) -> float:
    locations = (
        [problem.vehicles[0].start_location]
        + [problem.stop_by_id()[sid].location if sid != RELOAD else 0 for sid in (v.stop_id for v in route.visits)]
        + [0]
    )
    return sum(problem.distance[a, b] for a, b in zip(locations, locations[1:], strict=False))


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
@pytest.mark.parametrize("instance", ["C101", "R101", "RC201"])
def test_solomon_prefix_plan_is_feasible_and_serves_every_customer(engine, instance, solomon_problem):
    problem = solomon_problem(instance, customers=25)
    plan = engine.solve(problem, time_limit_s=0.5)
    assert check_plan(problem, plan) == []
    assert plan.unassigned == []
    assert plan.vehicles_used <= len(problem.vehicles)
    for route in plan.routes:
        assert route.distance == pytest.approx(real_length(problem, route), rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_vehicles_first_objective_uses_no_more_routes_than_distance_objective(engine, solomon_problem):
    by_distance = engine.solve(solomon_problem("R101", 25, "distance"), 0.5)
    problem = solomon_problem("R101", 25, "vehicles_then_distance")
    fewest = engine.solve(problem, 0.5)
    assert check_plan(problem, fewest) == []
    assert fewest.vehicles_used <= by_distance.vehicles_used


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_unservable_stops_come_back_with_their_reason(engine, line_problem):
    stops = [
        Stop("s1", 1, (2,), (), 0.0),
        Stop("heavy", 2, (50,), (), 0.0),
        Stop("too_early", 3, (1,), (TimeWindow(0.0, 5.0),), 0.0),
        Stop("s4", 4, (2,), (), 0.0),
    ]
    problem = line_problem(stops=stops)
    plan = engine.solve(problem, 0.3)
    assert check_plan(problem, plan) == []
    assert reasons(plan) == {"heavy": UnassignedReason.CAPACITY, "too_early": UnassignedReason.TIME_WINDOW}
    assert sorted(sid for r in plan.routes for sid in r.stop_ids) == ["s1", "s4"]


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_small_fleet_serves_what_fits_and_says_fleet_exhausted_for_the_rest(engine, line_problem):
    stops = [Stop(f"s{k}", k, (6,), (), 0.0) for k in range(1, 4)]
    problem = line_problem(stops=stops)
    plan = engine.solve(problem, 0.3)
    assert check_plan(problem, plan) == []
    assert len(plan.routes) == 1 and len(plan.routes[0].stop_ids) == 1
    assert set(reasons(plan).values()) == {UnassignedReason.FLEET_EXHAUSTED}
    assert len(plan.unassigned) == 2


def test_small_fleet_drops_lowest_priority_stops_first(line_problem):
    stops = [Stop(f"s{k}", k, (6,), (), 0.0, priority=p) for k, p in ((1, 0), (2, 5), (3, 1))]
    problem = line_problem(stops=stops)
    assert not PyVRPEngine().supports(problem)
    plan = OrToolsEngine().solve(problem, 0.3)
    assert check_plan(problem, plan) == []
    assert [r.stop_ids for r in plan.routes] == [["s2"]]
    assert reasons(plan) == {"s1": UnassignedReason.FLEET_EXHAUSTED, "s3": UnassignedReason.FLEET_EXHAUSTED}


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_optional_stop_whose_penalty_is_below_its_detour_is_dropped(engine, line_problem):
    stops = [Stop("near", 1, (1,), (), 0.0), Stop("far", 5, (1,), (), 0.0, penalty=30)]
    problem = line_problem(stops=stops)
    plan = engine.solve(problem, 0.3)
    assert reasons(plan) == {"far": UnassignedReason.NOT_WORTH_SERVING}
    worth_it = line_problem(stops=[stops[0], Stop("far", 5, (1,), (), 0.0, penalty=500)])
    assert engine.solve(worth_it, 0.3).unassigned == []


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_one_vehicle_reloads_at_the_depot_to_serve_more_than_its_capacity(engine, line_problem):
    stops = [Stop(f"s{k}", k, (5,), (), 0.0) for k in range(1, 5)]
    vehicles = [Vehicle("v1", (10,), shift=TimeWindow(0.0, 1000.0), max_trips=2, reload_time=3.0)]
    problem = line_problem(stops=stops, vehicles=vehicles)
    plan = engine.solve(problem, 0.5)
    assert check_plan(problem, plan) == []
    assert plan.unassigned == []
    sequence = [v.stop_id for v in plan.routes[0].visits]
    assert sequence.count(RELOAD) == 1


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_second_capacity_dimension_limits_the_route(engine, line_problem):
    stops = [Stop(f"s{k}", k, (1, 3), (), 0.0) for k in range(1, 5)]
    vehicles = [Vehicle("v1", (100, 6)), Vehicle("v2", (100, 6))]
    problem = line_problem(stops=stops, vehicles=vehicles)
    plan = engine.solve(problem, 0.3)
    assert check_plan(problem, plan) == []
    assert plan.unassigned == []
    assert sorted(len(r.stop_ids) for r in plan.routes) == [2, 2]


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_max_working_time_splits_work_between_drivers(engine, line_problem):
    stops = [Stop(f"s{k}", k, (1,), (), 30.0) for k in (1, 5)]
    vehicles = [Vehicle(f"v{k}", (10,), max_working_time=130.0) for k in (1, 2)]
    problem = line_problem(stops=stops, vehicles=vehicles)
    plan = engine.solve(problem, 0.3)
    assert check_plan(problem, plan) == []
    assert plan.vehicles_used == 2


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_fixed_cost_steers_work_to_the_cheaper_vehicle(engine, line_problem):
    vehicles = [Vehicle("hired", (10,), fixed_cost=500), Vehicle("own", (10,), fixed_cost=0)]
    problem = line_problem(vehicles=vehicles)
    plan = engine.solve(problem, 0.3)
    assert check_plan(problem, plan) == []
    assert [r.vehicle_id for r in plan.routes] == ["own"]


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_vehicles_first_still_drops_an_optional_stop_not_worth_a_vehicle(engine, line_problem):
    stops = [Stop("near", 1, (8,), (), 0.0), Stop("far", 5, (8,), (), 0.0, penalty=5)]
    vehicles = [Vehicle("v1", (10,)), Vehicle("v2", (10,))]
    problem = line_problem(stops=stops, vehicles=vehicles, objective="vehicles_then_distance")
    plan = engine.solve(problem, 0.3)
    assert check_plan(problem, plan) == []
    assert reasons(plan) == {"far": UnassignedReason.NOT_WORTH_SERVING}
    assert plan.vehicles_used == 1


def test_vehicles_first_counts_reloads_when_removing_vehicles(line_problem):
    stops = [Stop(f"s{k}", k, (6,), (), 0.0) for k in range(1, 5)]
    vehicles = [Vehicle(f"v{k}", (10,), max_trips=4) for k in range(3)]
    problem = line_problem(stops=stops, vehicles=vehicles, objective="vehicles_then_distance")
    plan = PyVRPEngine().solve(problem, 0.5)
    assert check_plan(problem, plan) == []
    assert plan.unassigned == []
    assert plan.vehicles_used == 1
