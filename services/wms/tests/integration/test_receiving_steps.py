"""The warehouse chooses 1-, 2- or 3-step receiving: receive and put away at once; receive then
put away; receive, inspect (QC), then put away what passed."""

from __future__ import annotations

from typing import Any

from smartdist_wms.app import DEFINITION


def test_one_two_and_three_step_receiving(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        clerk = clerk_for(svc, tenant=c.tenant, roles=("clerk",))
        c.product("RICE")
        c.location("A-01")

        def steps(n: int) -> Any:
            r = svc.client.put("/api/v1/warehouse-settings", json={"receiving_steps": n}, headers=c.headers)
            assert r.status_code == 200, r.text
            return r.json()

        assert c.get("/warehouse-settings")["receiving_steps"] == 2  # until the owner chooses
        r = svc.client.put("/api/v1/warehouse-settings", json={"receiving_steps": 1}, headers=clerk.headers)
        assert r.status_code == 403
        assert (
            svc.client.put("/api/v1/warehouse-settings", json={"receiving_steps": 4}, headers=c.headers).status_code
            == 422
        )

        # 1 step: the receipt names the location and the goods are on hand at once
        assert steps(1)["receiving_steps"] == 1
        one = c.inbound([{"sku": "RICE", "qty": 10}], ref="PO-1")["id"]
        r = c.post(f"/inbound-orders/{one}/receipts", {"lines": [{"sku": "RICE", "qty": 10}]}, expect=422).json()
        assert r["code"] == "wms.receiving.location_needed" and r["errors"][0]["loc"] == [
            "body",
            "lines",
            0,
            "location",
        ]
        body = {"lines": [{"sku": "RICE", "qty": 10, "damaged": 1, "location": "A-01"}]}
        done = c.post(f"/inbound-orders/{one}/receipts", body, expect=201).json()
        assert done["status"] == "completed" and done["lines"][0]["put_away"] == 9
        assert c.on_hand("RICE", "A-01") == 9

        # 2 steps: no location on receipts
        steps(2)
        two = c.inbound([{"sku": "RICE", "qty": 4}], ref="PO-2")["id"]
        r = c.post(f"/inbound-orders/{two}/receipts", body, expect=422).json()
        assert r["code"] == "wms.receiving.location_later"
        c.post(f"/inbound-orders/{two}/receipts", {"lines": [{"sku": "RICE", "qty": 4}]}, expect=201)
        accept_one = {"lines": [{"sku": "RICE", "accepted": 1}]}
        assert c.post(f"/inbound-orders/{two}/inspections", accept_one).status_code == 409
        four = {"lines": [{"sku": "RICE", "qty": 4, "location": "A-01"}]}
        c.post(f"/inbound-orders/{two}/putaways", four, expect=201)
        assert c.on_hand("RICE", "A-01") == 13

        # 3 steps: inspection releases what may be put away; rejected units are kept apart
        steps(3)
        three = c.inbound([{"sku": "RICE", "qty": 6}], ref="PO-3")["id"]
        c.post(f"/inbound-orders/{three}/receipts", {"lines": [{"sku": "RICE", "qty": 6}]}, expect=201)
        put = {"lines": [{"sku": "RICE", "qty": 1, "location": "A-01"}]}
        assert (
            c.post(f"/inbound-orders/{three}/putaways", put, expect=409).json()["code"] == "wms.receiving.not_inspected"
        )
        judged = {"lines": [{"sku": "RICE", "accepted": 4, "rejected": 2}]}
        assert (
            c.post(f"/inbound-orders/{three}/inspections", {"lines": [{"sku": "RICE", "accepted": 7}]}).status_code
            == 409
        )
        order = c.post(f"/inbound-orders/{three}/inspections", judged, expect=201).json()
        (lot,) = order["lines"][0]["lots"]
        assert (lot["sound"], lot["damaged"], lot["inspected"]) == (4, 2, 4)
        big = {"lines": [{"sku": "RICE", "qty": 5, "location": "A-01"}]}
        assert c.post(f"/inbound-orders/{three}/putaways", big).status_code == 409
        done = c.post(f"/inbound-orders/{three}/putaways", four)
        assert done.status_code == 201 and done.json()["status"] == "completed"
        assert c.on_hand("RICE", "A-01") == 17
        assert c.get("/stock/ledger-check")["ok"] is True

        # settings are the tenant's own
        other = clerk_for(svc)
        assert other.get("/warehouse-settings")["receiving_steps"] == 2
