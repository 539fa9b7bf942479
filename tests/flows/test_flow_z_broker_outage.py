"""SPEC §5 flow 3 through a broker outage, across processes: the delivery broker is stopped, a
home-delivery order ships (the booking job's tries find nobody and leave the order waiting, with
the reason), the broker comes back and the WMS's retry loop books exactly one courier with the
same Idempotency-Key. Last of the flow modules: it restarts a process the others use."""

from __future__ import annotations

from typing import Any

import pytest

from smartdist.db import new_id

from .conftest import Stack, eventually, ok

pytestmark = pytest.mark.slow
HOME = {"lat": 25.0330, "lng": 121.5654, "address": "台北市信義區信義路五段7號"}


def test_a_shipment_during_a_broker_outage_gets_one_courier_once_it_is_back(stack: Stack) -> None:
    tenant = new_id()
    wms = stack.api("wms")
    h = stack.headers(tenant)
    ok(wms.post("/products", json={"sku": "RICE-1", "name": "米 1kg"}, headers=h), 201)
    ok(wms.post("/locations", json={"code": "C-01"}, headers=h), 201)
    adjustment = {"sku": "RICE-1", "location": "C-01", "qty": 5, "reason": "opening"}
    ok(wms.post("/stock/adjustments", json=adjustment, headers=h), 201)
    body = {"ref": "SHOP-2002", "lines": [{"sku": "RICE-1", "qty": 1}], "delivery": {"dropoff": HOME}}
    oid = ok(wms.post("/outbound-orders", json=body, headers=h), 201)["id"]
    ok(wms.post(f"/outbound-orders/{oid}/allocate", headers=h))
    ok(wms.post(f"/outbound-orders/{oid}/picks", json={"location": "C-01", "sku": "RICE-1", "qty": 1}, headers=h), 201)

    def view() -> dict[str, Any]:
        return dict(ok(wms.get(f"/outbound-orders/{oid}", headers=h)))

    stack.stop("delivery-broker")
    try:
        assert ok(wms.post(f"/outbound-orders/{oid}/ship", headers=h))["status"] == "shipped"
        waiting = eventually(lambda: (v := view())["delivery"]["error"] and v, "the failed tries", 60)
        assert waiting["delivery"]["status"] == "booking" and "unreachable" in waiting["delivery"]["error"]
    finally:
        stack.restart("delivery-broker")
    booked = eventually(lambda: (v := view())["delivery"]["provider"] and v, "the courier booked after the outage")
    assert booked["delivery"]["error"] is None
    broker = stack.api("delivery-broker")
    at_broker = [d for d in ok(broker.get("/deliveries", headers=h))["items"] if d["reference"] == "SHOP-2002"]
    assert [d["id"] for d in at_broker] == [booked["delivery"]["delivery_id"]]
