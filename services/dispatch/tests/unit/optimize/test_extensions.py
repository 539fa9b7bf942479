"""The optional VROOM-like extensions of /optimize: each on a small instance, checked in float."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from smartdist_dispatch.optimize.schemas import OptimizeRequest
from smartdist_dispatch.optimize.service import optimize, optimize_with_plan
from smartdist_dispatch.planning.feasibility import check_plan
from smartdist_dispatch.planning.model import RELOAD


def request(**changes) -> OptimizeRequest:
    data = {
        "metric": "euclidean",
        "depot": {"location": [0, 0], "time_window": [0, 1000]},
        "vehicles": [{"id": "v1", "capacity": 10}],
        "jobs": [
            {"id": 1, "location": [10, 0], "demand": 2, "service": 5},
            {"id": 2, "location": [20, 0], "demand": 2, "service": 5},
        ],
        "time_limit_s": 0.3,
    }
    data.update(changes)
    return OptimizeRequest.model_validate(data)


def solve(req: OptimizeRequest):  # type: ignore[no-untyped-def]
    response, problem, plan = optimize_with_plan(req)
    assert check_plan(problem, plan) == []
    return response, plan


def test_several_time_windows_use_the_later_one_when_the_first_cannot_be_reached():
    jobs = [{"id": "x", "location": [50, 0], "time_windows": [[0, 10], [100, 120]], "service": 1}]
    response, plan = solve(request(jobs=jobs))
    assert response.routes[0].jobs == ["x"]
    assert response.unassigned == []
    # Unreachable by 10 (50 away): served in the second window, departure pushed late to not wait.
    assert 100 <= plan.routes[0].visits[0].start <= 120


def test_optional_job_with_a_tiny_penalty_is_dropped_and_its_reason_given():
    jobs = [
        {"id": "near", "location": [5, 0]},
        {"id": "far", "location": [300, 0], "penalty": 1},
        {"id": "worth", "location": [0, 30], "penalty": 1000},
    ]
    response, _ = solve(request(jobs=jobs))
    assert response.unassigned == ["far"]
    assert response.unassigned_reasons == {"far": "not_worth_serving"}
    assert sorted(map(str, response.routes[0].jobs)) == ["near", "worth"]


def test_priority_decides_which_job_the_single_small_vehicle_serves():
    jobs = [
        {"id": "low", "location": [10, 0], "demand": 8},
        {"id": "high", "location": [20, 0], "demand": 8, "priority": 10},
    ]
    response, _ = solve(request(jobs=jobs))
    assert response.routes[0].jobs == ["high"]
    assert response.unassigned == ["low"]
    assert response.unassigned_reasons["low"] == "fleet_exhausted"


def test_several_demand_dimensions_bind_on_the_dimension_that_is_full():
    vehicles = [{"id": "a", "capacity": [10, 2]}, {"id": "b", "capacity": [10, 2]}]
    jobs = [
        {"id": 1, "location": [10, 0], "demand": [1, 2]},
        {"id": 2, "location": [11, 0], "demand": [1, 2]},
    ]
    response, _ = solve(request(vehicles=vehicles, jobs=jobs))
    # One dimension alone would fit both on one vehicle; the second forces two routes.
    assert response.vehicles_used == 2
    assert response.unassigned == []


def test_break_is_taken_inside_its_window_and_shows_as_a_gap():
    vehicles = [{"id": "v1", "capacity": 10, "breaks": [{"time_window": [20, 40], "service": 30}]}]
    jobs = [{"id": k, "location": [10 * k, 0], "service": 10} for k in range(1, 5)]
    response, plan = solve(request(vehicles=vehicles, jobs=jobs))
    route = plan.routes[0]
    gaps = []
    previous_departure, previous_location = route.start_time, 0
    for visit in route.visits:
        location = int(str(visit.stop_id)) * 10
        travel = abs(location - previous_location)
        gap = visit.arrival - (previous_departure + travel)
        if gap > 1e-6:
            gaps.append((previous_departure, gap))
        previous_departure, previous_location = visit.departure, location
    assert len(gaps) == 1
    leg_start, gap = gaps[0]
    assert gap == pytest.approx(30.0)
    assert leg_start <= 40  # the break starts inside [20, 40] on that leg
    out = response.routes[0]
    assert out.starts is not None and out.end_time == pytest.approx(route.end_time)


def test_missed_break_window_makes_the_route_infeasible_so_no_job_is_served_late():
    # The shift ends at 60: the 50-long break must start by 10, leaving too little time for the job.
    vehicles = [
        {"id": "v1", "capacity": 10, "time_window": [0, 60], "breaks": [{"time_window": [0, 10], "service": 50}]}
    ]
    jobs = [{"id": 1, "location": [10, 0], "service": 5}]
    response, _ = solve(request(vehicles=vehicles, jobs=jobs))
    assert response.unassigned == [1]


def test_max_trips_reloads_at_the_depot_to_serve_twice_the_capacity():
    vehicles = [{"id": "v1", "capacity": 4, "max_trips": 2}]
    jobs = [{"id": k, "location": [10, k], "demand": 2} for k in range(1, 5)]
    response, plan = solve(request(vehicles=vehicles, jobs=jobs))
    assert response.unassigned == []
    assert sorted(response.routes[0].jobs) == [1, 2, 3, 4]
    assert response.routes[0].reloads is not None and len(response.routes[0].reloads) == 1
    assert [v.stop_id for v in plan.routes[0].visits].count(RELOAD) == 1
    # The same request with one trip leaves half of it unserved.
    one_trip = optimize(request(vehicles=[{"id": "v1", "capacity": 4}], jobs=jobs))
    assert len(one_trip.unassigned) == 2


def test_max_working_time_limits_a_route():
    vehicles = [{"id": "v1", "capacity": 10, "max_working_time": 50}]
    jobs = [{"id": "near", "location": [10, 0]}, {"id": "far", "location": [0, 40]}]
    response, _ = solve(request(vehicles=vehicles, jobs=jobs))
    assert response.routes[0].jobs == ["near"]
    assert response.unassigned_reasons == {"far": "working_time"}


def test_fixed_cost_makes_one_vehicle_cheaper_than_two():
    vehicles = [{"id": "a", "capacity": 10, "fixed_cost": 1000}, {"id": "b", "capacity": 10, "fixed_cost": 1000}]
    jobs = [{"id": 1, "location": [10, 0]}, {"id": 2, "location": [0, 10]}]
    response, _ = solve(request(vehicles=vehicles, jobs=jobs))
    assert response.vehicles_used == 1


def test_shipments_go_on_one_route_pickup_first():
    shipments = [
        {"id": "s1", "demand": 3, "pickup": {"location": [30, 0], "service": 2}, "delivery": {"location": [5, 0]}},
        {
            "id": 7,
            "demand": 3,
            "pickup": {"location": [0, 30]},
            "delivery": {"location": [0, 5], "time_window": [0, 500]},
        },
    ]
    vehicles = [{"id": "a", "capacity": 4}, {"id": "b", "capacity": 4}]
    response, _ = solve(request(vehicles=vehicles, jobs=[], shipments=shipments))
    assert response.unassigned == []
    for route in response.routes:
        for sid in ("s1", "7"):
            if f"{sid}:pickup" in route.jobs or f"{sid}:delivery" in route.jobs:
                assert route.jobs.index(f"{sid}:pickup") < route.jobs.index(f"{sid}:delivery")


def test_balance_workload_spreads_the_jobs_over_both_vehicles():
    vehicles = [{"id": "a", "capacity": 10}, {"id": "b", "capacity": 10}]
    jobs = [{"id": k, "location": [10, k], "service": 50} for k in range(1, 5)]
    unbalanced = optimize(request(vehicles=vehicles, jobs=jobs))
    assert unbalanced.vehicles_used == 1
    balanced, _ = solve(request(vehicles=vehicles, jobs=jobs, balance_workload=True))
    assert sorted(len(r.jobs) for r in balanced.routes) == [2, 2]


def test_contract_only_request_answers_exactly_as_the_contract_says():
    response = optimize(request())
    dumped = response.model_dump(mode="json", exclude_none=True)
    assert set(dumped["routes"][0]) == {"vehicle", "jobs", "distance", "arrivals"}
    assert dumped["total_distance"] == pytest.approx(40.0)
    assert dumped["unassigned_reasons"] == {}
    assert math.isclose(sum(r["distance"] for r in dumped["routes"]), 40.0)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"jobs": [{"id": 1, "location": [1, 1], "time_window": [0, 5], "time_windows": [[0, 5]]}]}, "not both"),
        ({"jobs": [{"id": 1, "location": [1, 1], "time_windows": [[0, 5], [3, 9]]}]}, "overlap"),
        ({"jobs": [{"id": 1, "location": [1, 1], "demand": [1, 2]}]}, "dimension"),
        ({"vehicles": [{"id": "a", "capacity": [1, 2]}, {"id": "b", "capacity": [1, 2, 3]}], "jobs": []}, "dimension"),
        ({"vehicles": [{"id": "a", "capacity": 1, "max_trips": 0}]}, "max_trips"),
        ({"vehicles": [{"id": "a", "capacity": 1, "breaks": [{"time_window": [9, 3], "service": 1}]}]}, "time_window"),
        (
            {
                "shipments": [
                    {"id": 1, "pickup": {"location": [1, 1]}, "delivery": {"location": [2, 2]}},
                    {"id": 1, "pickup": {"location": [1, 1]}, "delivery": {"location": [2, 2]}},
                ]
            },
            "repeats",
        ),
        ({"shipments": [{"id": "s", "pickup": {"location": [1, 1]}}]}, "delivery"),
        ({"jobs": [{"id": 1, "location": [1, 1], "penalty": -1}]}, "penalty"),
    ],
)
def test_bad_extensions_are_refused_naming_the_field(changes, fragment):
    with pytest.raises(ValidationError) as raised:
        request(**changes)
    assert fragment in str(raised.value)


def test_plan_mode_judges_a_shipment_drawn_delivery_first():
    from smartdist_dispatch.optimize.schemas import EvaluateRequest
    from smartdist_dispatch.optimize.service import evaluate

    data = request(
        vehicles=[{"id": "v1", "capacity": 10}],
        jobs=[],
        shipments=[{"id": "s", "demand": 1, "pickup": {"location": [10, 0]}, "delivery": {"location": [20, 0]}}],
    ).model_dump(exclude_none=True)
    drawn = EvaluateRequest.model_validate(data | {"routes": [{"vehicle": "v1", "jobs": ["s:delivery", "s:pickup"]}]})
    answer = evaluate(drawn)
    kinds = {v.kind for v in answer.violations}
    assert "pair_order" in kinds
    assert answer.feasible is False
    fine = EvaluateRequest.model_validate(data | {"routes": [{"vehicle": "v1", "jobs": ["s:pickup", "s:delivery"]}]})
    assert evaluate(fine).feasible is True


def test_extension_fields_at_their_defaults_answer_like_the_contract_only_request():
    jobs = [
        {"id": 1, "location": [10, 0], "demand": 4, "time_window": [0, 100], "service": 2},
        {"id": 2, "location": [20, 0], "demand": 4, "time_window": [0, 100], "service": 2},
        {"id": 3, "location": [0, 10], "demand": 4, "time_window": [30, 60], "service": 2},
    ]
    vehicles = [{"id": "a", "capacity": 8}, {"id": "b", "capacity": 8}]
    plain = optimize(request(vehicles=vehicles, jobs=jobs))
    defaults = optimize(
        request(
            vehicles=[v | {"breaks": [], "max_trips": 1, "fixed_cost": 0} for v in vehicles],
            jobs=[j | {"priority": 0} for j in jobs],
            shipments=[],
            balance_workload=False,
        )
    )
    keep = {"routes", "unassigned", "total_distance", "vehicles_used", "unassigned_reasons"}
    assert plain.model_dump(include=keep, exclude_none=True) == defaults.model_dump(include=keep, exclude_none=True)
    assert plain.total_distance == pytest.approx(20 + 20 + 20)  # 1,2 on one van (40), 3 alone (20)
