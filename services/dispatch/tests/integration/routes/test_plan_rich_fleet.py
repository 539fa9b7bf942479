"""Day plans through POST /api/v1/plans honour the vehicle's break, trips and the workload balance."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION

DAY = "2026-11-27"
PLACES = [(25.079, 121.575), (25.070, 121.580), (25.062, 121.560), (25.051, 121.555), (25.085, 121.590)]


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def add_fleet(svc: ServiceUnderTest, tenant: str, vans: list[dict[str, Any]]) -> int:
    headers = svc.headers(tenant, ("dispatcher",))
    depot = svc.client.post(
        "/api/v1/depots", json={"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57}, headers=headers
    ).json()
    for k, extra in enumerate(vans):
        body = {
            "code": f"V{k + 1}",
            "kind": "van",
            "capacity_weight_kg": 800,
            "capacity_volume_l": 3000,
            "capacity_boxes": 100,
            "shift_start": "08:00",
            "shift_end": "18:00",
            "depot_id": depot["id"],
        } | extra
        created = svc.client.post("/api/v1/vehicles", headers=headers, json=body)
        assert created.status_code == 201, created.text
    return int(depot["id"])


def add_orders(svc: ServiceUnderTest, tenant: str, count: int, *, service_s: int = 300, boxes: int = 3) -> None:
    for k in range(count):
        body = {
            "order_no": f"SO-{k + 1}",
            "customer_name": "林小姐",
            "lat": PLACES[k % len(PLACES)][0] + 0.001 * (k // len(PLACES)),
            "lng": PLACES[k % len(PLACES)][1],
            "time_windows": [[f"{DAY}T08:00:00+08:00", f"{DAY}T17:00:00+08:00"]],
            "service_s": service_s,
            "weight_kg": 1,
            "volume_l": 1,
            "boxes": boxes,
        }
        response = svc.client.post("/api/v1/orders", json=body, headers=svc.headers(tenant, ("dispatcher",)))
        assert response.status_code == 201, response.text


def plan(svc: ServiceUnderTest, tenant: str, depot_id: int, **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    headers = svc.headers(tenant, ("dispatcher",)) | {"Idempotency-Key": f"plan-{tenant}-{extra}"}
    body = {"plan_date": DAY, "depot_id": depot_id, "time_limit_s": 1} | extra
    started = svc.client.post("/api/v1/plans", json=body, headers=headers)
    assert started.status_code == 202, started.text
    deadline = time.time() + 30
    job: dict[str, Any] = {}
    while time.time() < deadline:
        job = svc.client.get(f"/api/v1/jobs/{started.json()['job_id']}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded", job
    detail = svc.client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers)
    assert detail.status_code == 200
    return job["result"], detail.json()


def test_van_with_a_break_has_a_gap_inside_the_break_window(svc: ServiceUnderTest) -> None:
    depot_id = add_fleet(svc, "t1", [{"break_start": "08:15", "break_end": "08:25", "break_minutes": 60}])
    add_orders(svc, "t1", 5)
    result, detail = plan(svc, "t1", depot_id)
    assert result["unassigned"] == []
    (route,) = detail["routes"]
    etas = [datetime.fromisoformat(s["eta"]) for s in sorted(route["stops"], key=lambda s: s["seq"])]
    # Consecutive stops are minutes apart except across the break, which adds its full hour.
    departures = [eta + timedelta(seconds=300) for eta in etas]
    gaps = [(departures[k], etas[k + 1] - departures[k]) for k in range(len(etas) - 1)]
    long = [(left, gap) for left, gap in gaps if gap >= timedelta(minutes=60)]
    assert len(long) == 1, gaps
    left_at = long[0][0].astimezone(etas[0].tzinfo)
    assert left_at.strftime("%H:%M") <= "08:25"  # the break starts by the end of its window
    assert route["duration_s"] >= 3600


def test_two_trips_let_one_small_van_serve_twice_its_capacity(svc: ServiceUnderTest) -> None:
    # 5 orders of 3 boxes, a van of 9 boxes: one trip serves 3 of them, two trips all 5.
    one_trip = add_fleet(svc, "t1", [{"capacity_boxes": 9}])
    add_orders(svc, "t1", 5)
    result, _ = plan(svc, "t1", one_trip)
    assert len(result["unassigned"]) == 2

    two_trips = add_fleet(svc, "t2", [{"capacity_boxes": 9, "max_trips": 2}])
    add_orders(svc, "t2", 5)
    result, detail = plan(svc, "t2", two_trips)
    assert result["unassigned"] == []
    (route,) = result["routes"]
    assert route["reloads"] == 1
    assert sorted(route["order_nos"]) == [f"SO-{k}" for k in range(1, 6)]
    assert len(detail["routes"][0]["stops"]) == 5  # stored routes hold orders only


def test_balance_workload_spreads_stops_over_both_vans(svc: ServiceUnderTest) -> None:
    # Hour-long services: one van could do all four, balancing gives each van two.
    plain = add_fleet(svc, "t1", [{}, {}])
    add_orders(svc, "t1", 4, service_s=3600)
    result, _ = plan(svc, "t1", plain)
    assert [len(r["order_nos"]) for r in result["routes"] if r["order_nos"]] == [4]

    balanced = add_fleet(svc, "t2", [{}, {}])
    add_orders(svc, "t2", 4, service_s=3600)
    result, _ = plan(svc, "t2", balanced, balance_workload=True)
    assert sorted(len(r["order_nos"]) for r in result["routes"] if r["order_nos"]) == [2, 2]


def test_plan_request_refuses_an_unknown_balance_value(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",)) | {"Idempotency-Key": "bad-balance"}
    response = svc.client.post(
        "/api/v1/plans",
        json={"plan_date": DAY, "depot_id": 1, "time_limit_s": 1, "balance_workload": "sometimes"},
        headers=headers,
    )
    assert response.status_code == 422
    assert "balance_workload" in response.text
