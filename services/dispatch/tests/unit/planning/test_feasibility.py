from __future__ import annotations

import pytest

from smartdist_dispatch.planning.feasibility import check_plan, evaluate_route
from smartdist_dispatch.planning.model import (
    RELOAD,
    Break,
    PickupDelivery,
    Plan,
    PlannedRoute,
    Stop,
    TimeWindow,
    Unassigned,
    UnassignedReason,
    Vehicle,
)


def kinds(evaluation) -> set[str]:
    return {v.kind for v in evaluation.violations}


def test_route_along_a_line_has_real_distance_and_arrivals(line_problem):
    problem = line_problem()
    evaluation = evaluate_route(problem, problem.vehicles[0], ["s1", "s2", "s3"])
    assert evaluation.feasible
    assert evaluation.distance == pytest.approx(60.0)
    assert [v.arrival for v in evaluation.visits] == pytest.approx([10.0, 20.0, 30.0])
    assert evaluation.end_time == pytest.approx(60.0)


def test_waiting_for_a_window_is_allowed_and_departure_is_pushed_later(line_problem):
    stops = [Stop("s1", 1, (1,), (TimeWindow(50.0, 60.0),), 5.0)]
    problem = line_problem(stops=stops)
    evaluation = evaluate_route(problem, problem.vehicles[0], ["s1"])
    assert evaluation.feasible
    assert evaluation.visits[0].start == pytest.approx(50.0)
    # Leaving at 40 instead of 0 removes the wait: the driver works 25, not 65.
    assert evaluation.start_time == pytest.approx(40.0)
    assert evaluation.duration == pytest.approx(25.0)


def test_arriving_after_the_window_is_a_late_violation(line_problem):
    stops = [Stop("s3", 3, (1,), (TimeWindow(0.0, 20.0),), 0.0)]
    problem = line_problem(stops=stops)
    evaluation = evaluate_route(problem, problem.vehicles[0], ["s3"])
    assert [(v.kind, v.stop_id) for v in evaluation.violations] == [("late", "s3")]


def test_second_time_window_is_used_when_the_first_has_closed(line_problem):
    stops = [Stop("s3", 3, (1,), (TimeWindow(0.0, 20.0), TimeWindow(100.0, 120.0)), 0.0)]
    problem = line_problem(stops=stops)
    evaluation = evaluate_route(problem, problem.vehicles[0], ["s3"], depart_at=0.0)
    assert evaluation.feasible
    assert evaluation.visits[0].start == pytest.approx(100.0)


def test_overload_in_any_dimension_is_flagged(line_problem):
    stops = [Stop(f"s{k}", k, (3, 1), (), 0.0) for k in range(1, 4)]
    vehicles = [Vehicle("v1", (100, 2))]
    problem = line_problem(stops=stops, vehicles=vehicles)
    evaluation = evaluate_route(problem, vehicles[0], ["s1", "s2", "s3"])
    assert "capacity" in kinds(evaluation)
    assert evaluate_route(problem, vehicles[0], ["s1", "s2"]).feasible


def test_reload_lets_one_vehicle_carry_twice_its_capacity(line_problem):
    stops = [Stop(f"s{k}", k, (6,), (), 0.0) for k in range(1, 3)]
    vehicles = [Vehicle("v1", (10,), max_trips=2, reload_time=5.0)]
    problem = line_problem(stops=stops, vehicles=vehicles)
    assert "capacity" in kinds(evaluate_route(problem, vehicles[0], ["s1", "s2"]))
    evaluation = evaluate_route(problem, vehicles[0], ["s1", RELOAD, "s2"])
    assert evaluation.feasible
    assert evaluation.distance == pytest.approx(20.0 + 40.0)


def test_more_trips_than_the_vehicle_allows_are_flagged(line_problem):
    problem = line_problem()
    evaluation = evaluate_route(problem, problem.vehicles[0], ["s1", RELOAD, "s2"])
    assert "too_many_trips" in kinds(evaluation)


def test_shift_end_and_working_time_limits(line_problem):
    vehicles = [Vehicle("v1", (10,), shift=TimeWindow(0.0, 50.0), max_working_time=30.0)]
    problem = line_problem(vehicles=vehicles)
    evaluation = evaluate_route(problem, vehicles[0], ["s3"])
    assert kinds(evaluation) == {"shift_end", "working_time"}


def test_break_is_taken_while_waiting_for_a_window(line_problem):
    stops = [Stop("s1", 1, (1,), (TimeWindow(100.0, 110.0),), 0.0)]
    vehicles = [Vehicle("v1", (10,), shift=TimeWindow(0.0, 200.0), breaks=(Break(TimeWindow(20.0, 60.0), 30.0),))]
    problem = line_problem(stops=stops, vehicles=vehicles)
    evaluation = evaluate_route(problem, vehicles[0], ["s1"])
    assert evaluation.feasible
    assert evaluation.visits[0].start == pytest.approx(100.0)


def test_break_window_passing_with_no_room_is_missed(line_problem):
    stops = [Stop(f"s{k}", k, (1,), (), 20.0) for k in range(1, 6)]
    vehicles = [Vehicle("v1", (10,), shift=TimeWindow(0.0, 500.0), breaks=(Break(TimeWindow(5.0, 8.0), 30.0),))]
    problem = line_problem(stops=stops, vehicles=vehicles)
    # The break window opens during the first leg, so the break is taken on the way.
    evaluation = evaluate_route(problem, vehicles[0], ["s1", "s2"])
    assert evaluation.feasible
    assert evaluation.visits[0].arrival == pytest.approx(40.0)
    late = [Vehicle("v1", (10,), shift=TimeWindow(50.0, 500.0), breaks=(Break(TimeWindow(5.0, 8.0), 30.0),))]
    assert "break_missed" in kinds(evaluate_route(line_problem(stops=stops, vehicles=late), late[0], ["s1"]))


def test_pickup_must_come_before_its_delivery_on_the_same_route(line_problem):
    stops = [Stop("p", 1, (4,), (), 0.0), Stop("d", 3, (4,), (), 0.0)]
    problem = line_problem(stops=stops, pairs=[PickupDelivery("p", "d")])
    vehicle = problem.vehicles[0]
    assert evaluate_route(problem, vehicle, ["p", "d"]).feasible
    assert evaluate_route(problem, vehicle, ["p", "d"]).visits[0].load_after == (4,)
    assert "pair_order" in kinds(evaluate_route(problem, vehicle, ["d", "p"]))
    assert "pair_split" in kinds(evaluate_route(problem, vehicle, ["p"]))


def test_check_plan_finds_missing_and_duplicated_stops_and_fleet_overuse(line_problem):
    problem = line_problem()
    vehicle = problem.vehicles[0]
    route = evaluate_route(problem, vehicle, ["s1", "s2", "s2"]).as_planned_route()
    plan = Plan([route, route], [Unassigned("s3", UnassignedReason.CAPACITY)], "test", 0.0)
    found = {(v.kind, v.stop_id) for v in check_plan(problem, plan)}
    assert ("missing", "s4") in found
    assert ("duplicate", "s2") in found
    assert ("vehicle_reused", None) in found
    assert ("fleet_size", None) in found


def test_check_plan_catches_a_distance_that_is_not_the_real_length(line_problem):
    problem = line_problem(stops=[Stop("s1", 1, (1,), (), 0.0)])
    route = evaluate_route(problem, problem.vehicles[0], ["s1"]).as_planned_route()
    forged = PlannedRoute(route.vehicle_id, route.visits, route.start_time, route.end_time, 19.0, route.duration)
    assert {v.kind for v in check_plan(problem, Plan([forged], [], "test", 0.0))} == {"distance_mismatch"}
