"""An own-fleet booking's ETA goes to the broker only with a published route: booked, planned for
today and not yet published, no event of dispatch names a time for it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent
from smartdist.testing.platform import ServiceUnderTest
from smartdist.timeparams import TAIPEI
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.intake.consumer import DELIVERY_REQUESTED, OWN_FLEET_ETAS, ROUTE_CHANGED
from smartdist_dispatch.planning.model import Plan, PlannedRoute, Visit
from smartdist_dispatch.routes.models import Route, RouteStop
from smartdist_dispatch.routes.service import announce_route_change, planning_input, store_plan


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def events(svc: ServiceUnderTest, tenant: str) -> list[tuple[str, dict[str, Any]]]:
    with svc.database.tenant_transaction(tenant) as session:
        rows = sorted(session.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant)), key=lambda r: r.id)
        return [(r.type, json.loads(r.payload)["data"]) for r in rows]


def mentions_an_eta(data: Any) -> bool:
    if isinstance(data, dict):
        return any("eta" in str(k).lower().split("_") or mentions_an_eta(v) for k, v in data.items())
    if isinstance(data, list):
        return any(mentions_an_eta(v) for v in data)
    return False


def test_an_own_fleet_booking_planned_today_gets_its_eta_only_when_the_route_is_published(
    svc: ServiceUnderTest,
) -> None:
    tenant = "t1"
    headers = svc.headers(tenant, ("dispatcher",))
    depot = svc.client.post("/api/v1/depots", json={"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57},
                            headers=headers).json()  # fmt: skip
    van = {"code": "V1", "kind": "van", "capacity_weight_kg": 800, "capacity_volume_l": 3000, "capacity_boxes": 20,
           "shift_start": "00:00", "shift_end": "23:59", "depot_id": depot["id"]}  # fmt: skip
    vehicle = svc.client.post("/api/v1/vehicles", json=van, headers=headers).json()
    svc.client.post("/api/v1/drivers", json={"code": "DR1", "name": "司機一", "vehicle_id": vehicle["id"]},
                    headers=headers)  # fmt: skip
    today = datetime.now(TAIPEI).date()
    booking = {
        "delivery_id": "d1", "delivery_no": "DR-1", "provider": "own_fleet", "scheduled_at": None,
        "pickup": {"lat": 25.08, "lng": 121.57, "address": "Store"},
        "dropoff": {"lat": 25.07, "lng": 121.58, "address": "台北市內湖區1號", "contact_name": "客戶",
                    "contact_phone": "0912345678"},
        "cod_amount": 0,
    }  # fmt: skip
    event = CloudEvent.create(type=DELIVERY_REQUESTED, subject="DR-1", data=booking, tenant_id=tenant,
                              source="/smartdist/delivery-broker")  # fmt: skip
    with svc.database.tenant_transaction(tenant) as session:
        DEFINITION.subscriptions[DELIVERY_REQUESTED](session, event)

    # Planned for today: the job's input, and its answer stored as the job stores it.
    with svc.database.tenant_transaction(tenant) as session:
        source = planning_input(session, depot["id"], today)
    now_s = (datetime.now(TAIPEI) - datetime.combine(today, datetime.min.time(), tzinfo=TAIPEI)).total_seconds()
    arrival = now_s + 1800
    plan = Plan(routes=[PlannedRoute("V1", [Visit("BRK-DR-1", arrival, arrival, arrival + 300)], now_s, arrival + 900,
                                     4000, 900)], unassigned=[], engine="hand", solve_time_s=0.0)  # fmt: skip
    with svc.database.tenant_transaction(tenant) as session:
        plan_id = store_plan(session, source, plan, today, tenant_id=tenant).id

    before = events(svc, tenant)
    assert [t for t, _ in before] == ["smartdist.dispatch.order.created"]
    assert not any(mentions_an_eta(data) for _, data in before), before
    # Nor does the driver's phone show it: the route is nobody's yet.
    assert (
        svc.client.get("/api/v1/driver/routes/today", params={"driver_id": 1}, headers=headers).json()["routes"] == []
    )

    published = svc.client.post(f"/api/v1/plans/{plan_id}/publish", headers=headers)
    assert published.status_code == 200, published.text
    after = [data for t, data in events(svc, tenant) if t == "smartdist.dispatch.route.published"]
    [stop] = after[0]["stops"]
    assert stop["order_no"] == "BRK-DR-1"
    expected = datetime.combine(today, datetime.min.time(), tzinfo=TAIPEI) + timedelta(seconds=arrival)
    assert abs((datetime.fromisoformat(stop["eta"]) - expected).total_seconds()) < 1

    # A live change of the route (a rush order, a re-plan): the broker hears the booking's ETA
    # as the route has it now, dated by the change (so an older one never replaces it).
    with svc.database.tenant_transaction(tenant) as session:
        route = session.scalars(select(Route).where(Route.plan_id == plan_id)).one()
        stop_row = session.scalars(select(RouteStop).where(RouteStop.route_id == route.id)).one()
        stop_row.eta = stop_row.eta + timedelta(minutes=25)
        route.revision += 1
        moved_to = stop_row.eta
        announce_route_change(session, route, "rush_inserted", "插單", ["R-1"], tenant_id=tenant)
    changed = next(e for t, e in events(svc, tenant) if t == ROUTE_CHANGED)
    change = CloudEvent.create(type=ROUTE_CHANGED, subject=str(route.id), data=changed, tenant_id=tenant,
                               source="/smartdist/dispatch")  # fmt: skip
    with svc.database.tenant_transaction(tenant) as session:
        DEFINITION.subscriptions[ROUTE_CHANGED](session, change)
    [etas] = [data for t, data in events(svc, tenant) if t == OWN_FLEET_ETAS]
    assert etas["route_id"] == route.id and etas["revision"] == 2
    assert datetime.fromisoformat(etas["as_of"]) == change.time
    assert [(s["order_no"], datetime.fromisoformat(s["eta"])) for s in etas["stops"]] == [("BRK-DR-1", moved_to)]


def test_a_change_of_a_route_not_yet_published_tells_the_broker_no_eta(svc: ServiceUnderTest) -> None:
    tenant = "t2"
    change = CloudEvent.create(type=ROUTE_CHANGED, subject="1", data={"route_id": 1, "revision": 2}, tenant_id=tenant,
                               source="/smartdist/dispatch")  # fmt: skip
    with svc.database.tenant_transaction(tenant) as session:
        DEFINITION.subscriptions[ROUTE_CHANGED](session, change)
    assert events(svc, tenant) == []
