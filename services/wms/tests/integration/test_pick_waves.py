"""Pick waves over HTTP: release orders together, one batch walk with its tote split, picks by
scan put to the right orders, and nobody else's wave."""

from __future__ import annotations

from typing import Any

from smartdist_wms.app import DEFINITION


def test_a_batch_wave_is_picked_in_one_walk_into_totes(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        for sku, loc, zone, seq in (("TEA", "A-01", "A", 1), ("CUP", "B-01", "B", 2), ("PEN", "A-02", "A", 3)):
            c.product(sku, barcode=f"471{sku}")
            c.location(loc, zone=zone, sequence=seq)
            c.adjust(sku, loc, 20)
        o1 = c.outbound([("TEA", 2), ("CUP", 1)], ref="SO-1")["id"]
        o2 = c.outbound([("TEA", 3), ("PEN", 1)], ref="SO-2")["id"]
        o3 = c.outbound([("CUP", 2)], ref="SO-3")["id"]
        for oid in (o1, o2):
            c.post(f"/outbound-orders/{oid}/allocate", expect=200)
        wave = c.post("/pick-waves", {"orders": [o1, o2, o3], "strategy": "batch"}, expect=201, key="w1").json()
        assert [(o["order_id"], o["tote"]) for o in wave["orders"]] == [(o1, 1), (o2, 2), (o3, 3)]
        assert wave["orders"][2]["status"] == "allocated"  # released orders are allocated with the wave
        wid = wave["id"]
        # an order already in an open wave cannot be released again; an unknown one is named
        r = c.post("/pick-waves", {"orders": [o3]}, expect=409).json()
        assert r["code"] == "wms.wave.order_in_wave" and r["errors"][0]["loc"] == ["body", "orders", 0]
        assert "已在揀貨波次 WAVE-" in r["detail"]  # zh-TW unless the caller asks for another language
        r = c.post("/pick-waves", {"orders": [o3, 999999]}, expect=422).json()
        assert r["errors"][0]["loc"] == ["body", "orders", 1]

        (walk,) = c.get(f"/pick-waves/{wid}/pick-list")["lists"]
        assert [(t["location"], t["sku"], t["qty"]) for t in walk["tasks"]] == [
            ("A-01", "TEA", 5),
            ("B-01", "CUP", 3),
            ("A-02", "PEN", 1),
        ]
        assert [(p["tote"], p["qty"]) for p in walk["tasks"][0]["puts"]] == [(1, 2), (2, 3)]

        def pick(body: dict[str, Any], expect: int = 201) -> Any:
            return c.post(f"/pick-waves/{wid}/picks", body, expect=expect).json()

        done = pick({"location": "A-01", "sku": "471TEA", "qty": 4})
        assert [(p["tote"], p["order_id"], p["qty"]) for p in done["puts"]] == [(1, o1, 2), (2, o2, 2)]
        assert done["sku"] == "TEA" and done["status"] == "released"
        assert pick({"location": "A-01", "sku": "TEA", "qty": 2}, expect=409)["status"] == 409  # 1 left
        assert pick({"location": "B-01", "sku": "TEA", "qty": 1}, expect=422)["code"] == "wms.wave.nothing_here"
        assert pick({"location": "A-01", "sku": "TEA", "qty": 1, "order_id": o3}, expect=422)["status"] == 422
        pick({"location": "A-01", "sku": "TEA", "qty": 1, "order_id": o2})
        assert [p["tote"] for p in pick({"location": "B-01", "sku": "CUP", "qty": 3})["puts"]] == [1, 3]
        assert pick({"location": "A-02", "sku": "PEN", "qty": 1})["status"] == "completed"
        assert {o["status"] for o in c.get(f"/pick-waves/{wid}")["orders"]} == {"picked"}
        assert c.get("/pick-waves", status="completed")["items"][0]["id"] == wid
        assert pick({"location": "A-02", "sku": "PEN", "qty": 1}, expect=409)["code"] == "wms.wave.not_open"
        assert c.get("/stock/ledger-check")["ok"] is True

        other = clerk_for(svc)
        other.get(f"/pick-waves/{wid}", expect=404)
        other.post(f"/pick-waves/{wid}/picks", {"location": "A-01", "sku": "TEA", "qty": 1}, expect=404)
        assert other.get("/pick-waves")["items"] == []
        other.post("/pick-waves", {"orders": [o1]}, expect=422)  # not its order
