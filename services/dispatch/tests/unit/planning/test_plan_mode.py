from __future__ import annotations

import pytest

from smartdist_dispatch.planning.model import Stop, TimeWindow, Vehicle
from smartdist_dispatch.planning.plan_mode import assess_plan


def test_hand_drawn_plan_gets_etas_distance_and_every_violation(line_problem):
    stops = [
        Stop("s1", 1, (4,), (), 5.0),
        Stop("s2", 2, (4,), (TimeWindow(0.0, 15.0),), 5.0),
        Stop("s3", 3, (4,), (), 5.0),
        Stop("s4", 4, (1,), (), 5.0),
    ]
    vehicles = [Vehicle("v1", (10,), shift=TimeWindow(0.0, 500.0)), Vehicle("v2", (10,), shift=TimeWindow(0.0, 500.0))]
    problem = line_problem(stops=stops, vehicles=vehicles)
    # The dispatcher's usual plan: one van does s1, s2, s3 (too heavy, s2 late), s4 forgotten.
    assessment = assess_plan(problem, {"v1": ["s1", "s2", "s3"]})
    route = assessment.routes[0]
    assert [round(v.arrival, 6) for v in route.visits] == [10.0, 25.0, 40.0]
    assert route.distance == pytest.approx(60.0)
    assert {(v.kind, v.stop_id) for v in route.violations} == {("late", "s2"), ("capacity", None)}
    assert {(v.kind, v.stop_id) for v in assessment.violations} == {("not_served", "s4")}
    assert not assessment.feasible
    assert assessment.total_distance == pytest.approx(60.0)


def test_good_manual_plan_is_reported_feasible(line_problem):
    problem = line_problem(vehicles=[Vehicle("v1", (10,)), Vehicle("v2", (10,))])
    assessment = assess_plan(problem, [("v1", ["s1", "s2", "s3"]), ("v2", ["s5", "s4"])])
    assert assessment.feasible
    assert assessment.total_distance == pytest.approx(60.0 + 100.0)


def test_same_vehicle_twice_or_a_stranger_vehicle_is_a_violation(line_problem):
    problem = line_problem()
    assessment = assess_plan(problem, [("v1", ["s1", "s2"]), ("v1", ["s3", "s4", "s5"]), ("v9", [])])
    kinds = {v.kind for v in assessment.violations}
    assert kinds == {"vehicle_reused", "unknown_vehicle"}


def test_given_departure_time_moves_every_eta(line_problem):
    problem = line_problem()
    assessment = assess_plan(problem, {"v1": ["s2"]}, depart_at={"v1": 100.0})
    assert assessment.routes[0].visits[0].arrival == pytest.approx(120.0)
