"""The background pump moves sandbox couriers with no one reading the deliveries; courier
positions from webhooks reach the public tracking answer (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.kpi import KpiRecord
from smartdist.testing.platform import ServiceUnderTest
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import Settings as BrokerPlatformSettings
from smartdist_delivery_broker.orders.jobs import CourierPump
from smartdist_delivery_broker.orders.models import DeliveryOrder
from smartdist_delivery_broker.quotes.service import (
    CONTEXT_KEY,
    QuotingContext,
    context_for_runtime,
    use_quoting_context,
)

PICKUP = {"lat": 25.0340, "lng": 121.5645}
DROPOFF = {"lat": 25.0478, "lng": 121.5170}


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def book(svc: ServiceUnderTest, tenant: str, provider: str) -> dict[str, Any]:
    headers = svc.headers(tenant)
    quotes = svc.client.post(
        "/api/v1/quotes", json={"pickup": PICKUP, "dropoff": DROPOFF, "cod_amount": 0}, headers=headers
    ).json()
    body = {
        "quote_set_id": quotes["quote_set_id"],
        "provider": provider,
        "pickup_contact": {"name": "Store", "phone": "+886223456789"},
        "dropoff_contact": {"name": "Customer", "phone": "+886912345678"},
    }
    response = svc.client.post("/api/v1/deliveries", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def stored_status(svc: ServiceUnderTest, tenant: str, delivery_id: str) -> str:
    with svc.database.tenant_transaction(tenant) as session:
        order = session.get(DeliveryOrder, delivery_id)
        assert order is not None
        return order.status


def test_pump_delivers_sandbox_webhooks_on_its_own(service_factory, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # The running service's own settings: the pump is one of its background tasks.
    for name, value in (("SANDBOX_QUOTE_LATENCY_S", "0"), ("SANDBOX_STEP_S", "0.1"), ("SANDBOX_PUMP_S", "0.1"),
                        ("SANDBOX_DUPLICATE_PROBABILITY", "0.5")):  # fmt: skip
        monkeypatch.setenv(f"SMARTDIST_DELIVERY_BROKER_{name}", value)
    with service_factory(DEFINITION, background=True) as svc:
        pump_threads = [t for t in threading.enumerate() if t.name == "delivery-broker-run_courier_pump"]
        assert len(pump_threads) == 1 and pump_threads[0].is_alive()
        tenant = svc.new_tenant()
        deliveries = [book(svc, tenant, provider) for provider in ("pandago", "uber_direct", "lalamove")]
        # Nobody reads the deliveries (GET would advance the couriers itself): only the pump moves them.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if all(stored_status(svc, tenant, d["id"]) == "delivered" for d in deliveries):
                break
            time.sleep(0.1)
        assert [stored_status(svc, tenant, d["id"]) for d in deliveries] == ["delivered"] * 3
        context = context_for_runtime(svc.runtime)
        assert context.pump is not None and context.pump.passes > 0
        with svc.database.tenant_transaction(tenant) as session:
            records = session.scalars(select(KpiRecord).where(KpiRecord.doc_no == deliveries[0]["no"])).all()
            statuses = [r.status for r in records]
        # Reordered webhooks may backfill a skipped milestone (no record for it); none twice.
        assert statuses[0] == "pending" and statuses[-1] == "delivered"
        assert len(statuses) == len(set(statuses)) and set(statuses) <= {
            "pending",
            "assigned",
            "picked_up",
            "delivered",
        }
    # Stopping the service stops its pump.
    pump_threads[0].join(timeout=5)
    assert not pump_threads[0].is_alive()


def test_the_pump_is_off_when_its_interval_is_zero(service_factory, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SMARTDIST_DELIVERY_BROKER_SANDBOX_PUMP_S", "0")
    with service_factory(DEFINITION, background=True) as svc:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(
            t.name == "delivery-broker-run_courier_pump" for t in threading.enumerate()
        ):
            time.sleep(0.05)
        assert not any(t.name == "delivery-broker-run_courier_pump" for t in threading.enumerate())
        assert context_for_runtime(svc.runtime).pump is None


def test_requests_and_the_pump_share_the_runtime_context(svc: ServiceUnderTest) -> None:
    assert CONTEXT_KEY not in svc.runtime.database.info
    context = context_for_runtime(svc.runtime)
    assert context_for_runtime(svc.runtime) is context
    other = use_quoting_context(svc.runtime, QuotingContext())
    assert context_for_runtime(svc.runtime) is other
    assert CourierPump(svc.runtime).context is other


def test_tracking_answer_carries_the_newest_courier_position_and_drops_it_when_delivered(
    svc: ServiceUnderTest,
) -> None:
    registry = PlatformRegistry(BrokerPlatformSettings(sandbox_quote_latency_s=0, sandbox_pump_s=0))
    svc.client.app.state.delivery_quoting = QuotingContext(registry)  # type: ignore[attr-defined]
    tenant = svc.new_tenant()
    delivery = book(svc, tenant, "uber_direct")
    uber = registry.by_provider("uber_direct")
    order = uber.orders[delivery["platform_ref"]]  # type: ignore[union-attr]
    hooks = [uber.render_webhook(order, step) for step in order.script]  # type: ignore[union-attr]
    order.emitted = len(order.script)  # delivered by hand below

    tracked = svc.client.get(f"/api/v1/track/{delivery['id']}").json()
    assert tracked["courier"] is None  # no courier yet
    assert tracked["pickup"] == PICKUP and tracked["dropoff"] == DROPOFF
    for headers, body in (hooks[4], hooks[1]):  # "dropoff" (on the way), then an older "pickup"
        assert svc.client.post("/api/v1/webhooks/uber_direct", content=body, headers=headers).status_code == 200
    tracked = svc.client.get(f"/api/v1/track/{delivery['id']}").json()
    courier = tracked["courier"]
    assert courier is not None and tracked["status"] == "picked_up"
    # The newer report wins: a third of the way from pickup to drop-off, not near the pickup.
    assert courier["lat"] == pytest.approx(PICKUP["lat"] + (DROPOFF["lat"] - PICKUP["lat"]) / 3, abs=1e-5)
    assert courier["lng"] == pytest.approx(PICKUP["lng"] + (DROPOFF["lng"] - PICKUP["lng"]) / 3, abs=1e-5)
    assert "name" not in str(tracked) and "+886" not in str(tracked)
    headers, body = hooks[-1]
    svc.client.post("/api/v1/webhooks/uber_direct", content=body, headers=headers)
    tracked = svc.client.get(f"/api/v1/track/{delivery['id']}").json()
    assert tracked["status"] == "delivered" and tracked["courier"] is None
