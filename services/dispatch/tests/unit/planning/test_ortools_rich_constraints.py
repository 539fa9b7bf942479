"""Constraints only the OR-Tools engine models: several windows, breaks, pairs, balancing."""

from __future__ import annotations

import time

import pytest

from smartdist_dispatch.planning.feasibility import check_plan
from smartdist_dispatch.planning.model import Break, PickupDelivery, Stop, TimeWindow, Vehicle
from smartdist_dispatch.planning.ortools_engine import OrToolsEngine
from smartdist_dispatch.planning.pyvrp_engine import PyVRPEngine
from smartdist_dispatch.planning.selection import choose_engine

ENGINE = OrToolsEngine()


def test_stop_is_served_in_its_second_window_when_the_first_cannot_be_met(line_problem):
    stops = [Stop("s5", 5, (1,), (TimeWindow(0.0, 20.0), TimeWindow(200.0, 220.0)), 0.0)]
    problem = line_problem(stops=stops)
    plan = ENGINE.solve(problem, 0.3)
    assert check_plan(problem, plan) == []
    assert plan.routes[0].visits[0].start == pytest.approx(200.0)


def test_driver_break_fits_in_the_route_and_is_replayed_feasible(line_problem):
    stops = [Stop(f"s{k}", k, (1,), (), 15.0) for k in range(1, 6)]
    vehicles = [Vehicle("v1", (10,), shift=TimeWindow(0.0, 300.0), breaks=(Break(TimeWindow(40.0, 80.0), 30.0),))]
    problem = line_problem(stops=stops, vehicles=vehicles)
    plan = ENGINE.solve(problem, 0.5)
    assert check_plan(problem, plan) == []
    assert plan.unassigned == []
    # Five services (75) + travel (100) + the break (30).
    assert plan.routes[0].end_time >= 205.0 - 1e-6


def test_pickup_and_delivery_pair_ride_the_same_vehicle_in_order(line_problem):
    stops = [Stop("pickup", 4, (8,), (), 0.0), Stop("delivery", 1, (8,), (), 0.0), Stop("s5", 5, (2,), (), 0.0)]
    vehicles = [Vehicle("v1", (10,)), Vehicle("v2", (10,))]
    problem = line_problem(stops=stops, vehicles=vehicles, pairs=[PickupDelivery("pickup", "delivery")])
    plan = ENGINE.solve(problem, 0.5)
    assert check_plan(problem, plan) == []
    route = next(r for r in plan.routes if "pickup" in r.stop_ids)
    assert route.stop_ids.index("pickup") < route.stop_ids.index("delivery")


def test_balancing_spreads_stops_over_both_drivers(line_problem):
    stops = [Stop(f"s{k}", k, (1,), (), 50.0) for k in range(1, 5)]
    vehicles = [Vehicle("v1", (10,)), Vehicle("v2", (10,))]
    unbalanced = ENGINE.solve(line_problem(stops=stops, vehicles=vehicles), 0.3)
    assert unbalanced.vehicles_used == 1
    problem = line_problem(stops=stops, vehicles=vehicles, balance_workload=True)
    balanced = ENGINE.solve(problem, 0.5)
    assert check_plan(problem, balanced) == []
    assert balanced.vehicles_used == 2


def test_automatic_choice_sends_rich_constraints_to_ortools(line_problem):
    assert isinstance(choose_engine(line_problem()), PyVRPEngine)
    two_windows = [Stop("s1", 1, (1,), (TimeWindow(0, 5), TimeWindow(9, 50)), 0.0)]
    assert isinstance(choose_engine(line_problem(stops=two_windows)), OrToolsEngine)
    with_break = [Vehicle("v1", (10,), breaks=(Break(TimeWindow(0, 10), 5.0),))]
    assert isinstance(choose_engine(line_problem(vehicles=with_break)), OrToolsEngine)
    assert isinstance(choose_engine(line_problem(balance_workload=True)), OrToolsEngine)
    with pytest.raises(ValueError):
        choose_engine(line_problem(balance_workload=True), "pyvrp")


def test_warm_start_from_pyvrp_keeps_every_rich_constraint(line_problem):
    from smartdist_dispatch.planning.ortools_engine import OrToolsSettings

    stops = [Stop(f"s{k}", k, (1,), (TimeWindow(0.0, 40.0), TimeWindow(150.0, 400.0)), 10.0) for k in range(1, 6)]
    vehicles = [
        Vehicle(
            f"v{k}", (3,), shift=TimeWindow(0.0, 600.0), breaks=(Break(TimeWindow(60.0, 120.0), 20.0),), max_trips=2
        )
        for k in (1, 2)
    ]
    problem = line_problem(stops=stops, vehicles=vehicles, balance_workload=True)
    plan = OrToolsEngine(OrToolsSettings(warm_start_share=0.4)).solve(problem, 0.6)
    assert check_plan(problem, plan) == []
    assert plan.unassigned == []


def test_without_a_first_solution_in_time_a_greedy_feasible_plan_is_returned(line_problem, monkeypatch):
    stops = [Stop(f"s{k}", k, (1,), (), 15.0) for k in range(1, 6)]
    vehicles = [
        Vehicle("v1", (3,), shift=TimeWindow(0.0, 300.0), breaks=(Break(TimeWindow(40.0, 80.0), 30.0),)),
        Vehicle("v2", (3,)),
    ]
    problem = line_problem(stops=stops, vehicles=vehicles)
    monkeypatch.setattr(OrToolsEngine, "_solve_servable", lambda self, *args: [])
    plan = OrToolsEngine().solve(problem, 0.2)
    assert check_plan(problem, plan) == []
    assert plan.unassigned == []
    assert plan.vehicles_used == 2


def test_hours_between_two_windows_are_kept_without_overrunning_the_limit(line_problem):
    # Seconds from midnight, as stored orders are planned: 08:00-09:00 or 17:00-18:00 — an 8-hour
    # gap. Holes that wide in the time variable once cost ~1 s each to build (4.7 s for a 1 s solve).
    hour = 3600.0
    morning_or_evening = (TimeWindow(8 * hour, 9 * hour), TimeWindow(17 * hour, 18 * hour))
    stops = [Stop(f"s{k}", k, (1,), morning_or_evening, 300.0) for k in range(1, 6)]
    # The van leaves at 09:30: every stop must wait for its evening window.
    vehicles = [Vehicle("v1", (10,), shift=TimeWindow(9.5 * hour, 20 * hour))]
    problem = line_problem(stops=stops, vehicles=vehicles)
    started = time.perf_counter()
    plan = OrToolsEngine().solve(problem, 1.0)
    elapsed = time.perf_counter() - started
    assert check_plan(problem, plan) == []
    assert plan.unassigned == []
    starts = [v.start for r in plan.routes for v in r.visits]
    assert len(starts) == 5 and all(17 * hour <= s <= 18 * hour for s in starts)
    assert elapsed < 2.5, f"a 1 s solve took {elapsed:.1f} s"
