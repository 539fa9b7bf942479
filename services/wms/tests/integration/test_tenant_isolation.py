"""Tenant B can neither read nor change tenant A's products, locations, stock or documents."""

from __future__ import annotations

from smartdist_wms.app import DEFINITION


def test_tenant_b_cannot_see_or_touch_tenant_a(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        a, b = clerk_for(svc), clerk_for(svc)
        a.product("SECRET", tracking="lot")
        a.location("A-1")
        a.adjust("SECRET", "A-1", 5, lot="L1")
        inbound = a.inbound([{"sku": "SECRET", "qty": 3, "lot": "L2"}])
        outbound = a.outbound([("SECRET", 2)])
        a.post(f"/outbound-orders/{outbound['id']}/allocate", expect=200)
        a.post("/suppliers", {"code": "S1", "name": "Supplier"}, expect=201)

        # reads: nothing of A's is visible to B
        assert b.get("/products")["items"] == [] and b.get("/locations")["items"] == []
        assert b.stock() == [] and b.get("/stock/movements")["items"] == []
        assert b.get("/inbound-orders")["items"] == [] and b.get("/outbound-orders")["items"] == []
        assert b.get("/suppliers")["items"] == []
        b.get("/products/SECRET", expect=404)
        b.get("/locations/A-1", expect=404)
        b.get(f"/inbound-orders/{inbound['id']}", expect=404)
        b.get(f"/outbound-orders/{outbound['id']}", expect=404)
        b.get(f"/outbound-orders/{outbound['id']}/pick-list", expect=404)
        b.get(f"/inbound-orders/{inbound['id']}/putaway-suggestions", expect=404)
        # A's SKU and location are unknown to B: 422, not a peek at A's stock
        b.get("/stock", expect=422, sku="SECRET")

        # writes: B cannot change A's documents or stock
        body = {"sku": "SECRET", "location": "A-1", "qty": -5, "reason": "steal", "lot": "L1"}
        assert b.post("/stock/adjustments", body).status_code == 422
        assert b.post(f"/outbound-orders/{outbound['id']}/allocate").status_code == 404
        pick = {"location": "A-1", "sku": "SECRET", "qty": 1}
        assert b.post(f"/outbound-orders/{outbound['id']}/picks", pick).status_code == 404
        assert (
            b.post(f"/outbound-orders/{outbound['id']}/ship", {"carrier": "x", "tracking_no": "y"}).status_code == 404
        )
        assert b.post(f"/outbound-orders/{outbound['id']}/cancel").status_code == 404
        receipt = {"lines": [{"sku": "SECRET", "qty": 3, "lot": "L2"}]}
        assert b.post(f"/inbound-orders/{inbound['id']}/receipts", receipt).status_code == 404
        putaway = {"lines": [{"sku": "SECRET", "qty": 1, "location": "A-1"}]}
        assert b.post(f"/inbound-orders/{inbound['id']}/putaways", putaway).status_code == 404
        assert (
            svc.client.patch("/api/v1/locations/A-1", json={"status": "blocked"}, headers=b.headers).status_code == 422
        )

        # B may use the same codes for its own things
        b.product("SECRET")
        b.location("A-1")
        b.adjust("SECRET", "A-1", 1)
        assert b.on_hand("SECRET") == 1

        # A is untouched
        assert a.stock(sku="SECRET") == [
            {
                "sku": "SECRET",
                "location": "A-1",
                "lot": "L1",
                "expiry": None,
                "on_hand": 5,
                "allocated": 2,
                "available": 3,
            }
        ]
        assert a.get(f"/outbound-orders/{outbound['id']}")["status"] == "allocated"
        assert a.get(f"/inbound-orders/{inbound['id']}")["status"] == "created"
        assert a.get("/locations/A-1")["status"] == "active"
        assert a.get("/stock/ledger-check")["ok"] and b.get("/stock/ledger-check")["ok"]
