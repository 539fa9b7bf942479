"""The WMS ends of SPEC §5 flows 1-3 in one process (SQLite and PostgreSQL), events handed to its
consumers as the bus would: repeated, late, out of order; and the courier booking through the
sandbox broker, with an outage and a refusal. The cross-process runs are the test_flow* modules."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from smartdist.bus.envelope import CloudEvent
from smartdist.kpi.models import KpiRecord
from smartdist_wms.adapters.delivery_broker import BookingRefused, BrokerUnavailable
from smartdist_wms.app import DEFINITION
from smartdist_wms.deliveries import service as deliveries

PICKED_UP = "smartdist.surplus-market.order.picked_up"
SUGGESTED = "smartdist.forecast.replenishment.suggested"
STATUS_CHANGED = "smartdist.delivery-broker.delivery.status_changed"
TAIPEI = ZoneInfo("Asia/Taipei")


def deliver(svc: Any, tenant: str, event: CloudEvent) -> None:
    with svc.database.tenant_transaction(tenant) as session:
        DEFINITION.subscriptions[event.type](session, event)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_surplus_pickup_takes_the_units_out_of_its_lot_once(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t)
        ok(svc.client.post("/api/v1/products", json={"sku": "MILK", "name": "milk", "tracking": "lot"}, headers=h), 201)
        ok(svc.client.post("/api/v1/locations", json={"code": "A-1"}, headers=h), 201)
        soon = (datetime.now(TAIPEI).date() + timedelta(days=2)).isoformat()
        later = (datetime.now(TAIPEI).date() + timedelta(days=30)).isoformat()
        for lot, expiry, qty in (("L1", soon, 10), ("L2", later, 4)):
            adjustment = {"sku": "MILK", "location": "A-1", "qty": qty, "reason": "found", "lot": lot, "expiry": expiry}
            ok(svc.client.post("/api/v1/stock/adjustments", json=adjustment, headers=h), 201)
        source = {"service": "wms", "sku": "MILK", "lot": "L1", "location": "A-1"}
        picked = CloudEvent.create(
            type=PICKED_UP, subject="r1", tenant_id=t, data={"id": "r1", "quantity": 3, "source": source}
        )
        deliver(svc, t, picked)
        deliver(svc, t, CloudEvent.create(type=PICKED_UP, subject="r1", tenant_id=t, data=picked.data))  # re-sent
        # Not ours: a store's own listing, and an unknown place.
        deliver(
            svc,
            t,
            CloudEvent.create(
                type=PICKED_UP, subject="r2", tenant_id=t, data={"id": "r2", "quantity": 3, "source": None}
            ),
        )
        deliver(
            svc,
            t,
            CloudEvent.create(
                type=PICKED_UP,
                subject="r3",
                tenant_id=t,
                data={"id": "r3", "quantity": 3, "source": {**source, "location": "Z"}},
            ),
        )
        items = ok(svc.client.get("/api/v1/stock", params={"sku": "MILK"}, headers=h))["items"]
        assert {i["lot"]: i["on_hand"] for i in items} == {"L1": 7, "L2": 4}
        # More sold than is free: the free units go, nothing below what outbound orders hold.
        order = ok(
            svc.client.post(
                "/api/v1/outbound-orders", headers=h, json={"ref": "O1", "lines": [{"sku": "MILK", "qty": 5}]}
            ),
            201,
        )
        ok(svc.client.post(f"/api/v1/outbound-orders/{order['id']}/allocate", headers=h))  # FEFO: 5 of L1
        deliver(
            svc,
            t,
            CloudEvent.create(
                type=PICKED_UP, subject="r4", tenant_id=t, data={"id": "r4", "quantity": 9, "source": source}
            ),
        )
        items = ok(svc.client.get("/api/v1/stock", params={"sku": "MILK"}, headers=h))["items"]
        assert {i["lot"]: (i["on_hand"], i["allocated"]) for i in items} == {"L1": (5, 5), "L2": (4, 0)}


def test_a_suggestion_drafts_one_inbound_order_of_known_skus(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t, other = svc.new_tenant(), svc.new_tenant()
        h = svc.headers(t)
        for sku in ("A", "B"):
            ok(svc.client.post("/api/v1/products", json={"sku": sku, "name": sku}, headers=h), 201)
        lines = [
            {"store": "S1", "sku": "A", "order_qty": 6},
            {"store": "S2", "sku": "A", "order_qty": 4},
            {"store": "S1", "sku": "B", "order_qty": 0},
            {"store": "S1", "sku": "NOPE", "order_qty": 3},
        ]
        event = CloudEvent.create(
            type=SUGGESTED, subject="mv1", tenant_id=t, data={"model_version_id": "mv1", "lines": lines}
        )
        deliver(svc, t, event)
        deliver(svc, t, event)  # replayed from the dead letters: the same id
        nothing = CloudEvent.create(
            type=SUGGESTED, subject="mv1", tenant_id=t, data={"model_version_id": "mv1", "lines": lines[2:3]}
        )
        deliver(svc, t, nothing)
        drafts = ok(svc.client.get("/api/v1/inbound-orders", params={"status": "draft"}, headers=h))["items"]
        assert len(drafts) == 1
        (draft,) = drafts
        assert [(line["sku"], line["qty"]) for line in draft["lines"]] == [("A", 10)]
        assert draft["source"] == {
            "service": "forecast",
            "model_version_id": "mv1",
            "event_id": event.id,
            "stores": ["S1", "S2"],
            "unknown_skus": ["NOPE"],
        }
        assert ok(svc.client.get("/api/v1/inbound-orders", headers=svc.headers(other)))["items"] == []
        with svc.database.tenant_transaction(t) as s:
            assert [r.status for r in s.query(KpiRecord).filter(KpiRecord.doc_no == draft["no"])] == ["draft"]


def _shipped_with_delivery(svc: Any, h: dict[str, str], ref: str, **delivery: Any) -> dict[str, Any]:
    body = {
        "ref": ref,
        "customer": "Lin",
        "lines": [{"sku": "TEA", "qty": 1}],
        "delivery": {"dropoff": {"lat": 25.0478, "lng": 121.517}, **delivery},
    }
    order = ok(svc.client.post("/api/v1/outbound-orders", json=body, headers=h), 201)
    ok(svc.client.post(f"/api/v1/outbound-orders/{order['id']}/allocate", headers=h))
    pick = {"location": "B-1", "sku": "TEA", "qty": 1}
    ok(svc.client.post(f"/api/v1/outbound-orders/{order['id']}/picks", json=pick, headers=h), 201)
    return dict(ok(svc.client.post(f"/api/v1/outbound-orders/{order['id']}/ship", headers=h)))


def _settled(svc: Any, h: dict[str, str], order_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        seen: dict[str, Any] = ok(svc.client.get(f"/api/v1/outbound-orders/{order_id}", headers=h))
        if seen["delivery"]["status"] != "booking" or time.monotonic() > deadline:
            # Read again: one GET reads the order and its delivery in two statements, and on
            # PostgreSQL (read committed) the booking's commit may fall between them.
            return dict(ok(svc.client.get(f"/api/v1/outbound-orders/{order_id}", headers=h)))
        time.sleep(0.05)


def test_a_shipment_books_one_courier_and_follows_its_status_forward_only(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t)
        ok(svc.client.post("/api/v1/products", json={"sku": "TEA", "name": "tea"}, headers=h), 201)
        ok(svc.client.post("/api/v1/locations", json={"code": "B-1"}, headers=h), 201)
        adjustment = {"sku": "TEA", "location": "B-1", "qty": 10, "reason": "opening"}
        ok(svc.client.post("/api/v1/stock/adjustments", json=adjustment, headers=h), 201)
        plain = ok(
            svc.client.post(
                "/api/v1/outbound-orders", headers=h, json={"ref": "P1", "lines": [{"sku": "TEA", "qty": 1}]}
            ),
            201,
        )
        ok(svc.client.post(f"/api/v1/outbound-orders/{plain['id']}/allocate", headers=h))
        ok(
            svc.client.post(
                f"/api/v1/outbound-orders/{plain['id']}/picks",
                headers=h,
                json={"location": "B-1", "sku": "TEA", "qty": 1},
            ),
            201,
        )
        no_carrier = svc.client.post(f"/api/v1/outbound-orders/{plain['id']}/ship", headers=h)
        assert no_carrier.status_code == 422 and no_carrier.json()["errors"][0]["loc"] == ["body", "carrier"]

        # The broker is down for the first two tries of the job: the retries book one courier.
        deliveries.SANDBOX.fail_next[:] = [BrokerUnavailable("down"), BrokerUnavailable("still down")]
        shipped = _shipped_with_delivery(svc, h, "S1")
        assert shipped["status"] == "shipped" and shipped["delivery"]["status"] == "booking"
        seen = _settled(svc, h, shipped["id"])
        delivery = seen["delivery"]
        assert delivery["status"] == "pending" and delivery["provider"] == "pandago" and delivery["fee"] == 105
        asked = [r for r in deliveries.SANDBOX.requests if r.reference == "S1" and r.tenant_id == t]
        assert len(asked) == 3 and {r.idempotency_key for r in asked} == {"wms:S1"}
        assert (asked[0].pickup.lat, asked[0].pickup.lng) == (25.0418, 121.5436)  # the warehouse
        assert len([k for k in deliveries.SANDBOX.booked if k.startswith(f"{t}/")]) == 1
        assert seen["carrier"] == "pandago" and seen["tracking_no"] == delivery["delivery_id"]

        def status(value: str, **extra: Any) -> CloudEvent:
            data = {"delivery_id": delivery["delivery_id"], "reference": "S1", "status": value, **extra}
            return CloudEvent.create(type=STATUS_CHANGED, subject="DR1", tenant_id=t, data=data)

        for value in ("assigned", "picked_up", "assigned", "delivered", "picked_up", "delivered"):
            deliver(svc, t, status(value))  # repeated and out of order
        seen = ok(svc.client.get(f"/api/v1/outbound-orders/{shipped['id']}", headers=h))
        assert seen["delivery"]["status"] == "delivered"
        with svc.database.tenant_transaction(t) as s:
            records = [r.status for r in s.query(KpiRecord).filter(KpiRecord.doc_no == seen["no"])]
        assert records.count("delivered") == 1 and records[-2:] == ["shipped", "delivered"]
        # Another booking at the broker under another reference is not ours.
        deliver(
            svc,
            t,
            CloudEvent.create(
                type=STATUS_CHANGED,
                subject="X",
                tenant_id=t,
                data={"delivery_id": "other", "reference": "ELSEWHERE", "status": "assigned"},
            ),
        )

        # Cancelled before it shipped: no courier is asked for.
        body = {"ref": "C1", "lines": [{"sku": "TEA", "qty": 1}], "delivery": {"dropoff": {"lat": 25.05, "lng": 121.5}}}
        kept = ok(svc.client.post("/api/v1/outbound-orders", json=body, headers=h), 201)
        gone = ok(svc.client.post(f"/api/v1/outbound-orders/{kept['id']}/cancel", headers=h))
        assert gone["status"] == "cancelled" and gone["delivery"]["status"] == "cancelled"
        assert not [r for r in deliveries.SANDBOX.requests if r.reference == "C1" and r.tenant_id == t]

        # A refusal (no platform can take it) ends the booking failed, with the reason.
        deliveries.SANDBOX.fail_next[:] = [BookingRefused("no platform available")]
        refused = _settled(svc, h, _shipped_with_delivery(svc, h, "S2", provider="lalamove")["id"])
        assert refused["delivery"]["status"] == "failed" and "no platform" in refused["delivery"]["error"]


def test_a_booking_left_waiting_by_an_outage_is_retried_by_the_loop_then_given_up(  # type: ignore[no-untyped-def]
    service_factory, monkeypatch
) -> None:
    from smartdist_wms.config import get_settings

    settings = get_settings()
    monkeypatch.setattr(settings, "courier_booking_tries", 1)
    monkeypatch.setattr(settings, "courier_retry_s", 0.01)
    monkeypatch.setattr(settings, "courier_booking_max_attempts", 2)
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t)
        ok(svc.client.post("/api/v1/products", json={"sku": "TEA", "name": "tea"}, headers=h), 201)
        ok(svc.client.post("/api/v1/locations", json={"code": "B-1"}, headers=h), 201)
        adjustment = {"sku": "TEA", "location": "B-1", "qty": 10, "reason": "opening"}
        ok(svc.client.post("/api/v1/stock/adjustments", json=adjustment, headers=h), 201)

        def waiting(order_id: int) -> dict[str, Any]:
            deadline = time.monotonic() + 15
            while True:
                seen: dict[str, Any] = ok(svc.client.get(f"/api/v1/outbound-orders/{order_id}", headers=h))
                if seen["delivery"]["error"] or time.monotonic() > deadline:
                    return seen
                time.sleep(0.05)

        deliveries.SANDBOX.fail_next[:] = [BrokerUnavailable("broker restarting")]
        first = _shipped_with_delivery(svc, h, "W1")
        seen = waiting(first["id"])
        assert seen["delivery"]["status"] == "booking" and "restarting" in seen["delivery"]["error"]
        time.sleep(0.05)
        assert deliveries.retry_waiting_bookings(svc.database, svc.runtime) == 1  # the loop's round
        seen = ok(svc.client.get(f"/api/v1/outbound-orders/{first['id']}", headers=h))
        assert seen["delivery"]["status"] == "pending" and seen["delivery"]["error"] is None
        assert len([k for k in deliveries.SANDBOX.booked if k == f"{t}/wms:W1"]) == 1

        # Down for good: after the attempts allowed the booking ends failed with the last error.
        deliveries.SANDBOX.fail_next[:] = [BrokerUnavailable("down")] * 3
        second = _shipped_with_delivery(svc, h, "W2")
        waiting(second["id"])
        for _ in range(3):
            time.sleep(0.05)
            deliveries.retry_waiting_bookings(svc.database, svc.runtime)
        seen = ok(svc.client.get(f"/api/v1/outbound-orders/{second['id']}", headers=h))
        assert seen["delivery"]["status"] == "failed" and seen["delivery"]["error"] == "down"
        deliveries.SANDBOX.fail_next.clear()
