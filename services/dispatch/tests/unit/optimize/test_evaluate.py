from __future__ import annotations

import pytest

from smartdist_dispatch.optimize.schemas import EvaluateRequest
from smartdist_dispatch.optimize.service import evaluate

PROBLEM = {
    "depot": {"location": [0, 0], "time_window": [0, 200]},
    "fleet": {"count": 2, "capacity": 8},
    "jobs": [
        {"id": 1, "location": [10, 0], "demand": 4, "time_window": [0, 100], "service": 5},
        {"id": 2, "location": [20, 0], "demand": 4, "time_window": [0, 20], "service": 5},
        {"id": 3, "location": [30, 0], "demand": 4},
    ],
}


def test_usual_plan_is_replayed_with_every_violation_named():
    request = EvaluateRequest.model_validate(PROBLEM | {"routes": [{"vehicle": 1, "jobs": [1, 2, 3]}]})
    result = evaluate(request)
    route = result.routes[0]
    assert route.jobs == [1, 2, 3]
    assert route.arrivals == pytest.approx([10.0, 25.0, 40.0])
    assert route.distance == pytest.approx(60.0)
    found = {(v.kind, v.job) for v in result.violations}
    assert ("late", 2) in found
    assert ("capacity", None) in found
    assert not result.feasible
    assert result.unassigned == []


def test_feasible_drawing_and_forgotten_job():
    request = EvaluateRequest.model_validate(
        PROBLEM | {"routes": [{"vehicle": 1, "jobs": [2, 1]}, {"vehicle": 2, "jobs": [], "depart_at": 10}]}
    )
    result = evaluate(request)
    assert result.unassigned == [3]
    assert {(v.kind, v.job) for v in result.violations} == {("not_served", 3)}
    assert result.total_distance == pytest.approx(40.0)


def test_unknown_job_or_vehicle_is_reported_not_crashed():
    routes = [{"vehicle": 7, "jobs": [1]}, {"vehicle": 1, "jobs": [99]}]
    request = EvaluateRequest.model_validate(PROBLEM | {"routes": routes})
    kinds = {v.kind for v in evaluate(request).violations}
    assert {"unknown_vehicle", "unknown_stop"} <= kinds
