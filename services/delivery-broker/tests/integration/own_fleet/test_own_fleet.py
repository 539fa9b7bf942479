"""The own fleet as a fourth option, on SQLite and PostgreSQL: terms, quotes, booking handed to
dispatch through the outbox, dispatch's events applied once; quote sets in the database;
cancellation asked of dispatch (202, then cancelled or refused); the van's position from
dispatch's `route.position` on the tracking answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent
from smartdist.kpi import KpiRecord
from smartdist.testing.platform import ServiceUnderTest
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import Settings as BrokerPlatformSettings
from smartdist_delivery_broker.orders.models import DeliveryOrder
from smartdist_delivery_broker.own_fleet import consumer
from smartdist_delivery_broker.own_fleet.service import CANCEL_REQUESTED
from smartdist_delivery_broker.quotes.models import QuoteSetRow
from smartdist_delivery_broker.quotes.service import QuotingContext

STORE = {"lat": 25.0418, "lng": 121.5436, "address": "Store"}
CUSTOMER = {"lat": 25.0478, "lng": 121.5170, "address": "Main Station"}  # 2.75 km away
CONTACTS = {
    "pickup_contact": {"name": "Store", "phone": "+886227001234"},
    "dropoff_contact": {"name": "Lin", "phone": "+886912345678", "notes": "2F"},
}
ALL_DAY = {"service_start": "00:00", "service_end": "00:00"}


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        registry = PlatformRegistry(BrokerPlatformSettings(sandbox_quote_latency_s=0, quote_deadline_s=1.0))
        started.client.app.state.delivery_quoting = QuotingContext(registry)
        yield started


def enable(svc: ServiceUnderTest, tenant: str, **terms: Any) -> dict[str, Any]:
    body = {"enabled": True, "fee_twd": 60, "max_distance_m": 5000, "cod_allowed": True, **ALL_DAY, **terms}
    response = svc.client.put("/api/v1/own-fleet", json=body, headers=svc.headers(tenant))
    assert response.status_code == 200, response.text
    return dict(response.json())


def quote(svc: ServiceUnderTest, tenant: str, cod: int = 0, **extra: Any) -> dict[str, Any]:
    body = {"pickup": STORE, "dropoff": CUSTOMER, "cod_amount": cod, **extra}
    response = svc.client.post("/api/v1/quotes", json=body, headers=svc.headers(tenant, ("clerk",)))
    assert response.status_code == 200, response.text
    return dict(response.json())


def book(svc: ServiceUnderTest, tenant: str, quote_set_id: str, provider: str, **extra: Any) -> Any:
    body = {"quote_set_id": quote_set_id, "provider": provider, **CONTACTS, **extra}
    return svc.client.post("/api/v1/deliveries", json=body, headers=svc.headers(tenant, ("clerk",)))


def outbox(svc: ServiceUnderTest, tenant: str, type_: str) -> list[dict[str, Any]]:
    with svc.database.tenant_transaction(tenant) as session:
        rows = session.scalars(
            select(OutboxEvent).where(OutboxEvent.tenant_id == tenant, OutboxEvent.type == type_)
        ).all()
        return [CloudEvent.from_json(r.payload).data for r in rows]


def kpi_statuses(svc: ServiceUnderTest, tenant: str, doc_no: str) -> list[str]:
    with svc.database.tenant_transaction(tenant) as session:
        return [r.status for r in session.scalars(select(KpiRecord).where(KpiRecord.doc_no == doc_no))]


def dispatch_event(tenant: str, type_: str, data: dict[str, Any]) -> CloudEvent:
    return CloudEvent.create(type=type_, subject=None, data=data, tenant_id=tenant, source="/smartdist/dispatch")


def consume(svc: ServiceUnderTest, event: CloudEvent) -> None:
    assert event.tenantid is not None
    with svc.database.tenant_transaction(event.tenantid) as session:
        DEFINITION.subscriptions[event.type](session, event)


def detail(svc: ServiceUnderTest, tenant: str, delivery_id: str) -> dict[str, Any]:
    response = svc.client.get(f"/api/v1/deliveries/{delivery_id}", headers=svc.headers(tenant, ("clerk",)))
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_terms_are_validated_owner_only_and_kept_per_tenant(svc: ServiceUnderTest) -> None:
    a, b = svc.new_tenant(), svc.new_tenant()
    assert svc.client.get("/api/v1/own-fleet", headers=svc.headers(a)).json()["enabled"] is False
    bad = svc.client.put(
        "/api/v1/own-fleet",
        json={"enabled": True, "fee_twd": "60", "service_start": "25:00"},
        headers=svc.headers(a),
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} == {("body", "fee_twd"), ("body", "service_start")}
    clerk = svc.client.put(
        "/api/v1/own-fleet", json={"enabled": True, "fee_twd": 60}, headers=svc.headers(a, ("clerk",))
    )
    assert clerk.status_code == 403
    assert svc.client.get("/api/v1/own-fleet", headers=svc.headers(a)).json()["enabled"] is False

    saved = enable(svc, a, fee_twd=75)
    assert saved["fee_twd"] == 75 and saved["enabled"] is True
    assert svc.client.get("/api/v1/own-fleet", headers=svc.headers(a, ("dispatcher",))).json()["fee_twd"] == 75
    # Tenant B neither sees A's terms nor gets A's fleet in its quotes.
    assert svc.client.get("/api/v1/own-fleet", headers=svc.headers(b)).json()["enabled"] is False
    assert "own_fleet" not in [q["provider"] for q in quote(svc, b)["quotes"]]


def test_quotes_offer_the_own_fleet_only_when_enabled_priced_by_its_own_terms(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    assert [q["provider"] for q in quote(svc, tenant)["quotes"]] == ["pandago", "uber_direct", "lalamove"]
    enable(svc, tenant, fee_twd=60)
    answer = quote(svc, tenant)
    own = answer["quotes"][-1]
    assert own["provider"] == "own_fleet" and own["available"] is True
    assert own["fee"] == 60 and own["fee_breakdown"] == {"base": 60, "distance": 0, "cod": 0}
    assert answer["recommended"] == "own_fleet"  # 60 beats the schedule's 95 for 2.75 km

    enable(svc, tenant, max_distance_m=2000, cod_allowed=False)
    own = quote(svc, tenant, cod=500)["quotes"][-1]
    assert own["available"] is False
    assert "超過自有車隊可送距離 2000 公尺" in own["reason"] and "自有車隊不代收貨款" in own["reason"]
    assert [r["code"] for r in own["reasons"]] == ["own_fleet.reach", "own_fleet.no_cod"]

    enable(svc, tenant, service_start="09:00", service_end="18:00")
    night = quote(svc, tenant, scheduled_at="2026-11-27T22:30:00+08:00")["quotes"][-1]
    assert night["available"] is False and "不在自有車隊服務時間 09:00–18:00 內" in night["reason"]
    day = quote(svc, tenant, scheduled_at="2026-11-27T10:00:00+08:00")["quotes"][-1]
    assert day["available"] is True

    enable(svc, tenant, enabled=False)
    assert "own_fleet" not in [q["provider"] for q in quote(svc, tenant)["quotes"]]


def test_booking_the_own_fleet_hands_it_to_dispatch_through_the_outbox_and_spends_no_subsidy(
    svc: ServiceUnderTest,
) -> None:
    tenant = svc.new_tenant()
    enable(svc, tenant)
    quotes = quote(svc, tenant, cod=800, scheduled_at="2026-11-27T10:00:00+08:00")
    response = book(svc, tenant, quotes["quote_set_id"], "own_fleet", goods_value=800, reference="POS-9")
    assert response.status_code == 201, response.text
    delivery = response.json()
    assert delivery["provider"] == "own_fleet" and delivery["status"] == "pending"
    assert delivery["platform_ref"] == "BRK-" + delivery["no"] and delivery["subsidised"] is False
    assert delivery["raw_status"] == "requested" and delivery["fee"] == 60

    [requested] = outbox(svc, tenant, "smartdist.delivery-broker.delivery.requested")
    assert requested["delivery_id"] == delivery["id"] and requested["delivery_no"] == delivery["no"]
    assert requested["provider"] == "own_fleet" and requested["cod_amount"] == 800
    assert requested["dropoff"] == {
        "lat": CUSTOMER["lat"], "lng": CUSTOMER["lng"], "address": "Main Station",
        "contact_name": "Lin", "contact_phone": "+886912345678",
    }  # fmt: skip
    assert requested["pickup"]["contact_name"] == "Store" and requested["notes"] == "2F"
    assert datetime.fromisoformat(requested["scheduled_at"]) == datetime(2026, 11, 27, 2, 0, tzinfo=UTC)

    assert svc.client.get("/api/v1/subsidy", headers=svc.headers(tenant)).json()["spent"] == 0
    assert kpi_statuses(svc, tenant, delivery["no"]) == ["pending"]

    # Disabled after quoting: the stored quote can no longer be booked on the own fleet.
    quotes = quote(svc, tenant)
    enable(svc, tenant, enabled=False)
    refused = book(svc, tenant, quotes["quote_set_id"], "own_fleet")
    assert refused.status_code == 409 and refused.json()["code"] == "broker.own_fleet.not_offered"
    assert refused.json()["detail"] == "自有車隊目前未開放（請在自有車隊設定中啟用）"


def test_dispatch_events_move_the_delivery_through_one_lifecycle_once(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    enable(svc, tenant)
    delivery = book(svc, tenant, quote(svc, tenant)["quote_set_id"], "own_fleet").json()
    order_no = delivery["platform_ref"]
    created = dispatch_event(tenant, consumer.ORDER_CREATED, {"id": 7, "order_no": order_no, "status": "created"})
    eta = "2026-11-27T11:20:00+08:00"
    published = dispatch_event(
        tenant,
        consumer.ROUTE_PUBLISHED,
        {"plan_id": 1, "route_id": 3, "driver_id": 5, "order_nos": ["A-1", order_no],
         "stops": [{"order_no": "A-1", "eta": eta}, {"order_no": order_no, "eta": eta}]},
    )  # fmt: skip
    stop = {"stop_id": 11, "route_id": 3, "plan_id": 1, "order_id": 7, "order_no": order_no, "status": "delivered",
            "reason_code": None, "occurred_at": "2026-11-27T11:18:00+08:00", "cash_collected_twd": 0,
            "driver_id": 5}  # fmt: skip
    delivered = dispatch_event(tenant, consumer.STOP_DELIVERED, stop)
    consume(svc, created)
    assert detail(svc, tenant, delivery["id"])["raw_status"] == "accepted"
    consume(svc, published)
    assigned = detail(svc, tenant, delivery["id"])
    assert assigned["status"] == "assigned" and datetime.fromisoformat(assigned["eta_at"]) == datetime.fromisoformat(
        eta
    )
    # The outcome published twice (a new event id each time), and an old route event again.
    for event in (delivered, dispatch_event(tenant, consumer.STOP_DELIVERED, stop), created, published):
        consume(svc, event)
    final = detail(svc, tenant, delivery["id"])
    assert final["status"] == "delivered" and final["raw_status"] == "stop_delivered"
    assert [h["status"] for h in final["history"]] == ["pending", "assigned", "delivered"]
    completed = outbox(svc, tenant, "smartdist.delivery-broker.delivery.completed")
    assert [c["delivery_id"] for c in completed] == [delivery["id"]]
    changes = [c["status"] for c in outbox(svc, tenant, "smartdist.delivery-broker.delivery.status_changed")]
    assert changes == ["assigned", "delivered"]
    assert kpi_statuses(svc, tenant, delivery["no"]) == ["pending", "assigned", "delivered"]

    # A stop that failed, and an order dispatch refused: failed, with the reason kept.
    failing = book(svc, tenant, quote(svc, tenant)["quote_set_id"], "own_fleet").json()
    failed_stop = stop | {"stop_id": 12, "order_no": failing["platform_ref"], "status": "failed"}
    consume(svc, dispatch_event(tenant, consumer.STOP_FAILED, failed_stop | {"reason_code": "nobody_home"}))
    failed = detail(svc, tenant, failing["id"])
    assert failed["status"] == "failed" and failed["raw_status"] == "stop_failed:nobody_home"
    assert failed["events"][-1]["detail"] == "nobody_home"
    refused = book(svc, tenant, quote(svc, tenant)["quote_set_id"], "own_fleet").json()
    rejection = {
        "order_no": refused["platform_ref"],
        "reason": "dropoff.lat: out of range",
        "source_ref": refused["id"],
    }
    consume(svc, dispatch_event(tenant, consumer.ORDER_REJECTED, rejection))
    rejected = detail(svc, tenant, refused["id"])
    assert rejected["status"] == "failed" and rejected["events"][-1]["detail"] == "dropoff.lat: out of range"

    # Another tenant's events cannot reach this tenant's deliveries.
    other = svc.new_tenant()
    consume(svc, dispatch_event(other, consumer.ORDER_REJECTED, rejection | {"reason": "not yours"}))
    assert detail(svc, tenant, refused["id"])["events"][-1]["detail"] == "dropoff.lat: out of range"
    assert svc.client.get(f"/api/v1/deliveries/{refused['id']}", headers=svc.headers(other)).status_code == 404


def test_quote_sets_live_in_the_database_across_restarts_and_expire_with_a_clear_message(
    svc: ServiceUnderTest,
) -> None:
    tenant, other = svc.new_tenant(), svc.new_tenant()
    quotes = quote(svc, tenant)
    # A restart (or another worker): a new context with no memory of the quote.
    registry = PlatformRegistry(BrokerPlatformSettings(sandbox_quote_latency_s=0, quote_deadline_s=1.0))
    svc.client.app.state.delivery_quoting = QuotingContext(registry)  # type: ignore[attr-defined]
    stored = svc.client.get(f"/api/v1/quotes/{quotes['quote_set_id']}", headers=svc.headers(tenant))
    assert stored.status_code == 200 and stored.json()["quotes"] == quotes["quotes"]
    assert svc.client.get(f"/api/v1/quotes/{quotes['quote_set_id']}", headers=svc.headers(other)).status_code == 404
    assert book(svc, other, quotes["quote_set_id"], "pandago").status_code == 404
    booked = book(svc, tenant, quotes["quote_set_id"], "pandago")
    assert booked.status_code == 201, booked.text

    late = quote(svc, tenant)
    with svc.database.tenant_transaction(tenant) as session:
        row = session.get(QuoteSetRow, late["quote_set_id"])
        assert row is not None
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        session.execute(
            update(QuoteSetRow)
            .where(QuoteSetRow.id == row.id)
            .values(quotes=[q | {"expires_at": past} for q in row.quotes])
        )
    expired = book(svc, tenant, late["quote_set_id"], "lalamove")
    assert expired.status_code == 409
    assert expired.json()["code"] == "broker.quote.expired" and "lalamove 的報價已於" in expired.json()["detail"]
    with svc.database.tenant_transaction(tenant) as session:
        assert session.scalar(select(DeliveryOrder).where(DeliveryOrder.quote_set_id == late["quote_set_id"])) is None


# --- cancellation asked of dispatch, and the van's position ------------------------------------


def own_delivery(svc: ServiceUnderTest, tenant: str) -> dict[str, Any]:
    response = book(svc, tenant, quote(svc, tenant)["quote_set_id"], "own_fleet")
    assert response.status_code == 201, response.text
    return dict(response.json())


def cancel(svc: ServiceUnderTest, tenant: str, delivery_id: str, reason: str = "customer changed mind") -> Any:
    return svc.client.post(
        f"/api/v1/deliveries/{delivery_id}/cancel", json={"reason": reason}, headers=svc.headers(tenant, ("clerk",))
    )


def published(tenant: str, order_no: str) -> Any:
    return dispatch_event(
        tenant,
        consumer.ROUTE_PUBLISHED,
        {"plan_id": 1, "route_id": 3, "driver_id": 5, "stops": [{"order_no": order_no, "eta": None}]},
    )


def test_cancel_is_asked_of_dispatch_with_202_once_and_applied_once_when_dispatch_cancels(
    svc: ServiceUnderTest,
) -> None:
    tenant = svc.new_tenant()
    enable(svc, tenant)
    delivery = own_delivery(svc, tenant)
    asked = cancel(svc, tenant, delivery["id"])
    assert asked.status_code == 202, asked.text
    body = asked.json()
    assert body["status"] == "pending"  # nothing is cancelled until dispatch says so
    request = body["cancel_request"]
    assert request["reason"] == "customer changed mind" and request["answered_at"] is None
    assert body["events"][-1]["raw_status"] == "cancel_requested"
    [sent] = outbox(svc, tenant, CANCEL_REQUESTED)
    assert sent == {
        "delivery_id": delivery["id"], "delivery_no": delivery["no"], "order_no": delivery["platform_ref"],
        "reason": "customer changed mind", "requested_at": sent["requested_at"],
    }  # fmt: skip
    # Asked again while the request is open: 202, nothing sent again.
    assert cancel(svc, tenant, delivery["id"]).status_code == 202
    assert len(outbox(svc, tenant, CANCEL_REQUESTED)) == 1

    answer = {"order_id": 9, "order_no": delivery["platform_ref"], "source_ref": delivery["id"],
              "reason": "customer changed mind", "requested_at": sent["requested_at"],
              "cancelled_at": "2026-11-27T10:05:00+08:00", "previous_status": "created", "route_id": None,
              "repeated": False}  # fmt: skip
    for data in (answer, answer | {"repeated": True, "cancelled_at": None}):  # dispatch answered twice
        consume(svc, dispatch_event(tenant, consumer.ORDER_CANCELLED, data))
    final = detail(svc, tenant, delivery["id"])
    assert final["status"] == "cancelled" and final["raw_status"] == "order_cancelled"
    assert final["cancel_request"]["answered_at"] is not None and final["cancel_request"]["refused"] is False
    assert kpi_statuses(svc, tenant, delivery["no"]) == ["pending", "cancelled"]
    changes = outbox(svc, tenant, "smartdist.delivery-broker.delivery.status_changed")
    assert [c["status"] for c in changes] == ["cancelled"]
    # Over: a further cancel is refused at once, and nothing is asked of dispatch.
    late = cancel(svc, tenant, delivery["id"])
    assert late.status_code == 409 and "cancelled" in late.json()["detail"]
    assert len(outbox(svc, tenant, CANCEL_REQUESTED)) == 1


def test_a_refusal_keeps_the_status_and_shows_the_reason_and_a_new_request_can_follow(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    enable(svc, tenant)
    delivery = own_delivery(svc, tenant)
    consume(svc, published(tenant, delivery["platform_ref"]))
    assert cancel(svc, tenant, delivery["id"]).status_code == 202
    [sent] = outbox(svc, tenant, CANCEL_REQUESTED)
    refusal = {"order_no": delivery["platform_ref"], "source_ref": delivery["id"], "status": "arrived",
               "reason": "司機已抵達此站 / the driver has arrived at the stop",
               "requested_at": sent["requested_at"]}  # fmt: skip
    for _ in range(2):  # the refusal seen twice is kept once
        consume(svc, dispatch_event(tenant, consumer.CANCEL_REFUSED, refusal))
    view = detail(svc, tenant, delivery["id"])
    assert view["status"] == "assigned"
    assert view["cancel_request"]["refused"] is True and "arrived" in view["cancel_request"]["refusal"]
    assert [e["raw_status"] for e in view["events"]].count("cancel_refused") == 1
    board = svc.client.get("/api/v1/deliveries", headers=svc.headers(tenant, ("clerk",))).json()["items"]
    assert board[0]["cancel_request"]["refusal"] == refusal["reason"]
    assert kpi_statuses(svc, tenant, delivery["no"]) == ["pending", "assigned"]
    # The merchant may ask again (a new request, a new event); an old answer does not touch it.
    assert cancel(svc, tenant, delivery["id"]).status_code == 202
    assert len(outbox(svc, tenant, CANCEL_REQUESTED)) == 2
    consume(svc, dispatch_event(tenant, consumer.CANCEL_REFUSED, refusal | {"reason": "old answer"}))
    again = detail(svc, tenant, delivery["id"])["cancel_request"]
    assert again["answered_at"] is None and again["refusal"] is None


def test_another_tenant_cannot_cancel_and_its_answers_do_not_reach_this_tenant(svc: ServiceUnderTest) -> None:
    tenant, other = svc.new_tenant(), svc.new_tenant()
    enable(svc, tenant)
    delivery = own_delivery(svc, tenant)
    assert cancel(svc, other, delivery["id"]).status_code == 404
    assert outbox(svc, other, CANCEL_REQUESTED) == [] and outbox(svc, tenant, CANCEL_REQUESTED) == []
    answer = {"order_no": delivery["platform_ref"], "source_ref": delivery["id"], "reason": "x"}
    consume(svc, dispatch_event(other, consumer.ORDER_CANCELLED, answer))
    position = {"route_id": 3, "driver_id": 5, "lat": 25.05, "lng": 121.53,
                "recorded_at": "2026-11-27T10:00:00+08:00", "order_nos": [delivery["platform_ref"]]}  # fmt: skip
    consume(svc, dispatch_event(other, consumer.ROUTE_POSITION, position))
    view = detail(svc, tenant, delivery["id"])
    assert view["status"] == "pending" and view["courier"] is None


def test_the_vans_latest_position_reaches_the_tracking_answer_and_older_ones_are_ignored(
    svc: ServiceUnderTest,
) -> None:
    tenant = svc.new_tenant()
    enable(svc, tenant)
    delivery, done = own_delivery(svc, tenant), own_delivery(svc, tenant)
    for d in (delivery, done):
        consume(svc, published(tenant, d["platform_ref"]))
    stop = {"stop_id": 12, "route_id": 3, "order_no": done["platform_ref"], "status": "delivered",
            "occurred_at": "2026-11-27T09:59:00+08:00"}  # fmt: skip
    consume(svc, dispatch_event(tenant, consumer.STOP_DELIVERED, stop))
    position = {"route_id": 3, "driver_id": 5, "lat": 25.0450, "lng": 121.5300,
                "recorded_at": "2026-11-27T10:00:00+08:00",
                "order_nos": ["A-1", delivery["platform_ref"], done["platform_ref"]]}  # fmt: skip
    consume(svc, dispatch_event(tenant, consumer.ROUTE_POSITION, position))
    tracked = svc.client.get(f"/api/v1/track/{delivery['id']}").json()
    assert tracked["status"] == "assigned"
    assert tracked["courier"]["lat"] == 25.0450 and tracked["courier"]["lng"] == 121.5300
    assert tracked["courier"]["at"].startswith("2026-11-27T02:00:00")
    older = position | {"lat": 25.0, "lng": 121.0, "recorded_at": "2026-11-27T09:58:00+08:00"}
    newer = position | {"lat": 25.0460, "lng": 121.5250, "recorded_at": "2026-11-27T10:00:30+08:00"}
    for data in (newer, older, position | {"lat": "north"}):  # out of order, and one unreadable
        consume(svc, dispatch_event(tenant, consumer.ROUTE_POSITION, data))
    courier = svc.client.get(f"/api/v1/track/{delivery['id']}").json()["courier"]
    assert (courier["lat"], courier["lng"]) == (25.0460, 121.5250)
    # A delivery already delivered takes no position (its van has moved on).
    assert detail(svc, tenant, done["id"])["courier"] is None
    assert kpi_statuses(svc, tenant, delivery["no"]) == ["pending", "assigned"]  # positions are not statuses


def test_a_rush_insertion_moves_the_eta_once_and_an_older_change_never_moves_it_back(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    enable(svc, tenant)
    delivery = own_delivery(svc, tenant)
    order_no = delivery["platform_ref"]
    t0 = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)

    def etas(as_of: datetime, eta: datetime, type_: str = consumer.OWN_FLEET_ETAS) -> CloudEvent:
        stops = [{"order_no": order_no, "eta": eta.isoformat()}, {"order_no": "R-9", "eta": eta.isoformat()}]
        return dispatch_event(tenant, type_, {"route_id": 3, "revision": 2, "as_of": as_of.isoformat(), "stops": stops})

    consume(svc, dispatch_event(tenant, consumer.ROUTE_PUBLISHED, {"route_id": 3, "driver_id": 5,
            "stops": [{"order_no": order_no, "eta": (t0 + timedelta(hours=1)).isoformat()}]}))  # fmt: skip
    assert detail(svc, tenant, delivery["id"])["eta_at"] is not None
    newer, older = etas(t0 + timedelta(days=1), t0 + timedelta(hours=2)), etas(t0 + timedelta(hours=12), t0)
    for event in (newer, newer, older):  # twice, then an older change arriving late
        consume(svc, event)
        assert datetime.fromisoformat(detail(svc, tenant, delivery["id"])["eta_at"]) == t0 + timedelta(hours=2)
    # route.changed carrying stops is read the same way.
    consume(svc, etas(t0 + timedelta(days=2), t0 + timedelta(hours=3), consumer.ROUTE_CHANGED))
    assert datetime.fromisoformat(detail(svc, tenant, delivery["id"])["eta_at"]) == t0 + timedelta(hours=3)
    # Another tenant's change of a route with the same order number moves nothing here.
    other = svc.new_tenant()
    foreign = dispatch_event(other, consumer.OWN_FLEET_ETAS, {"as_of": (t0 + timedelta(days=3)).isoformat(),
                             "stops": [{"order_no": order_no, "eta": t0.isoformat()}]})  # fmt: skip
    consume(svc, foreign)
    assert datetime.fromisoformat(detail(svc, tenant, delivery["id"])["eta_at"]) == t0 + timedelta(hours=3)


def test_only_a_refused_own_fleet_delivery_is_rebooked_and_only_by_its_tenant(svc: ServiceUnderTest) -> None:
    tenant, other = svc.new_tenant(), svc.new_tenant()
    enable(svc, tenant)
    delivery = own_delivery(svc, tenant)

    def rebook(who: str) -> Any:
        return svc.client.post(f"/api/v1/deliveries/{delivery['id']}/rebook", headers=svc.headers(who, ("clerk",)))

    not_refused = rebook(tenant)
    assert not_refused.status_code == 409 and not_refused.json()["code"] == "broker.rebook.not_refused"
    consume(svc, dispatch_event(tenant, consumer.ORDER_REJECTED, {"order_no": delivery["platform_ref"],
            "source_ref": delivery["id"], "reason": "dropoff.lat is missing"}))  # fmt: skip
    shown = detail(svc, tenant, delivery["id"])
    assert shown["dispatch_refusal"] == {"code": "refusal.invalid", "reason": "dropoff.lat is missing",
                                         "text": "派遣系統無法受理這筆訂單：dropoff.lat is missing"}  # fmt: skip
    assert rebook(other).status_code == 404  # another merchant's delivery is not there for them
    booked = rebook(tenant)
    assert booked.status_code == 201 and booked.json()["provider"] != "own_fleet"
    assert detail(svc, tenant, delivery["id"])["rebooked_as_id"] == booked.json()["id"]
