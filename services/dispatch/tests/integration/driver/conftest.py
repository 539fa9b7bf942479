"""A published day to act on: two drivers, each on their own route, built over the API (the solve
is replaced by a hand-made plan so the tests spend their time on the driver's side, not OR-Tools)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.planning.model import Plan, PlannedRoute, Visit
from smartdist_dispatch.routes.service import planning_input, store_plan

DAY = "2026-11-27"
WINDOW = [[f"{DAY}T09:00:00+08:00", f"{DAY}T17:00:00+08:00"]]


@dataclass
class PublishedDay:
    svc: ServiceUnderTest
    tenant: str
    plan: dict[str, Any]
    drivers: dict[str, dict[str, Any]]  # by code

    def headers(self, who: str) -> dict[str, str]:
        """``DR1``/``DR2``: the driver's own sign-in; ``dispatcher``, ``owner``: staff."""
        if who in self.drivers:
            return self.svc.headers(self.tenant, ("driver",), subject=f"user-{who}")
        return self.svc.headers(self.tenant, (who,))

    def route(self, vehicle_code: str) -> dict[str, Any]:
        return next(r for r in self.plan["routes"] if r["vehicle_code"] == vehicle_code)

    def stop(self, order_no: str) -> dict[str, Any]:
        return next(s for r in self.plan["routes"] for s in r["stops"] if s["order_no"] == order_no)


def visit(no: str, at: float) -> Visit:
    return Visit(no, at, at, at + 300)


def build_day(svc: ServiceUnderTest, tenant: str, *, publish: bool = True) -> PublishedDay:
    """V1 (driver DR1): A-0, A-1 (500 TWD cash), A-2; V2 (driver DR2): A-3."""
    headers = svc.headers(tenant, ("dispatcher",))

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = svc.client.post(path, json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    depot = post("/api/v1/depots", {"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57})
    vehicles = {
        code: post(
            "/api/v1/vehicles",
            {
                "code": code,
                "kind": "van",
                "capacity_weight_kg": 800,
                "capacity_volume_l": 3000,
                "capacity_boxes": 20,
                "depot_id": depot["id"],
            },
        )
        for code in ("V1", "V2")
    }
    drivers = {
        code: post(
            "/api/v1/drivers",
            {
                "code": code,
                "name": f"司機{code}",
                "phone": "0912345678",
                "user_subject": f"user-{code}",
                "vehicle_id": vehicles[vehicle]["id"],
            },
        )
        for code, vehicle in (("DR1", "V1"), ("DR2", "V2"))
    }
    places = [(25.079, 121.575), (25.070, 121.580), (25.062, 121.560), (25.051, 121.555)]
    for k, (lat, lng) in enumerate(places):
        post(
            "/api/v1/orders",
            {
                "order_no": f"A-{k}",
                "customer_name": f"客戶{k}",
                "phone": f"02-2345-000{k}",
                "address": f"台北市內湖區{k}號",
                "lat": lat,
                "lng": lng,
                "time_windows": WINDOW,
                "service_s": 300,
                "boxes": 2,
                "cash_to_collect_twd": 500 if k == 1 else 0,
                "notes": "請按門鈴" if k == 0 else "",
            },
        )
    day = date.fromisoformat(DAY)
    with svc.database.tenant_transaction(tenant) as session:
        source = planning_input(session, depot["id"], day)
    answer = Plan(
        routes=[
            PlannedRoute(
                "V1", [visit("A-0", 33000), visit("A-1", 34000), visit("A-2", 35000)], 32000, 36000, 9000, 4000
            ),
            PlannedRoute("V2", [visit("A-3", 33500)], 32000, 35000, 4000, 3000),
        ],
        unassigned=[],
        engine="hand",
        solve_time_s=0.0,
    )
    with svc.database.tenant_transaction(tenant) as session:
        plan_id = store_plan(session, source, answer, day, tenant_id=tenant).id
    if publish:
        published = svc.client.post(f"/api/v1/plans/{plan_id}/publish", headers=headers)
        assert published.status_code == 200, published.text
        plan = published.json()
    else:
        plan = svc.client.get(f"/api/v1/plans/{plan_id}", headers=headers).json()
    return PublishedDay(svc, tenant, plan, drivers)


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


@pytest.fixture
def day(svc: ServiceUnderTest) -> PublishedDay:
    return build_day(svc, "t1")


@pytest.fixture
def make_day(svc: ServiceUnderTest) -> Any:
    """``make_day(tenant, publish=True)``: another tenant's day, or a day not yet published."""
    return lambda tenant, publish=True: build_day(svc, tenant, publish=publish)
