"""The dispatch.plan_day job on SQLite and PostgreSQL: only the plan date's orders, PyVRP on stored
magnitudes, and orders the fleet has no room for reported fleet_exhausted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.kpi import KpiRecord
from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.orders.models import DeliveryOrder

DAY, NEXT_DAY = "2026-11-27", "2026-11-28"
PLACES = [(25.079, 121.575), (25.070, 121.580), (25.062, 121.560), (25.051, 121.555), (25.085, 121.590)]


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def window(day: str, start: str = "09:00", end: str = "17:00") -> list[list[str]]:
    return [[f"{day}T{start}:00+08:00", f"{day}T{end}:00+08:00"]]


def add_depot_and_vans(svc: ServiceUnderTest, vans: int, tenant: str = "t1") -> int:
    headers = svc.headers(tenant, ("dispatcher",))
    depot = svc.client.post(
        "/api/v1/depots", json={"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57}, headers=headers
    ).json()
    for k in range(vans):
        created = svc.client.post(
            "/api/v1/vehicles",
            headers=headers,
            json={
                "code": f"V{k + 1}",
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
    return int(depot["id"])


def add_order(
    svc: ServiceUnderTest, no: str, place: tuple[float, float], windows: list[list[str]], tenant: str = "t1"
) -> None:
    # 5.25 kg and 20.5 L: grams and millilitres, as the planner sees them, in the thousands.
    body = {
        "order_no": no,
        "customer_name": "林小姐",
        "lat": place[0],
        "lng": place[1],
        "time_windows": windows,
        "service_s": 300,
        "weight_kg": 5.25,
        "volume_l": 20.5,
        "boxes": 3,
    }
    response = svc.client.post("/api/v1/orders", json=body, headers=svc.headers(tenant, ("dispatcher",)))
    assert response.status_code == 201, response.text


def run_plan_job(svc: ServiceUnderTest, depot_id: int, day: str, tenant: str = "t1") -> dict[str, Any]:
    headers = svc.headers(tenant, ("dispatcher",)) | {"Idempotency-Key": f"plan-{day}-{depot_id}"}
    started = svc.client.post(
        "/api/v1/plans", json={"plan_date": day, "depot_id": depot_id, "time_limit_s": 1}, headers=headers
    )
    assert started.status_code == 202, started.text
    deadline = time.time() + 30
    while time.time() < deadline:
        job = svc.client.get(f"/api/v1/jobs/{started.json()['job_id']}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"plan job did not finish: {job}")


def statuses(svc: ServiceUnderTest, tenant: str = "t1") -> dict[str, str]:
    with svc.database.tenant_transaction(tenant) as session:
        return {o.order_no: o.status for o in session.scalars(select(DeliveryOrder))}


def test_the_job_plans_only_the_plan_dates_orders_and_those_without_a_window(svc: ServiceUnderTest) -> None:
    depot_id = add_depot_and_vans(svc, vans=2)
    add_order(svc, "TODAY-1", PLACES[0], window(DAY))
    add_order(svc, "TODAY-2", PLACES[1], window(DAY, "13:00", "15:00"))
    add_order(svc, "ANY-DAY", PLACES[2], [])
    add_order(svc, "TOMORROW", PLACES[3], window(NEXT_DAY))
    add_order(svc, "LATE-NIGHT", PLACES[4], window(DAY, "23:30", "23:59"))

    job = run_plan_job(svc, depot_id, DAY)
    assert job["status"] == "succeeded", job
    result = job["result"]
    planned = sorted(no for r in result["routes"] for no in r["order_nos"])
    # LATE-NIGHT is due on the day but no van's shift (08:00-18:00) reaches it.
    assert planned == ["ANY-DAY", "TODAY-1", "TODAY-2"]
    assert {u["order_no"]: u["reason"] for u in result["unassigned"]} == {"LATE-NIGHT": "time_window"}
    assert statuses(svc) == {
        "TODAY-1": "planned",
        "TODAY-2": "planned",
        "ANY-DAY": "planned",
        "TOMORROW": "created",
        "LATE-NIGHT": "created",
    }
    with svc.database.tenant_transaction("t1") as session:
        logged = {
            k.doc_no
            for k in session.scalars(
                select(KpiRecord).where(KpiRecord.doc_type == "delivery_order", KpiRecord.status == "planned")
            )
        }
    assert logged == set(planned)

    # The next day's plan takes the order left for it.
    job = run_plan_job(svc, depot_id, NEXT_DAY)
    assert job["status"] == "succeeded", job
    assert [no for r in job["result"]["routes"] for no in r["order_nos"]] == ["TOMORROW"]
    assert statuses(svc)["TOMORROW"] == "planned"


def test_a_date_with_no_orders_due_is_refused_naming_the_date_and_changes_nothing(svc: ServiceUnderTest) -> None:
    depot_id = add_depot_and_vans(svc, vans=1)
    add_order(svc, "TOMORROW", PLACES[0], window(NEXT_DAY))
    answer = svc.client.post(
        "/api/v1/plans",
        json={"plan_date": DAY, "depot_id": depot_id, "time_limit_s": 1},
        headers=svc.headers("t1", ("dispatcher",)),
    )
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "dispatch.plan.nothing_due"
    assert answer.json()["detail"] == f"{DAY} 沒有待排訂單。"
    assert answer.json()["errors"][0]["loc"] == ["body", "plan_date"]
    assert statuses(svc) == {"TOMORROW": "created"}
    assert svc.client.get("/api/v1/plans", headers=svc.headers("t1", ("dispatcher",))).json()["items"] == []


def test_orders_one_van_has_no_room_for_come_back_fleet_exhausted(svc: ServiceUnderTest) -> None:
    # Five 3-box orders, one 9-box van: three fit; stored in kg and L, planned in g and ml.
    depot_id = add_depot_and_vans(svc, vans=1)
    for k, place in enumerate(PLACES):
        add_order(svc, f"A-{k}", place, window(DAY))
    job = run_plan_job(svc, depot_id, DAY)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert [len(r["order_nos"]) for r in result["routes"]] == [3]
    assert sorted(u["reason"] for u in result["unassigned"]) == ["fleet_exhausted", "fleet_exhausted"]
    left = {u["order_no"] for u in result["unassigned"]}
    assert {no for no, s in statuses(svc).items() if s == "created"} == left


def test_another_tenants_orders_of_the_day_are_not_planned(svc: ServiceUnderTest) -> None:
    depot_id = add_depot_and_vans(svc, vans=1)
    add_order(svc, "MINE", PLACES[0], window(DAY))
    add_order(svc, "THEIRS", PLACES[1], window(DAY), tenant="t2")
    job = run_plan_job(svc, depot_id, DAY)
    assert job["status"] == "succeeded", job
    assert [no for r in job["result"]["routes"] for no in r["order_nos"]] == ["MINE"]
    assert statuses(svc, "t2") == {"THEIRS": "created"}
