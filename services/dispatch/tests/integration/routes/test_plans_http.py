"""Planning the day over stored orders, as a job, on SQLite and PostgreSQL: plan, read, publish, KPI."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist.kpi import KpiRecord
from smartdist.problems import Conflict
from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.fleet.models import Driver
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.planning.model import Plan, PlannedRoute, Visit
from smartdist_dispatch.routes.service import planning_input, store_plan

DAY = "2026-11-27"
WINDOW = [[f"{DAY}T09:00:00+08:00", f"{DAY}T17:00:00+08:00"]]
# Around Neihu and Songshan, a few km from the depot.
PLACES = [(25.079, 121.575), (25.070, 121.580), (25.062, 121.560), (25.051, 121.555), (25.085, 121.590)]


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def order(no: str, lat: float, lng: float, **changes: Any) -> dict[str, Any]:
    return {
        "order_no": no,
        "customer_name": "林小姐",
        "lat": lat,
        "lng": lng,
        "time_windows": WINDOW,
        "service_s": 300,
        "weight_kg": 5,
        "volume_l": 20,
        "boxes": 3,
    } | changes


def set_up_day(svc: ServiceUnderTest, tenant: str = "t1", *, drivers: bool = True) -> dict[str, Any]:
    """Five 3-box orders, one 900 kg order no van can carry, and two 9-box vans (at most 3 orders each),
    each van with its usual driver (DR-V1, DR-V2) unless ``drivers=False``."""
    headers = svc.headers(tenant, ("dispatcher",))
    depot = svc.client.post(
        "/api/v1/depots", json={"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57}, headers=headers
    ).json()
    for code in ("V1", "V2"):
        created = svc.client.post(
            "/api/v1/vehicles",
            headers=headers,
            json={
                "code": code,
                "kind": "van",
                "capacity_weight_kg": 800,
                "capacity_volume_l": 3000,
                "capacity_boxes": 9,
                "shift_start": "08:00",
                "shift_end": "18:00",
                "fixed_cost_twd": 500,
                "depot_id": depot["id"],
            },
        )
        assert created.status_code == 201, created.text
        if drivers:
            driver = svc.client.post(
                "/api/v1/drivers",
                headers=headers,
                json={"code": f"DR-{code}", "name": f"司機 {code}", "vehicle_id": created.json()["id"]},
            )
            assert driver.status_code == 201, driver.text
    for k, (lat, lng) in enumerate(PLACES):
        assert svc.client.post("/api/v1/orders", json=order(f"A-{k}", lat, lng), headers=headers).status_code == 201
    heavy = order("HEAVY", 25.06, 121.57, weight_kg=900, boxes=1)
    assert svc.client.post("/api/v1/orders", json=heavy, headers=headers).status_code == 201
    return depot


def finished_job(svc: ServiceUnderTest, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.time() + 30
    while time.time() < deadline:
        job = svc.client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def plan_day(svc: ServiceUnderTest, depot_id: int, tenant: str = "t1") -> dict[str, Any]:
    headers = svc.headers(tenant, ("dispatcher",))
    started = svc.client.post(
        "/api/v1/plans", json={"plan_date": DAY, "depot_id": depot_id, "time_limit_s": 1}, headers=headers
    )
    assert started.status_code == 202, started.text
    job = finished_job(svc, started.json()["job_id"], headers)
    assert job["status"] == "succeeded", job
    return job["result"]


def test_plan_job_plans_every_order_or_names_why_and_respects_capacity(svc: ServiceUnderTest) -> None:
    depot = set_up_day(svc)
    headers = svc.headers("t1", ("dispatcher",))
    result = plan_day(svc, depot["id"])
    planned = [no for r in result["routes"] for no in r["order_nos"]]
    unassigned = {u["order_no"]: u["reason"] for u in result["unassigned"]}
    assert sorted(planned + list(unassigned)) == ["A-0", "A-1", "A-2", "A-3", "A-4", "HEAVY"]
    assert unassigned["HEAVY"] == "capacity"
    assert sorted(planned) == ["A-0", "A-1", "A-2", "A-3", "A-4"], result
    assert all(len(r["order_nos"]) <= 3 for r in result["routes"])  # 3 boxes each, 9 per van
    # The stored plan: stops in driving order with ETAs inside the window, and the order statuses.
    plan = svc.client.get(f"/api/v1/plans/{result['plan_id']}", headers=headers).json()
    assert plan["status"] == "planned" and plan["plan_date"] == DAY
    assert [[s["order_no"] for s in r["stops"]] for r in plan["routes"]] == [r["order_nos"] for r in result["routes"]]
    assert plan["total_distance_m"] == sum(r["distance_m"] for r in plan["routes"]) > 0
    for route in plan["routes"]:
        etas = [s["eta"] for s in route["stops"]]
        assert etas == sorted(etas) and all("2026-11-27T01:00" <= e[:16] <= "2026-11-27T09:00" for e in etas)
    with svc.database.tenant_transaction("t1") as session:
        statuses = {o.order_no: o.status for o in session.scalars(select(DeliveryOrder))}
        kpis = session.scalars(select(KpiRecord).where(KpiRecord.status == "planned")).all()
    assert {no for no, s in statuses.items() if s == "planned"} == set(planned)
    assert {no for no, s in statuses.items() if s == "created"} == set(unassigned)
    assert sorted(k.doc_no for k in kpis if k.doc_type == "delivery_order") == sorted(planned)
    assert [k.doc_no for k in kpis if k.doc_type == "route"] == [f"P{result['plan_id']}"]
    listed = svc.client.get("/api/v1/plans", headers=headers).json()
    assert [p["id"] for p in listed["items"]] == [result["plan_id"]]


def test_publishing_logs_the_planning_time_and_announces_each_route(svc: ServiceUnderTest) -> None:
    depot = set_up_day(svc)
    headers = svc.headers("t1", ("dispatcher",))
    owner = svc.headers("t1", ("owner",))
    baseline = svc.client.put(
        "/api/v1/kpi/baselines/manual_planning_minutes_per_day", json={"value": 90}, headers=owner
    )
    assert baseline.status_code == 200, baseline.text
    before = svc.client.get("/api/v1/kpi/summary", headers=owner).json()
    result = plan_day(svc, depot["id"])
    published = svc.client.post(f"/api/v1/plans/{result['plan_id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["status"] == "published" and body["elapsed_s"] > 0
    with svc.database.tenant_transaction("t1") as session:
        kpis = session.scalars(select(KpiRecord).where(KpiRecord.status == "published").order_by(KpiRecord.id)).all()
        events = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "smartdist.dispatch.route.published")
        ).all()
        drivers = {d.id: d.code for d in session.scalars(select(Driver))}
        orders = {o.order_no: o.status for o in session.scalars(select(DeliveryOrder))}
    # Exactly one record carries the planning time, so the KPI counts each plan once.
    timed = [k for k in kpis if k.elapsed_s is not None]
    assert [(k.doc_type, k.doc_no, k.distance_m) for k in timed] == [
        ("route", f"P{result['plan_id']}", body["total_distance_m"])
    ]
    assert timed[0].elapsed_s == pytest.approx(body["elapsed_s"])
    # Each route goes to its vehicle's usual driver, with its own record, and each order is out for delivery.
    assert {(r["vehicle_code"], drivers[r["driver_id"]], r["status"]) for r in body["routes"]} == {
        (r["vehicle_code"], f"DR-{r['vehicle_code']}", "published") for r in body["routes"]
    }
    route_records = sorted((k.doc_no, k.receiver) for k in kpis if k.doc_type == "route" and k.elapsed_s is None)
    assert route_records == sorted(
        (f"P{result['plan_id']}-R{r['seq']}", f"DR-{r['vehicle_code']}") for r in body["routes"]
    )
    planned = sorted(no for r in body["routes"] for no in (s["order_no"] for s in r["stops"]))
    assert sorted(k.doc_no for k in kpis if k.doc_type == "delivery_order") == planned
    assert {no for no, status in orders.items() if status == "out_for_delivery"} == set(planned)
    assert sorted(e.subject for e in events) == sorted(str(r["id"]) for r in body["routes"])
    data = {json.loads(e.payload)["data"]["route_id"]: json.loads(e.payload)["data"] for e in events}
    for route in body["routes"]:
        assert data[route["id"]]["driver_id"] == route["driver_id"]
        assert data[route["id"]]["order_nos"] == [s["order_no"] for s in route["stops"]]
    after = svc.client.get("/api/v1/kpi/summary", headers=owner).json()
    # Planning took seconds against a 90-minute manual baseline: a cut of nearly 100 %.
    assert {k["code"]: k for k in before["kpis"]}["planning_time_cut"]["value"] is None
    planning = {k["code"]: k for k in after["kpis"]}["planning_time_cut"]
    assert planning["value"] > 99 and planning["met"] is True
    # Publishing twice is a conflict and logs nothing more.
    assert svc.client.post(f"/api/v1/plans/{result['plan_id']}/publish", headers=headers).status_code == 409


def test_another_tenant_cannot_read_publish_or_plan_with_the_plan_or_depot(svc: ServiceUnderTest) -> None:
    depot = set_up_day(svc)
    result = plan_day(svc, depot["id"])
    other = svc.headers("t2", ("dispatcher",))
    assert svc.client.get(f"/api/v1/plans/{result['plan_id']}", headers=other).status_code == 404
    assert svc.client.get("/api/v1/plans", headers=other).json()["items"] == []
    assert svc.client.post(f"/api/v1/plans/{result['plan_id']}/publish", headers=other).status_code == 404
    planned = svc.client.post("/api/v1/plans", json={"plan_date": DAY, "depot_id": depot["id"]}, headers=other)
    assert planned.status_code == 422
    plan = svc.client.get(f"/api/v1/plans/{result['plan_id']}", headers=svc.headers("t1", ("dispatcher",))).json()
    assert plan["status"] == "planned"


def test_no_orders_no_vehicles_or_bad_time_limit_is_422_and_starts_no_job(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    depot = svc.client.post(
        "/api/v1/depots", json={"code": "D1", "name": "倉", "lat": 25.08, "lng": 121.57}, headers=headers
    ).json()
    empty = svc.client.post("/api/v1/plans", json={"plan_date": DAY, "depot_id": depot["id"]}, headers=headers)
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("application/problem+json")
    assert {e["code"] for e in empty.json()["errors"]} == {"dispatch.plan.no_orders", "dispatch.plan.no_vehicles"}
    english = svc.client.post(
        "/api/v1/plans", json={"plan_date": DAY, "depot_id": depot["id"]}, headers=headers | {"Accept-Language": "en"}
    )
    assert {e["message"].split(":")[0] for e in english.json()["errors"]} == {
        "no orders waiting",
        "depot D1 has no vehicles",
    }
    svc.client.post("/api/v1/orders", json=order("A-0", *PLACES[0]), headers=headers)
    no_vans = svc.client.post("/api/v1/plans", json={"plan_date": DAY, "depot_id": depot["id"]}, headers=headers)
    assert [e["loc"] for e in no_vans.json()["errors"]] == [["body", "depot_id"]]
    too_long = svc.client.post(
        "/api/v1/plans", json={"plan_date": DAY, "depot_id": depot["id"], "time_limit_s": 61}, headers=headers
    )
    assert too_long.status_code == 422 and "time_limit_s" in too_long.text
    assert svc.client.get("/api/v1/plans", headers=headers).json()["items"] == []


def test_an_order_that_left_created_during_the_solve_makes_the_plan_stale(svc: ServiceUnderTest) -> None:
    depot = set_up_day(svc)
    with svc.database.tenant_transaction("t1") as session:
        source = planning_input(session, depot["id"], date.fromisoformat(DAY))
    # The solver's answer (built by hand: this is about storing it, not solving).
    answer = Plan(
        routes=[
            PlannedRoute(
                vehicle_id="V1",
                visits=[Visit("A-0", 33000.0, 33000.0, 33300.0)],
                start_time=32000.0,
                end_time=34000.0,
                distance=1500.0,
                duration=2000.0,
            )
        ],
        unassigned=[],
        engine="hand",
        solve_time_s=0.0,
    )
    with svc.database.tenant_transaction("t1") as session:
        session.scalars(select(DeliveryOrder).where(DeliveryOrder.order_no == "A-0")).one().status = "cancelled"
    with pytest.raises(Conflict, match="A-0"), svc.database.tenant_transaction("t1") as session:
        store_plan(session, source, answer, date.fromisoformat(DAY), tenant_id="t1")
    assert svc.client.get("/api/v1/plans", headers=svc.headers("t1", ("dispatcher",))).json()["items"] == []


def test_publish_takes_the_dispatchers_assignments_and_refuses_a_route_without_driver(svc: ServiceUnderTest) -> None:
    depot = set_up_day(svc, drivers=False)
    headers = svc.headers("t1", ("dispatcher",))
    result = plan_day(svc, depot["id"])
    plan = svc.client.get(f"/api/v1/plans/{result['plan_id']}", headers=headers).json()
    assert len(plan["routes"]) == 2
    first, second = plan["routes"]
    url = f"/api/v1/plans/{plan['id']}/publish"
    # Nobody drives either van yet: 422 naming each route, nothing published.
    refused = svc.client.post(url, headers=headers)
    assert refused.status_code == 422
    assert sorted(e["route_id"] for e in refused.json()["errors"]) == sorted([first["id"], second["id"]])
    ann = svc.client.post("/api/v1/drivers", headers=headers, json={"code": "ANN", "name": "Ann"}).json()
    bob = svc.client.post("/api/v1/drivers", headers=headers, json={"code": "BOB", "name": "Bob"}).json()
    only_first = {"assignments": [{"route_id": first["id"], "driver_id": ann["id"]}]}
    half = svc.client.post(url, headers=headers, json=only_first)
    assert half.status_code == 422
    assert [e["route_id"] for e in half.json()["errors"]] == [second["id"]]
    bad = svc.client.post(
        url,
        headers=headers,
        json={
            "assignments": [
                {"route_id": first["id"], "driver_id": 999999},
                {"route_id": 999999, "driver_id": bob["id"]},
            ]
        },
    )
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["errors"]][:2] == [
        ["body", "assignments", 0, "driver_id"],
        ["body", "assignments", 1, "route_id"],
    ]
    twice = svc.client.post(
        url,
        headers=headers,
        json={
            "assignments": [
                {"route_id": first["id"], "driver_id": ann["id"]},
                {"route_id": second["id"], "driver_id": ann["id"]},
            ]
        },
    )
    assert twice.status_code == 422 and "ANN" in twice.text
    with svc.database.tenant_transaction("t1") as session:
        assert session.scalars(select(KpiRecord).where(KpiRecord.status == "published")).all() == []
    assert svc.client.get(url.removesuffix("/publish"), headers=headers).json()["status"] == "planned"
    # A usual driver for the second van and the dispatcher's pick for the first.
    svc.client.patch(f"/api/v1/drivers/{bob['id']}", headers=headers, json={"vehicle_id": second["vehicle_id"]})
    body = {"assignments": [{"route_id": first["id"], "driver_id": ann["id"]}]}
    published = svc.client.post(url, headers=headers | {"Idempotency-Key": "pub-1"}, json=body)
    assert published.status_code == 200, published.text
    assert [(r["id"], r["driver_id"]) for r in published.json()["routes"]] == [
        (first["id"], ann["id"]),
        (second["id"], bob["id"]),
    ]
    # The retried request replays the answer; without the key it is a conflict.
    replay = svc.client.post(url, headers=headers | {"Idempotency-Key": "pub-1"}, json=body)
    assert replay.status_code == 200 and replay.json() == published.json()
    assert svc.client.post(url, headers=headers, json=body).status_code == 409
    with svc.database.tenant_transaction("t1") as session:
        assert (
            len(
                session.scalars(
                    select(KpiRecord).where(KpiRecord.status == "published", KpiRecord.elapsed_s.is_not(None))
                ).all()
            )
            == 1
        )


def test_a_retried_plan_request_answers_the_first_job_and_starts_nothing(svc: ServiceUnderTest) -> None:
    depot = set_up_day(svc)
    headers = svc.headers("t1", ("dispatcher",)) | {"Idempotency-Key": "plan-27"}
    request = {"plan_date": DAY, "depot_id": depot["id"], "time_limit_s": 1}
    first = svc.client.post("/api/v1/plans", json=request, headers=headers)
    assert first.status_code == 202, first.text
    again = svc.client.post("/api/v1/plans", json=request, headers=headers)
    assert again.status_code == 202 and again.json() == first.json()
    assert finished_job(svc, first.json()["job_id"], headers)["status"] == "succeeded"
    assert len(svc.client.get("/api/v1/plans", headers=headers).json()["items"]) == 1
    other = svc.client.post("/api/v1/plans", json=request | {"time_limit_s": 2}, headers=headers)
    assert other.status_code == 422  # the key was used for another request
