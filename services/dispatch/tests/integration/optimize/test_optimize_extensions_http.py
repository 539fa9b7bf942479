"""The optional /optimize extensions over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION

RICH = {
    "metric": "euclidean",
    "depot": {"location": [0, 0], "time_window": [0, 1000]},
    "vehicles": [
        {"id": "v1", "capacity": [4, 4], "max_trips": 2, "breaks": [{"time_window": [10, 60], "service": 15}]}
    ],
    "jobs": [{"id": k, "location": [10, k], "demand": [2, 1], "service": 2} for k in range(1, 5)]
    + [{"id": "opt", "location": [400, 0], "penalty": 1}],
    "shipments": [{"id": "s", "demand": [1, 1], "pickup": {"location": [0, 20]}, "delivery": {"location": [0, 5]}}],
    "balance_workload": False,
    "time_limit_s": 0.5,
}


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def test_rich_request_is_planned_with_reloads_pairs_and_reasons(svc: ServiceUnderTest) -> None:
    response = svc.client.post("/api/v1/optimize", json=RICH, headers=svc.headers("t1", ("integrator",)))
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["unassigned"] == ["opt"]
    assert plan["unassigned_reasons"] == {"opt": "not_worth_serving"}
    (route,) = plan["routes"]
    assert sorted(map(str, route["jobs"])) == ["1", "2", "3", "4", "s:delivery", "s:pickup"]
    assert route["jobs"].index("s:pickup") < route["jobs"].index("s:delivery")
    assert len(route["reloads"]) == 1
    assert len(route["starts"]) == len(route["jobs"])
    assert route["end_time"] > route["starts"][-1]


def test_background_job_answers_the_rich_request_the_same_way(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    started = svc.client.post("/api/v1/optimize/jobs", json=RICH, headers=headers)
    assert started.status_code == 202
    deadline = time.time() + 30
    job = {}
    while time.time() < deadline:
        job = svc.client.get(f"/api/v1/jobs/{started.json()['job_id']}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded", job
    assert job["result"]["unassigned_reasons"] == {"opt": "not_worth_serving"}
    assert len(job["result"]["routes"][0]["reloads"]) == 1


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"jobs": [{"id": 1, "location": [1, 1], "time_window": [0, 9], "time_windows": [[0, 9]]}]}, "not both"),
        ({"jobs": [{"id": 1, "location": [1, 1], "demand": 1}]}, "dimension"),
        ({"shipments": [{"id": "s", "pickup": {"location": [1, 1]}, "delivery": {"location": [1]}}]}, "delivery"),
    ],
)
def test_bad_extension_is_422_problem_json_naming_it(svc: ServiceUnderTest, changes: dict, fragment: str) -> None:
    response = svc.client.post("/api/v1/optimize", json=RICH | changes, headers=svc.headers("t1", ("integrator",)))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fragment in response.text
