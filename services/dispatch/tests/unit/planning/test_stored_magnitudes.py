"""Stored-order magnitudes (grams, millilitres, boxes; metres; van fixed costs) in every engine.

PyVRP 0.14 bounds its penalty per unit of violation at 100,000; with these magnitudes that bound
made it return overloaded routes that the float re-check then cut (orders reported
verification_failed). These tests pin the fix: every order served, and the ones the fleet has no
room for reported fleet_exhausted.
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pytest
from pyvrp.exceptions import PenaltyBoundWarning

from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider
from smartdist_dispatch.planning.engine import RawRoute, finalize_plan, screen_stops
from smartdist_dispatch.planning.feasibility import check_plan
from smartdist_dispatch.planning.model import RoutingProblem, Stop, TimeWindow, UnassignedReason, Vehicle
from smartdist_dispatch.planning.pyvrp_engine import LOAD_RANGE, PyVRPEngine, load_divisors
from smartdist_dispatch.planning.selection import plan_routes

# Around Neihu and Songshan, a few km from the depot at (121.57, 25.08); (longitude, latitude).
PLACES = [(121.575, 25.079), (121.580, 25.070), (121.560, 25.062), (121.555, 25.051), (121.590, 25.085)]
DAY_WINDOW = (TimeWindow(9 * 3600, 17 * 3600),)
SHIFT = TimeWindow(8 * 3600, 18 * 3600)


def stored_day(vans: int = 2, boxes_per_van: int = 9, orders: int = 5) -> RoutingProblem:
    """Orders of 5 kg, 20 L and 3 boxes as planning_input builds them (g, ml, boxes), 500 TWD vans."""
    rng = np.random.default_rng(7)
    places = PLACES + [(121.57 + rng.normal(0, 0.02), 25.07 + rng.normal(0, 0.02)) for _ in range(orders - 5)]
    matrix = HaversineMatrixProvider().matrix([(121.57, 25.08), *places[:orders]])
    stops = [Stop(f"A-{k}", k + 1, (5_000, 20_000, 3), DAY_WINDOW, 300.0) for k in range(orders)]
    fleet = [
        Vehicle(f"V{k + 1}", (800_000, 3_000_000, boxes_per_van), shift=SHIFT, fixed_cost=50_000) for k in range(vans)
    ]
    return RoutingProblem(matrix.duration_s, matrix.distance_m, stops, fleet)


def test_pyvrp_serves_every_stored_order_in_grams_without_hitting_its_penalty_bound() -> None:
    problem = stored_day()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PenaltyBoundWarning)
        plan = PyVRPEngine().solve(problem, 1.0)
    assert plan.engine == "pyvrp"
    assert sorted(sid for r in plan.routes for sid in r.stop_ids) == [f"A-{k}" for k in range(5)]
    assert plan.unassigned == []
    assert check_plan(problem, plan) == []
    # 15 boxes on 9-box vans: both vans, neither over its boxes.
    assert [max(v.load_after[2] for v in r.visits) <= 9 for r in plan.routes] == [True, True]


def test_auto_takes_pyvrp_for_stored_orders_and_plans_them_all() -> None:
    problem = stored_day()
    plan = plan_routes(problem, 1.0, engine="auto")
    assert plan.engine == "pyvrp"
    assert sum(len(r.stop_ids) for r in plan.routes) == 5 and check_plan(problem, plan) == []


@pytest.mark.parametrize("engine", ["pyvrp", "ortools"])
def test_orders_the_fleet_has_no_room_for_are_fleet_exhausted(engine: str) -> None:
    # One 9-box van, five 3-box orders: three fit, two cannot.
    problem = stored_day(vans=1)
    plan = plan_routes(problem, 1.0, engine=engine)  # type: ignore[arg-type]
    assert check_plan(problem, plan) == []
    assert sum(len(r.stop_ids) for r in plan.routes) == 3
    assert Counter(u.reason for u in plan.unassigned) == {UnassignedReason.FLEET_EXHAUSTED: 2}


def test_pyvrp_plans_a_larger_stored_day_feasibly_and_names_every_order_it_drops() -> None:
    # 40 orders (120 boxes) on three 30-box vans: 30 orders fit at most.
    problem = stored_day(vans=3, boxes_per_van=30, orders=40)
    plan = plan_routes(problem, 1.5, engine="pyvrp")
    assert check_plan(problem, plan) == []
    served = sum(len(r.stop_ids) for r in plan.routes)
    assert served == 30
    assert {u.reason for u in plan.unassigned} == {UnassignedReason.FLEET_EXHAUSTED}


def test_a_stop_cut_by_the_recheck_goes_to_another_vehicle_when_one_has_room() -> None:
    problem = stored_day()
    # A solver answer that overloads V1 (15 boxes on a 9-box van) and leaves V2 idle.
    raw = [RawRoute("V1", [f"A-{k}" for k in range(5)])]
    plan = finalize_plan(problem, raw, [], "hand", 0.0)
    assert check_plan(problem, plan) == []
    assert plan.unassigned == []
    assert sorted(sid for r in plan.routes for sid in r.stop_ids) == [f"A-{k}" for k in range(5)]
    assert {r.vehicle_id for r in plan.routes} == {"V1", "V2"}


def test_a_stop_cut_by_the_recheck_with_no_room_anywhere_is_fleet_exhausted_not_verification_failed() -> None:
    problem = stored_day(vans=1)
    plan = finalize_plan(problem, [RawRoute("V1", [f"A-{k}" for k in range(5)])], [], "hand", 0.0)
    assert check_plan(problem, plan) == []
    assert len(plan.routes[0].stop_ids) == 3
    assert [u.reason for u in plan.unassigned] == [UnassignedReason.FLEET_EXHAUSTED] * 2


def test_load_divisors_are_exact_when_they_can_be_and_never_let_a_scaled_plan_overload() -> None:
    stops = [Stop("a", 1, (5_000, 20_000, 3)), Stop("b", 2, (12_500, 1_000_001, 1))]
    divisors = load_divisors(stops, [(800_000, 3_000_000, 9)])
    # Grams: gcd 2,500 leaves a 320-unit capacity (exact); boxes untouched; millilitres (gcd 1,
    # 3,000,000 units) divided further so the capacity fits LOAD_RANGE.
    assert divisors[0] == 2_500 and divisors[2] == 1
    assert 3_000_000 // divisors[1] <= LOAD_RANGE < 3_000_000
    # Demands round up and the capacity down: whatever fits in solver units fits in millilitres.
    d = divisors[1]
    rng = np.random.default_rng(1)
    for _ in range(200):
        demands = rng.integers(1, 400_000, size=int(rng.integers(1, 20)))
        if sum(-(-int(x) // d) for x in demands) <= 3_000_000 // d:
            assert int(demands.sum()) <= 3_000_000


def test_screening_and_scaling_agree_on_an_order_exactly_at_capacity() -> None:
    problem = stored_day(vans=1, orders=5)
    full = Stop("FULL", 1, (800_000, 3_000_000, 9), DAY_WINDOW, 300.0)
    problem = RoutingProblem(problem.travel_time, problem.distance, [full], problem.vehicles)
    assert screen_stops(problem)[1] == []
    plan = plan_routes(problem, 0.5, engine="pyvrp")
    assert [r.stop_ids for r in plan.routes] == [["FULL"]] and check_plan(problem, plan) == []
