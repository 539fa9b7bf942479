"""The delivery broker asks to cancel an own-fleet booking: dispatch cancels while no driver has reached
the stop (taking it off the route with a notice for the driver), and refuses otherwise; once per
request, per tenant. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent
from smartdist.kpi import KpiRecord
from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.intake.consumer import CANCEL_REQUESTED, DELIVERY_REQUESTED
from smartdist_dispatch.intake.service import CANCEL_REFUSED, ORDER_CANCELLED
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.planning.model import Plan, PlannedRoute, Visit
from smartdist_dispatch.routes.models import Route, RouteNotice, RoutePlan, RouteStop
from smartdist_dispatch.routes.service import ROUTE_CHANGED_EVENT, planning_input, store_plan

DAY = date(2026, 11, 27)
PLACES = [(25.079, 121.575), (25.070, 121.580), (25.062, 121.560)]


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def handle(svc: ServiceUnderTest, tenant: str, type_: str, data: dict[str, Any]) -> None:
    event = CloudEvent.create(
        type=type_, subject=None, data=data, tenant_id=tenant, source="/smartdist/delivery-broker"
    )
    with svc.database.tenant_transaction(tenant) as session:
        DEFINITION.subscriptions[type_](session, event)


def book(svc: ServiceUnderTest, tenant: str, k: int) -> str:
    """A broker booking on the own fleet, through the intake: returns the dispatch order number."""
    no = f"DR20261127-0000000{k}"
    lat, lng = PLACES[k]
    handle(svc, tenant, DELIVERY_REQUESTED, {
        "delivery_id": f"d{k}", "delivery_no": no, "provider": "own_fleet", "scheduled_at": "2026-11-27T10:00:00+08:00",
        "pickup": {"lat": 25.08, "lng": 121.57, "address": "Store"},
        "dropoff": {"lat": lat, "lng": lng, "address": f"台北市內湖區{k}號", "contact_name": f"客戶{k}",
                    "contact_phone": "0912345678"},
        "cod_amount": 0,
    })  # fmt: skip
    return "BRK-" + no


def ask_cancel(
    svc: ServiceUnderTest, tenant: str, order_no: str, requested_at: str = "2026-11-27T01:00:00+00:00"
) -> None:
    data = {"delivery_id": "d-" + order_no, "delivery_no": order_no[4:], "order_no": order_no,
            "reason": "customer changed mind", "requested_at": requested_at}  # fmt: skip
    handle(svc, tenant, CANCEL_REQUESTED, data)


def outbox(svc: ServiceUnderTest, tenant: str, type_: str) -> list[dict[str, Any]]:
    with svc.database.tenant_transaction(tenant) as session:
        rows = session.scalars(select(OutboxEvent).where(OutboxEvent.type == type_, OutboxEvent.tenant_id == tenant))
        return [json.loads(r.payload)["data"] for r in sorted(rows, key=lambda r: r.id)]


def order_status(svc: ServiceUnderTest, tenant: str, order_no: str) -> str:
    with svc.database.tenant_transaction(tenant) as session:
        return str(session.scalars(select(DeliveryOrder.status).where(DeliveryOrder.order_no == order_no)).one())


def kpi(svc: ServiceUnderTest, tenant: str, doc_no: str) -> list[str]:
    with svc.database.tenant_transaction(tenant) as session:
        return [r.status for r in session.scalars(select(KpiRecord).where(KpiRecord.doc_no == doc_no))]


def planned_day(svc: ServiceUnderTest, tenant: str, *, publish: bool) -> tuple[list[str], dict[str, Any]]:
    """Three bookings on one route of V1 (driver DR1), planned and (optionally) published."""
    headers = svc.headers(tenant, ("dispatcher",))

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = svc.client.post(path, json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    depot = post("/api/v1/depots", {"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57})
    van = {"code": "V1", "kind": "van", "capacity_weight_kg": 800, "capacity_volume_l": 3000, "capacity_boxes": 20}
    vehicle = post("/api/v1/vehicles", van | {"depot_id": depot["id"]})
    post("/api/v1/drivers", {"code": "DR1", "name": "司機一", "phone": "0912345678", "user_subject": "user-DR1",
                             "vehicle_id": vehicle["id"]})  # fmt: skip
    nos = [book(svc, tenant, k) for k in range(3)]
    with svc.database.tenant_transaction(tenant) as session:
        source = planning_input(session, depot["id"], DAY)
    visits = [Visit(no, 37000 + 1000 * k, 37000 + 1000 * k, 37300 + 1000 * k) for k, no in enumerate(nos)]
    plan = Plan(routes=[PlannedRoute("V1", visits, 36000, 40000, 9000, 4000)], unassigned=[], engine="hand",
                solve_time_s=0.0)  # fmt: skip
    with svc.database.tenant_transaction(tenant) as session:
        plan_id = store_plan(session, source, plan, DAY, tenant_id=tenant).id
    if publish:
        answer = svc.client.post(f"/api/v1/plans/{plan_id}/publish", headers=headers)
        assert answer.status_code == 200, answer.text
        return nos, dict(answer.json())
    return nos, dict(svc.client.get(f"/api/v1/plans/{plan_id}", headers=headers).json())


def route_rows(svc: ServiceUnderTest, tenant: str, route_id: int) -> tuple[Route, list[tuple[int, str, str]]]:
    with svc.database.tenant_transaction(tenant) as session:
        route = session.get(Route, route_id)
        assert route is not None
        stops = [
            (s.seq, o.order_no, s.status)
            for s, o in session.execute(
                select(RouteStop, DeliveryOrder)
                .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
                .where(RouteStop.route_id == route_id)
                .order_by(RouteStop.seq)
            )
        ]
        session.expunge(route)
        return route, stops


def test_a_created_order_is_cancelled_once_with_its_kpi_record_and_answer(svc: ServiceUnderTest) -> None:
    no = book(svc, "t1", 0)
    ask_cancel(svc, "t1", no)
    assert order_status(svc, "t1", no) == "cancelled"
    assert kpi(svc, "t1", no) == ["created", "cancelled"]
    [answer] = outbox(svc, "t1", ORDER_CANCELLED)
    assert answer["order_no"] == no and answer["source_ref"] == "d-" + no and answer["previous_status"] == "created"
    assert answer["requested_at"] == "2026-11-27T01:00:00+00:00" and answer["repeated"] is False
    assert answer["route_id"] is None and answer["reason"] == "customer changed mind"
    ask_cancel(svc, "t1", no, requested_at="2026-11-27T01:05:00+00:00")  # asked again: answered again, no change
    answers = outbox(svc, "t1", ORDER_CANCELLED)
    assert len(answers) == 2 and answers[1]["repeated"] is True
    assert kpi(svc, "t1", no) == ["created", "cancelled"]
    # Unknown order, and another tenant asking about this one: refused, nothing changes here.
    ask_cancel(svc, "t1", "BRK-DR20261127-FFFFFFFF")
    ask_cancel(svc, "t2", no)
    assert [r["status"] for r in outbox(svc, "t1", CANCEL_REFUSED)] == ["unknown"]
    [other] = outbox(svc, "t2", CANCEL_REFUSED)
    assert other["order_no"] == no and "no order" in other["reason"]
    assert kpi(svc, "t1", no) == ["created", "cancelled"]


def test_a_planned_order_leaves_the_unpublished_route_and_the_plan_publishes_without_it(svc: ServiceUnderTest) -> None:
    nos, plan = planned_day(svc, "t1", publish=False)
    route_id = plan["routes"][0]["id"]
    before, _ = route_rows(svc, "t1", route_id)
    ask_cancel(svc, "t1", nos[0])
    route, stops = route_rows(svc, "t1", route_id)
    assert stops == [(1, nos[1], "pending"), (2, nos[2], "pending")]
    assert route.distance_m < before.distance_m
    with svc.database.tenant_transaction("t1") as session:
        assert session.scalars(select(RouteNotice)).all() == []  # no driver has the route yet
    assert outbox(svc, "t1", ORDER_CANCELLED)[0]["route_id"] == route_id
    published = svc.client.post(f"/api/v1/plans/{plan['id']}/publish", headers=svc.headers("t1", ("dispatcher",)))
    assert published.status_code == 200, published.text
    assert order_status(svc, "t1", nos[0]) == "cancelled" and order_status(svc, "t1", nos[1]) == "out_for_delivery"
    [event] = outbox(svc, "t1", "smartdist.dispatch.route.published")
    assert event["order_nos"] == nos[1:]


def test_a_pending_stop_leaves_the_published_route_with_a_notice_and_a_reached_one_is_refused(
    svc: ServiceUnderTest,
) -> None:
    nos, plan = planned_day(svc, "t1", publish=True)
    route_id = plan["routes"][0]["id"]
    stops = {s["order_no"]: s["id"] for s in plan["routes"][0]["stops"]}
    driver = svc.headers("t1", ("driver",), subject="user-DR1")
    now = datetime.now(UTC).isoformat()
    arrived = svc.client.post(f"/api/v1/driver/stops/{stops[nos[0]]}/arrive", json={"occurred_at": now}, headers=driver)
    assert arrived.status_code == 200, arrived.text
    before, _ = route_rows(svc, "t1", route_id)

    ask_cancel(svc, "t1", nos[1])  # the middle stop, still pending
    route, rows = route_rows(svc, "t1", route_id)
    assert rows == [(1, nos[0], "arrived"), (2, nos[2], "pending")]
    assert route.revision == before.revision + 1 and route.distance_m < before.distance_m
    with svc.database.tenant_transaction("t1") as session:
        [notice] = session.scalars(select(RouteNotice)).all()
        plan_row = session.get(RoutePlan, plan["id"])
        assert plan_row is not None and plan_row.total_distance_m < plan["total_distance_m"]
    assert notice.kind == "stop_removed" and notice.revision == route.revision
    assert nos[1] in notice.message and "取消" in notice.message
    assert order_status(svc, "t1", nos[1]) == "cancelled"
    assert kpi(svc, "t1", nos[1]) == ["created", "planned", "published", "cancelled"]
    [answer] = outbox(svc, "t1", ORDER_CANCELLED)
    assert answer["route_id"] == route_id and answer["previous_status"] == "out_for_delivery"
    [changed] = outbox(svc, "t1", ROUTE_CHANGED_EVENT)
    assert changed == {"route_id": route_id, "plan_id": plan["id"], "revision": route.revision,
                       "kind": "stop_removed", "order_nos": [nos[1]]}  # fmt: skip
    # The driver's phone sees the new revision, the notice and two stops.
    today = svc.client.get("/api/v1/driver/routes/today", params={"date": DAY.isoformat()}, headers=driver).json()
    [mine] = today["routes"]
    assert mine["revision"] == route.revision and [s["order_no"] for s in mine["stops"]] == [nos[0], nos[2]]
    assert [n["kind"] for n in mine["notices"]] == ["stop_removed"]

    ask_cancel(svc, "t1", nos[0])  # the driver is at the door: refused, nothing moves
    [refusal] = outbox(svc, "t1", CANCEL_REFUSED)
    assert refusal["order_no"] == nos[0] and refusal["status"] == "arrived" and "arrived" in refusal["reason"]
    assert refusal["source_ref"] == "d-" + nos[0] and refusal["requested_at"] == "2026-11-27T01:00:00+00:00"
    delivered = svc.client.post(
        f"/api/v1/driver/stops/{stops[nos[2]]}/deliver", json={"occurred_at": now}, headers=driver
    )
    assert delivered.status_code == 200, delivered.text
    ask_cancel(svc, "t1", nos[2])
    assert [r["status"] for r in outbox(svc, "t1", CANCEL_REFUSED)] == ["arrived", "delivered"]
    assert route_rows(svc, "t1", route_id)[1] == [(1, nos[0], "arrived"), (2, nos[2], "delivered")]
    assert len(outbox(svc, "t1", ORDER_CANCELLED)) == 1


def test_cancelling_the_last_open_stop_completes_the_started_route(svc: ServiceUnderTest) -> None:
    nos, plan = planned_day(svc, "t1", publish=True)
    route_id = plan["routes"][0]["id"]
    stops = {s["order_no"]: s["id"] for s in plan["routes"][0]["stops"]}
    driver = svc.headers("t1", ("driver",), subject="user-DR1")
    first, second = "2026-11-26T01:00:00+00:00", "2026-11-26T01:20:00+00:00"
    outcomes = ((nos[0], first, "deliver", {}), (nos[1], second, "fail", {"reason_code": "refused"}))
    for no, when, action, body in outcomes:
        done = svc.client.post(f"/api/v1/driver/stops/{stops[no]}/{action}", json={"occurred_at": when} | body,
                               headers=driver)  # fmt: skip
        assert done.status_code == 200, done.text
    ask_cancel(svc, "t1", nos[2])
    route, rows = route_rows(svc, "t1", route_id)
    assert rows == [(1, nos[0], "delivered"), (2, nos[1], "failed")]
    assert route.status == "completed" and route.completed_at == datetime.fromisoformat(second)
    [completed] = outbox(svc, "t1", "smartdist.dispatch.route.completed")
    assert completed["order_nos"] == nos[:2] and (completed["delivered"], completed["failed"]) == (1, 1)
    assert kpi(svc, "t1", f"P{plan['id']}-R1")[-1] == "completed"
    assert order_status(svc, "t1", nos[2]) == "cancelled"
