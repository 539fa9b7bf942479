from __future__ import annotations

import math

import pytest

from smartdist_dispatch.matrix.haversine import great_circle_m
from smartdist_dispatch.optimize.schemas import OptimizeRequest
from smartdist_dispatch.optimize.service import optimize, optimize_with_plan
from smartdist_dispatch.planning.feasibility import check_plan

JOBS = [
    {"id": 1, "location": [10, 0], "demand": 4, "time_window": [0, 100], "service": 2},
    {"id": 2, "location": [20, 0], "demand": 4, "time_window": [0, 100], "service": 2},
    {"id": 3, "location": [0, 10], "demand": 4, "time_window": [30, 60], "service": 2},
    {"id": 4, "location": [0, 20], "demand": 4, "time_window": [0, 100], "service": 2},
    {"id": "far", "location": [400, 400], "demand": 1, "time_window": [0, 1000], "service": 0},
]


def body(**changes) -> OptimizeRequest:
    data = {
        "metric": "euclidean",
        "depot": {"location": [0, 0], "time_window": [0, 200]},
        "fleet": {"count": 3, "capacity": 8},
        "jobs": JOBS,
        "objective": "distance",
        "time_limit_s": 0.3,
    }
    data.update(changes)
    return OptimizeRequest.model_validate(data)


def route_length(depot, jobs_by_id, job_ids) -> float:
    points = [depot] + [jobs_by_id[j]["location"] for j in job_ids] + [depot]
    return sum(math.dist(a, b) for a, b in zip(points, points[1:], strict=False))


def test_plan_respects_capacity_windows_and_reports_the_unreachable_job():
    response, problem, plan = optimize_with_plan(body())
    assert check_plan(problem, plan) == []
    assert response.unassigned == ["far"]
    by_id = {j["id"]: j for j in JOBS}
    for route in response.routes:
        assert sum(by_id[j]["demand"] for j in route.jobs) <= 8
        assert route.distance == pytest.approx(route_length([0, 0], by_id, route.jobs), rel=1e-12)
        for job_id, arrival in zip(route.jobs, route.arrivals, strict=True):
            assert arrival <= by_id[job_id]["time_window"][1] + 1e-9
    assert response.total_distance == pytest.approx(sum(r.distance for r in response.routes))
    assert response.vehicles_used == len(response.routes) == 2
    assert sorted(j for r in response.routes for j in r.jobs) == [1, 2, 3, 4]


def test_fleet_size_caps_the_routes_and_the_rest_is_unassigned():
    response = optimize(body(fleet={"count": 1, "capacity": 8}))
    assert response.vehicles_used == 1
    assert len(response.unassigned) == 3
    assert "far" in response.unassigned


def test_vehicles_list_keeps_ids_and_shift_windows():
    vehicles = [{"id": "van-1", "capacity": 8, "time_window": [0, 200]}, {"id": "van-2", "capacity": 8}]
    response = optimize(body(vehicles=vehicles, fleet=None, jobs=JOBS[:4]))
    assert {r.vehicle for r in response.routes} == {"van-1", "van-2"}
    assert response.unassigned == []


def test_vehicles_then_distance_uses_one_route_when_one_suffices():
    jobs = [{"id": k, "location": [k, 0], "demand": 1} for k in range(1, 6)]
    response = optimize(body(jobs=jobs, objective="vehicles_then_distance"))
    assert response.vehicles_used == 1
    assert response.total_distance == pytest.approx(10.0)


def test_haversine_metric_plans_in_metres_and_seconds():
    jobs = [
        {"id": "101", "location": [121.5645, 25.0340], "demand": 1, "time_window": [0, 7200], "service": 300},
        {"id": "station", "location": [121.5170, 25.0478], "demand": 1, "time_window": [0, 7200], "service": 300},
    ]
    response = optimize(
        body(metric="haversine", depot={"location": [121.54, 25.04], "time_window": [0, 8 * 3600]}, jobs=jobs)
    )
    assert response.unassigned == []
    depot = (121.54, 25.04)
    by_id = {j["id"]: tuple(j["location"]) for j in jobs}
    for route in response.routes:
        points = [depot] + [by_id[j] for j in route.jobs] + [depot]
        legs = great_circle_m(points)
        assert route.distance == pytest.approx(sum(legs[k, k + 1] for k in range(len(points) - 1)))
    assert 5_000 < response.total_distance < 20_000


def test_answer_comes_within_the_time_limit():
    response = optimize(body(time_limit_s=0.5))
    assert response.solve_time_s < 0.5 + 0.5


def test_no_jobs_gives_an_empty_plan_at_once():
    response = optimize(body(jobs=[]))
    assert response.routes == [] and response.unassigned == []
    assert response.total_distance == 0.0 and response.vehicles_used == 0
    assert response.solve_time_s < 0.5
