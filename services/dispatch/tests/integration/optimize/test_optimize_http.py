"""/optimize and /optimize/jobs inside the real service platform, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION

BODY = {
    "metric": "euclidean",
    "depot": {"location": [0, 0], "time_window": [0, 1000]},
    "fleet": {"count": 2, "capacity": 10},
    "jobs": [
        {"id": "a", "location": [0, 10], "demand": 6, "time_window": [0, 100], "service": 5},
        {"id": "b", "location": [10, 0], "demand": 6, "time_window": [0, 100], "service": 5},
        {"id": "c", "location": [500, 500], "demand": 1, "time_window": [0, 20], "service": 5},
    ],
    "objective": "distance",
    "time_limit_s": 0.5,
}


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def test_integrator_solves_synchronously(svc: ServiceUnderTest) -> None:
    response = svc.client.post("/api/v1/optimize", json=BODY, headers=svc.headers("t1", ("integrator",)))
    assert response.status_code == 200
    plan = response.json()
    assert plan["unassigned"] == ["c"]
    assert plan["vehicles_used"] == 2
    assert plan["total_distance"] == pytest.approx(40.0)


def test_bad_body_is_422_problem_json(svc: ServiceUnderTest) -> None:
    response = svc.client.post(
        "/api/v1/optimize", json=BODY | {"fleet": {"count": 0, "capacity": 1}}, headers=svc.headers("t1")
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_background_solve_reports_progress_and_the_same_response(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    started = svc.client.post("/api/v1/optimize/jobs", json=BODY, headers=headers)
    assert started.status_code == 202
    job_id = started.json()["job_id"]
    deadline = time.time() + 30
    while time.time() < deadline:
        job = svc.client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded", job
    assert job["progress"] == 1.0
    assert job["result"]["unassigned"] == ["c"]
    assert job["result"]["total_distance"] == pytest.approx(40.0)
    # Another tenant cannot see the job.
    assert svc.client.get(f"/api/v1/jobs/{job_id}", headers=svc.headers("t2")).status_code == 404


def test_plan_mode_over_http_names_the_late_job(svc: ServiceUnderTest) -> None:
    body = {k: v for k, v in BODY.items() if k not in ("objective", "time_limit_s")}
    body["routes"] = [{"vehicle": 1, "jobs": ["a", "c"]}, {"vehicle": 2, "jobs": ["b"]}]
    response = svc.client.post("/api/v1/optimize/evaluate", json=body, headers=svc.headers("t1", ("dispatcher",)))
    assert response.status_code == 200
    result = response.json()
    assert result["feasible"] is False
    assert {(v["kind"], v["job"]) for v in result["violations"]} == {("late", "c"), ("shift_end", None)}
    assert [r["jobs"] for r in result["routes"]] == [["a", "c"], ["b"]]
