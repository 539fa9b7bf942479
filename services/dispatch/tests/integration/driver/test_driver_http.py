"""The driver's API on SQLite and PostgreSQL: today's route, arrive/deliver/fail with offline replays,
conflicts, cash, KPI records and the events the delivery broker consumes, route completion, tenancy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist.kpi import KpiRecord
from smartdist.timeparams import TAIPEI
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.routes.models import Route, RouteNotice, RouteStop

# The phone's times: in the recent past (a time in the future is refused as a bad clock).
BASE = datetime.now(TAIPEI).replace(second=0, microsecond=0) - timedelta(hours=3)


def at(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat()


def utc(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).astimezone(UTC).isoformat()


AT = at(0)


def act(day: Any, who: str, stop_id: int, action: str, key: str | None = None, **body: Any) -> Any:
    headers = day.headers(who) | ({"Idempotency-Key": key} if key else {})
    return day.svc.client.post(
        f"/api/v1/driver/stops/{stop_id}/{action}", json={"occurred_at": AT} | body, headers=headers
    )


def events(day: Any, type_: str) -> list[dict[str, Any]]:
    with day.svc.database.tenant_transaction(day.tenant) as session:
        rows = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.type == type_, OutboxEvent.tenant_id == day.tenant)
            .order_by(OutboxEvent.id)
        ).all()
        return [json.loads(r.payload)["data"] for r in rows]


def kpis(day: Any, doc_type: str, status: str) -> list[KpiRecord]:
    with day.svc.database.tenant_transaction(day.tenant) as session:
        rows = session.scalars(
            select(KpiRecord).where(KpiRecord.doc_type == doc_type, KpiRecord.status == status).order_by(KpiRecord.id)
        ).all()
        session.expunge_all()
        return list(rows)


def test_driver_sees_only_their_published_route_with_stops_in_order(day: Any) -> None:
    answer = day.svc.client.get("/api/v1/driver/routes/today?date=2026-11-27", headers=day.headers("DR1"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["driver"]["code"] == "DR1" and len(body["routes"]) == 1
    route = body["routes"][0]
    assert (route["status"], route["revision"], route["vehicle_code"]) == ("published", 1, "V1")
    assert [s["order_no"] for s in route["stops"]] == ["A-0", "A-1", "A-2"]
    first, second = route["stops"][0], route["stops"][1]
    assert first["customer_name"] == "客戶0" and first["phone"] == "02-2345-0000" and first["notes"] == "請按門鈴"
    assert first["address"] == "台北市內湖區0號" and (first["lat"], first["lng"]) == (25.079, 121.575)
    assert first["time_windows"][0][0].startswith("2026-11-27T09:00") and first["eta"] and first["status"] == "pending"
    assert second["cash_to_collect_twd"] == 500
    assert route["notices"] == [] and route["depot"]["code"] == "D1"
    # Another day has nothing; the other driver sees only their own route.
    empty = day.svc.client.get("/api/v1/driver/routes/today?date=2026-11-28", headers=day.headers("DR1")).json()
    assert empty["routes"] == []
    other = day.svc.client.get("/api/v1/driver/routes/today?date=2026-11-27", headers=day.headers("DR2")).json()
    assert [s["order_no"] for r in other["routes"] for s in r["stops"]] == ["A-3"]
    # A dispatcher names the driver; a sign-in linked to no driver is refused.
    staff = day.svc.client.get(
        f"/api/v1/driver/routes/today?date=2026-11-27&driver_id={day.drivers['DR1']['id']}",
        headers=day.headers("dispatcher"),
    ).json()
    assert staff["routes"][0]["id"] == route["id"]
    unnamed = day.svc.client.get("/api/v1/driver/routes/today", headers=day.headers("dispatcher"))
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["loc"] == ["query", "driver_id"]
    stranger = day.svc.client.get(
        "/api/v1/driver/routes/today", headers=day.svc.headers(day.tenant, ("driver",), subject="nobody")
    )
    assert stranger.status_code == 403
    acting_for = day.svc.client.get(
        f"/api/v1/driver/routes/today?driver_id={day.drivers['DR2']['id']}", headers=day.headers("DR1")
    )
    assert acting_for.status_code == 403


def test_a_day_runs_arrive_deliver_fail_and_completes_the_route_with_kpis_and_events(day: Any) -> None:
    route = day.route("V1")
    a0, a1, a2 = (day.stop(no)["id"] for no in ("A-0", "A-1", "A-2"))
    arrived = act(day, "DR1", a0, "arrive", key="k-arrive-0")
    assert arrived.status_code == 200, arrived.text
    assert arrived.json()["status"] == "arrived" and arrived.json()["route"]["status"] == "in_progress"
    delivered = act(day, "DR1", a0, "deliver", key="k-deliver-0", recipient_name="王先生", occurred_at=at(5))
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "delivered" and delivered.json()["recipient_name"] == "王先生"
    # Cash: required where there is some to collect; a different amount is kept and flagged.
    missing = act(day, "DR1", a1, "deliver")
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["body", "cash_collected_twd"]
    short = act(day, "DR1", a1, "deliver", cash_collected_twd=450, occurred_at=at(30))
    assert short.status_code == 200 and short.json()["cash_exception"] is True
    assert short.json()["cash_collected_twd"] == 450
    failed = act(day, "DR1", a2, "fail", reason_code="nobody_home", note="按鈴無人", occurred_at=at(55))
    assert failed.status_code == 200, failed.text
    assert failed.json()["route"]["status"] == "completed"

    with day.svc.database.tenant_transaction(day.tenant) as session:
        stored = session.get(Route, route["id"])
        assert stored is not None and stored.status == "completed"
        assert stored.started_at.isoformat() == utc(0)
        assert stored.completed_at.isoformat() == utc(55)
        orders = {o.order_no: o.status for o in session.scalars(select(DeliveryOrder))}
    assert orders == {"A-0": "delivered", "A-1": "delivered", "A-2": "failed", "A-3": "out_for_delivery"}

    # KPI: each order's steps with depot -> customer, the route's start and its completion with elapsed time.
    assert [(k.doc_no, k.sender, k.receiver) for k in kpis(day, "delivery_order", "arrived")] == [
        ("A-0", "D1", "客戶0")
    ]
    delivered_kpis = kpis(day, "delivery_order", "delivered")
    assert [k.doc_no for k in delivered_kpis] == ["A-0", "A-1"]
    assert delivered_kpis[1].amount_twd == 450 and delivered_kpis[1].extra["cash_exception"] is True
    assert [(k.doc_no, k.extra["reason_code"]) for k in kpis(day, "delivery_order", "failed")] == [
        ("A-2", "nobody_home")
    ]
    completed = kpis(day, "route", "completed")
    plan_id = day.plan["id"]
    assert [(k.doc_no, k.elapsed_s, k.extra["delivered"], k.extra["failed"]) for k in completed] == [
        (f"P{plan_id}-R{route['seq']}", 55 * 60.0, 2, 1)
    ]
    assert [k.doc_no for k in kpis(day, "route", "in_progress")] == [f"P{plan_id}-R{route['seq']}"]

    # The events: the contract with the delivery broker, field for field.
    driver_id = day.drivers["DR1"]["id"]
    order_ids = {s["order_no"]: s["order_id"] for s in route["stops"]}
    assert events(day, "smartdist.dispatch.stop.delivered") == [
        {
            "stop_id": a0,
            "route_id": route["id"],
            "plan_id": plan_id,
            "order_id": order_ids["A-0"],
            "order_no": "A-0",
            "status": "delivered",
            "reason_code": None,
            "occurred_at": utc(5),
            "cash_collected_twd": None,
            "driver_id": driver_id,
        },
        {
            "stop_id": a1,
            "route_id": route["id"],
            "plan_id": plan_id,
            "order_id": order_ids["A-1"],
            "order_no": "A-1",
            "status": "delivered",
            "reason_code": None,
            "occurred_at": utc(30),
            "cash_collected_twd": 450,
            "driver_id": driver_id,
        },
    ]
    assert events(day, "smartdist.dispatch.stop.failed") == [
        {
            "stop_id": a2,
            "route_id": route["id"],
            "plan_id": plan_id,
            "order_id": order_ids["A-2"],
            "order_no": "A-2",
            "status": "failed",
            "reason_code": "nobody_home",
            "occurred_at": utc(55),
            "cash_collected_twd": None,
            "driver_id": driver_id,
        }
    ]
    assert events(day, "smartdist.dispatch.route.completed") == [
        {
            "route_id": route["id"],
            "plan_id": plan_id,
            "driver_id": driver_id,
            "order_nos": ["A-0", "A-1", "A-2"],
            "delivered": 2,
            "failed": 1,
            "completed_at": utc(55),
        }
    ]
    # KPI 2 counts delivered and failed orders as handled.
    summary = day.svc.client.get("/api/v1/kpi/summary", headers=day.headers("owner")).json()
    assert {k["code"]: k["value"] for k in summary["kpis"]}["orders_handled"] == 3


def test_offline_replays_create_nothing_twice_and_conflicts_are_409(day: Any) -> None:
    a0, a3 = day.stop("A-0")["id"], day.stop("A-3")["id"]
    first = act(day, "DR1", a0, "deliver", key="phone-1", recipient_name="王")
    assert first.status_code == 200 and first.json()["replayed"] is False
    # The same queued action again (answer lost on a bad connection): the first answer, nothing new.
    again = act(day, "DR1", a0, "deliver", key="phone-1", recipient_name="王")
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    # The same outcome sent again with a new key (a second tap): answered with the stop as it is.
    tapped = act(day, "DR1", a0, "deliver", key="phone-2", recipient_name="王")
    assert tapped.status_code == 200 and tapped.json()["replayed"] is True
    late_arrival = act(day, "DR1", a0, "arrive", key="phone-3")
    assert late_arrival.status_code == 200 and late_arrival.json()["status"] == "delivered"
    # Failing a delivered stop contradicts it.
    conflict = act(day, "DR1", a0, "fail", key="phone-4", reason_code="refused")
    assert conflict.status_code == 409 and conflict.json()["current_status"] == "delivered"
    assert conflict.headers["content-type"].startswith("application/problem+json")
    # Straight from pending to failed is allowed; delivering it afterwards is a conflict.
    assert act(day, "DR2", a3, "fail", reason_code="closed").status_code == 200
    assert act(day, "DR2", a3, "deliver").status_code == 409
    assert len(events(day, "smartdist.dispatch.stop.delivered")) == 1
    assert len(kpis(day, "delivery_order", "delivered")) == 1
    assert [k.doc_no for k in kpis(day, "delivery_order", "failed")] == ["A-3"]


def test_bad_actions_are_422_naming_the_field_and_change_nothing(day: Any) -> None:
    a2 = day.stop("A-2")["id"]
    other = act(day, "DR1", a2, "fail", reason_code="other")
    assert other.status_code == 422 and other.json()["errors"][0]["loc"] == ["body", "note"]
    unknown = act(day, "DR1", a2, "fail", reason_code="lost_keys")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"][-1] == "reason_code"
    naive = act(day, "DR1", a2, "arrive", occurred_at=AT[:19])
    assert naive.status_code == 422 and naive.json()["errors"][0]["loc"][-1] == "occurred_at"
    future = act(day, "DR1", a2, "arrive", occurred_at="2099-01-01T00:00:00+08:00")
    assert future.status_code == 422 and future.json()["errors"][0]["loc"] == ["body", "occurred_at"]
    negative = act(day, "DR1", day.stop("A-1")["id"], "deliver", cash_collected_twd=-1)
    assert negative.status_code == 422
    assert (
        day.svc.client.post(f"/api/v1/driver/stops/{a2}/arrive", json={}, headers=day.headers("DR1")).status_code == 422
    )
    with day.svc.database.tenant_transaction(day.tenant) as session:
        assert {s.status for s in session.scalars(select(RouteStop))} == {"pending"}
    assert kpis(day, "delivery_order", "arrived") == []


def test_a_driver_cannot_act_on_another_drivers_or_tenants_stop(day: Any, make_day: Any) -> None:
    a3 = day.stop("A-3")["id"]  # DR2's stop
    assert act(day, "DR1", a3, "arrive").status_code == 404
    theirs = make_day("t2")
    t2_stop = theirs.stop("A-0")["id"]
    # t1's drivers and dispatcher cannot see or touch t2's stop; t2's driver cannot touch t1's.
    assert act(day, "DR1", t2_stop, "arrive").status_code == 404
    assert act(day, "dispatcher", t2_stop, "deliver").status_code == 404
    assert act(theirs, "DR1", day.stop("A-0")["id"], "arrive").status_code == 404
    t2_route = theirs.route("V1")["id"]
    crumbs = [{"lat": 25.0, "lng": 121.5, "recorded_at": AT}]
    assert (
        day.svc.client.post(
            f"/api/v1/driver/routes/{t2_route}/breadcrumbs", json=crumbs, headers=day.headers("DR1")
        ).status_code
        == 404
    )
    assert (
        day.svc.client.get(
            f"/api/v1/driver/routes/today?date=2026-11-27&driver_id={theirs.drivers['DR1']['id']}",
            headers=day.headers("dispatcher"),
        ).status_code
        == 404
    )
    # A dispatcher acts for any driver of their own tenant.
    assert act(day, "dispatcher", a3, "arrive").status_code == 200
    with day.svc.database.tenant_transaction("t2") as session:
        assert {s.status for s in session.scalars(select(RouteStop))} == {"pending"}


def test_an_unpublished_route_is_not_the_drivers_yet(svc: Any, make_day: Any) -> None:
    planned = make_day("t1", publish=False)
    stop = planned.stop("A-0")["id"]
    assert act(planned, "dispatcher", stop, "arrive").status_code == 409
    assert act(planned, "DR1", stop, "arrive").status_code == 404  # no driver yet: not theirs
    today = svc.client.get("/api/v1/driver/routes/today?date=2026-11-27", headers=planned.headers("DR1")).json()
    assert today["routes"] == []


def test_breadcrumbs_are_validated_and_deduplicated(day: Any) -> None:
    route_id = day.route("V1")["id"]
    url = f"/api/v1/driver/routes/{route_id}/breadcrumbs"
    batch = [{"lat": 25.07 + k / 1000, "lng": 121.57, "accuracy_m": 8, "recorded_at": at(k)} for k in range(3)]
    batch.append(dict(batch[0]))  # the same fix twice in one batch
    first = day.svc.client.post(url, json=batch, headers=day.headers("DR1"))
    assert first.status_code == 200, first.text
    assert (first.json()["accepted"], first.json()["duplicates"]) == (3, 1)
    # The queue resends the batch (answer lost), the same instant written in UTC: nothing new.
    resent = [b | {"recorded_at": utc(k)} for k, b in enumerate(batch[:3])]
    again = day.svc.client.post(url, json=resent, headers=day.headers("DR1"))
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 3)
    bad = day.svc.client.post(
        url,
        json=[
            {"lat": 95, "lng": 121.5, "recorded_at": AT},
            {"lat": 25, "lng": 181, "recorded_at": AT},
            {"lat": 25, "lng": 121, "accuracy_m": -1, "recorded_at": AT},
        ],
        headers=day.headers("DR1"),
    )
    assert bad.status_code == 422
    assert sorted(tuple(e["loc"][1:]) for e in bad.json()["errors"]) == [(0, "lat"), (1, "lng"), (2, "accuracy_m")]
    assert day.svc.client.post(url, json=[], headers=day.headers("DR1")).status_code == 422
    future = day.svc.client.post(
        url, json=[{"lat": 25, "lng": 121, "recorded_at": "2099-01-01T00:00:00Z"}], headers=day.headers("DR1")
    )
    assert future.status_code == 422 and future.json()["errors"][0]["loc"] == ["body", 0, "recorded_at"]
    assert day.svc.client.post(url, json=batch, headers=day.headers("DR2")).status_code == 404


def test_driver_acknowledges_a_route_notice_once(day: Any) -> None:
    route_id = day.route("V1")["id"]
    with day.svc.database.tenant_transaction(day.tenant) as session:
        notice = RouteNotice(route_id=route_id, kind="rush_inserted", message="插單：A-9 加在第 2 站", revision=2)
        session.add(notice)
        session.flush()
        notice_id = notice.id
    today = day.svc.client.get("/api/v1/driver/routes/today?date=2026-11-27", headers=day.headers("DR1")).json()
    assert [n["id"] for n in today["routes"][0]["notices"]] == [notice_id]
    assert day.svc.client.post(f"/api/v1/driver/notices/{notice_id}/ack", headers=day.headers("DR2")).status_code == 404
    acked = day.svc.client.post(f"/api/v1/driver/notices/{notice_id}/ack", headers=day.headers("DR1"))
    assert acked.status_code == 200 and acked.json()["acknowledged_at"] is not None
    twice = day.svc.client.post(f"/api/v1/driver/notices/{notice_id}/ack", headers=day.headers("DR1")).json()
    assert twice["acknowledged_at"] == acked.json()["acknowledged_at"]
    today = day.svc.client.get("/api/v1/driver/routes/today?date=2026-11-27", headers=day.headers("DR1")).json()
    assert today["routes"][0]["notices"] == []
