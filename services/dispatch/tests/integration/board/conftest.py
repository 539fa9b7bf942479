"""A dispatcher's day built quickly: depot, vans, drivers and orders through the API, then a plan
stored from hand-drawn routes (ETAs from the planner's own route evaluation) and published."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.orders.spreadsheet import LOCAL_ZONE
from smartdist_dispatch.planning.feasibility import evaluate_route
from smartdist_dispatch.planning.model import Plan
from smartdist_dispatch.routes.models import Route, RoutePlan
from smartdist_dispatch.routes.service import planning_input, store_plan

# Around Neihu and Songshan, a few km from the depot.
PLACES = [
    (25.079, 121.575),
    (25.070, 121.580),
    (25.062, 121.560),
    (25.051, 121.555),
    (25.085, 121.590),
    (25.074, 121.566),
    (25.066, 121.571),
    (25.058, 121.585),
]


def tomorrow() -> date:
    return datetime.now(LOCAL_ZONE).date() + timedelta(days=1)


class Day:
    """One tenant's day of deliveries."""

    def __init__(self, svc: ServiceUnderTest, tenant: str, day: date) -> None:
        self.svc, self.tenant, self.day = svc, tenant, day
        self.headers = svc.headers(tenant, ("dispatcher",))
        self.vehicles: dict[str, int] = {}
        self.drivers: dict[str, int] = {}
        self.orders: dict[str, int] = {}
        self.depot: dict[str, Any] = {}

    def window(self, start: str = "09:00", end: str = "17:00") -> list[list[str]]:
        return [[f"{self.day}T{start}:00+08:00", f"{self.day}T{end}:00+08:00"]]

    def fleet(self, codes: tuple[str, ...] = ("V1", "V2"), boxes: int = 30) -> Day:
        post = self.svc.client.post
        self.depot = post(
            "/api/v1/depots", json={"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57}, headers=self.headers
        ).json()
        for k, code in enumerate(codes):
            vehicle = post(
                "/api/v1/vehicles",
                headers=self.headers,
                json={
                    "code": code,
                    "kind": "van",
                    "capacity_weight_kg": 800,
                    "capacity_volume_l": 3000,
                    "capacity_boxes": boxes,
                    "shift_start": "08:00",
                    "shift_end": "20:00",
                    "depot_id": self.depot["id"],
                },
            )
            assert vehicle.status_code == 201, vehicle.text
            self.vehicles[code] = vehicle.json()["id"]
            driver = post(
                "/api/v1/drivers",
                headers=self.headers,
                json={"code": f"DR{k + 1}", "name": f"司機{k + 1}", "phone": "0912000000"},
            )
            assert driver.status_code == 201, driver.text
            self.drivers[code] = driver.json()["id"]
        return self

    def order(self, no: str, lat: float, lng: float, **changes: Any) -> int:
        body = {
            "order_no": no,
            "customer_name": "林小姐",
            "lat": lat,
            "lng": lng,
            "time_windows": self.window(),
            "service_s": 300,
            "weight_kg": 5,
            "volume_l": 20,
            "boxes": 3,
        } | changes
        created = self.svc.client.post("/api/v1/orders", json=body, headers=self.headers)
        assert created.status_code == 201, created.text
        self.orders[no] = created.json()["id"]
        return int(created.json()["id"])

    def plan(self, routes: dict[str, list[str]], *, publish: bool = True) -> int:
        """Store the routes as drawn (the solver is not under test here) and publish them."""
        with self.svc.database.tenant_transaction(self.tenant) as session:
            source = planning_input(session, self.depot["id"], self.day)
            vehicles = {v.id: v for v in source.problem.vehicles}
            planned = [
                evaluate_route(source.problem, vehicles[code], nos).as_planned_route() for code, nos in routes.items()
            ]
            row = store_plan(session, source, Plan(planned, [], "hand", 0.0), self.day, tenant_id=self.tenant)
            if publish:
                row.status, row.published_at = "published", datetime.now(LOCAL_ZONE)
                for route in session.scalars(select(Route).where(Route.plan_id == row.id)):
                    code = next(c for c, vid in self.vehicles.items() if vid == route.vehicle_id)
                    route.status, route.driver_id = "published", self.drivers[code]
            return row.id

    def routes(self, plan_id: int) -> dict[str, dict[str, Any]]:
        plan = self.svc.client.get(f"/api/v1/plans/{plan_id}", headers=self.headers).json()
        return {r["vehicle_code"]: r for r in plan["routes"]}

    def plan_row(self, plan_id: int) -> RoutePlan:
        with self.svc.database.tenant_transaction(self.tenant) as session:
            row = session.get(RoutePlan, plan_id)
            assert row is not None
            session.expunge(row)
            return row


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


@pytest.fixture
def day(svc: ServiceUnderTest) -> Day:
    return Day(svc, "t1", tomorrow())
