"""Rush orders into published routes over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist.kpi import KpiRecord
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.routes.models import RouteNotice, RouteStop

from .conftest import PLACES, Day  # noqa: TID252 - the folder's own helpers


def test_rush_order_goes_after_the_done_stops_with_new_etas_notice_event_and_kpi(day: Day) -> None:
    day.fleet()
    for k in range(6):
        day.order(f"A-{k}", *PLACES[k])
    plan_id = day.plan({"V1": ["A-0", "A-1", "A-2"], "V2": ["A-3", "A-4", "A-5"]})
    before = day.routes(plan_id)
    # The V1 driver has delivered A-0 and failed A-1: both stay first, in that order.
    with day.svc.database.tenant_transaction(day.tenant) as session:
        for stop in session.scalars(select(RouteStop).where(RouteStop.route_id == before["V1"]["id"])):
            if stop.seq == 1:
                stop.status, stop.completed_at = "delivered", datetime.now(UTC)
            if stop.seq == 2:
                stop.status, stop.completed_at, stop.reason_code = "failed", datetime.now(UTC), "nobody_home"
    before = day.routes(plan_id)
    # Right beside A-1 (V1's failed stop): it goes straight after it, never before the stops already done.
    rush_id = day.order("RUSH-1", 25.0702, 121.5798)
    started = time.perf_counter()
    answer = day.svc.client.post(
        "/api/v1/routes/rush-orders",
        headers=day.headers | {"Idempotency-Key": "rush-1"},
        json={"order_id": rush_id, "plan_date": str(day.day)},
    )
    assert answer.status_code == 200, answer.text
    assert time.perf_counter() - started < 2
    (changed,) = answer.json()["routes"]
    after = day.routes(plan_id)
    route = after[changed["vehicle_code"]]
    nos = [s["order_no"] for s in route["stops"]]
    assert changed["vehicle_code"] == "V1" and changed["order_nos"] == ["RUSH-1"] and route["revision"] == 2
    assert nos == ["A-0", "A-1", "RUSH-1", "A-2"] and changed["positions"] == {"RUSH-1": 3}
    assert [s["seq"] for s in route["stops"]] == [1, 2, 3, 4]
    assert route["stops"][:2] == before["V1"]["stops"][:2]  # done stops: same place, same ETA
    etas = [s["eta"] for s in route["stops"][2:]]
    assert etas == sorted(etas) and etas[-1] > before["V1"]["stops"][2]["eta"]  # A-2 now comes later
    assert after["V2"]["revision"] == 1 and after["V2"]["stops"] == before["V2"]["stops"]
    with day.svc.database.tenant_transaction(day.tenant) as session:
        notice = session.scalars(select(RouteNotice)).one()
        event = session.scalars(select(OutboxEvent).where(OutboxEvent.type == "smartdist.dispatch.route.changed")).one()
        order = session.get(DeliveryOrder, rush_id)
        kpis = session.scalars(
            select(KpiRecord).where(KpiRecord.doc_no.in_(["RUSH-1", f"P{plan_id}"]), KpiRecord.status != "created")
        ).all()
        assert order is not None and order.status == "out_for_delivery"
    assert (notice.route_id, notice.kind, notice.revision) == (route["id"], "rush_inserted", 2)
    assert "RUSH-1" in notice.message and "第 3 站" in notice.message
    assert json.loads(event.payload)["data"] == {
        "route_id": route["id"],
        "plan_id": plan_id,
        "revision": 2,
        "kind": "rush_inserted",
        "order_nos": ["RUSH-1"],
    }
    assert sorted((k.doc_type, k.status) for k in kpis) == [
        ("delivery_order", "planned"),
        ("delivery_order", "published"),
        ("route", "changed"),
        ("route", "planned"),
    ]
    # The same key replays the answer and inserts nothing twice.
    again = day.svc.client.post(
        "/api/v1/routes/rush-orders",
        headers=day.headers | {"Idempotency-Key": "rush-1"},
        json={"order_id": rush_id, "plan_date": str(day.day)},
    )
    assert again.json() == answer.json()
    assert day.routes(plan_id)["V1"]["revision"] == 2


def test_an_order_that_fits_nowhere_is_422_with_the_reason_and_changes_nothing(day: Day) -> None:
    day.fleet(boxes=9)
    for k in range(4):
        day.order(f"A-{k}", *PLACES[k])
    plan_id = day.plan({"V1": ["A-0", "A-1"], "V2": ["A-2", "A-3"]})
    before = day.routes(plan_id)
    heavy = day.order("HEAVY", 25.06, 121.57, weight_kg=900)
    late = day.order("LATE", 25.06, 121.57, time_windows=[[f"{day.day}T06:00:00+08:00", f"{day.day}T07:00:00+08:00"]])
    answer = day.svc.client.post(
        "/api/v1/routes/rush-orders", headers=day.headers, json={"order_ids": [heavy, late], "plan_date": str(day.day)}
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = {tuple(e["loc"]): (e["reason"], e["code"], e["message"]) for e in answer.json()["errors"]}
    # The reason's code stays beside its words (zh-TW when the request names no language).
    assert errors == {
        ("body", "order_ids", 0): (
            "capacity",
            "dispatch.unassigned.capacity",
            "HEAVY: 貨量超過任何一台車的載重、容積或箱數",
        ),
        ("body", "order_ids", 1): (
            "time_window",
            "dispatch.unassigned.time_window",
            "LATE: 沒有車能在指定時段內送達，並在下班前回到倉庫",
        ),
    }
    assert day.routes(plan_id) == before
    with day.svc.database.tenant_transaction(day.tenant) as session:
        assert session.get(DeliveryOrder, heavy).status == "created"  # type: ignore[union-attr]
        assert session.scalars(select(RouteNotice)).all() == []


def test_bad_requests_are_422_naming_the_field(day: Day) -> None:
    day.fleet()
    day.order("A-0", *PLACES[0])
    post = day.svc.client.post
    both = post("/api/v1/routes/rush-orders", headers=day.headers, json={"order_id": 1, "order_ids": [1]})
    assert both.status_code == 422
    unknown = post("/api/v1/routes/rush-orders", headers=day.headers, json={"order_id": 999, "plan_date": str(day.day)})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "order_ids", 0]
    no_routes = post(
        "/api/v1/routes/rush-orders",
        headers=day.headers,
        json={"order_id": day.orders["A-0"], "plan_date": str(day.day)},
    )
    assert no_routes.status_code == 422 and no_routes.json()["errors"][0]["loc"] == ["body", "plan_date"]
    past = post(
        "/api/v1/routes/rush-orders",
        headers=day.headers,
        json={"order_id": day.orders["A-0"], "plan_date": "2020-01-01"},
    )
    assert past.status_code == 422 and "past" in past.text


def test_another_tenant_cannot_insert_an_order_or_see_the_routes(day: Day) -> None:
    day.fleet()
    for k in range(2):
        day.order(f"A-{k}", *PLACES[k])
    plan_id = day.plan({"V1": ["A-0", "A-1"]})
    rush = day.order("RUSH", *PLACES[3])
    other = day.svc.headers("t2", ("dispatcher",))
    answer = day.svc.client.post(
        "/api/v1/routes/rush-orders", headers=other, json={"order_id": rush, "plan_date": str(day.day)}
    )
    assert answer.status_code == 422 and "no order" in answer.text
    board = day.svc.client.get(f"/api/v1/board?date={day.day}", headers=other).json()
    assert board["routes"] == []
    assert day.routes(plan_id)["V1"]["revision"] == 1


def test_a_rush_order_into_two_50_stop_routes_answers_within_2_seconds(day: Day) -> None:
    day.fleet(boxes=200)
    with day.svc.database.tenant_transaction(day.tenant) as session:
        for k in range(100):
            # A 10 x 10 grid of stops about 500 m apart around the depot.
            session.add(
                DeliveryOrder(
                    order_no=f"G-{k:03d}",
                    customer_name="客戶",
                    lat=25.055 + (k // 10) * 0.0045,
                    lng=121.55 + (k % 10) * 0.005,
                    time_windows=day.window("08:00", "20:00"),
                    service_s=120,
                    boxes=1,
                )
            )
    plan_id = day.plan({"V1": [f"G-{k:03d}" for k in range(50)], "V2": [f"G-{k:03d}" for k in range(50, 100)]})
    with day.svc.database.tenant_transaction(day.tenant) as session:
        for stop in session.scalars(select(RouteStop).where(RouteStop.seq <= 10)):
            stop.status, stop.completed_at = "delivered", datetime.now(UTC)
    rush = day.order("RUSH-50", 25.071, 121.571, boxes=1)
    started = time.perf_counter()
    answer = day.svc.client.post(
        "/api/v1/routes/rush-orders", headers=day.headers, json={"order_id": rush, "plan_date": str(day.day)}
    )
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    print(f"rush insertion into 2 x 50 stops answered in {elapsed:.3f} s")  # shown with -s, for the README figure
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    (changed,) = answer.json()["routes"]
    route = day.routes(plan_id)[changed["vehicle_code"]]
    assert len(route["stops"]) == 51 and changed["positions"]["RUSH-50"] > 10
    assert all(s["status"] == "delivered" for s in route["stops"][:10])
