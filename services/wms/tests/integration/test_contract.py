"""The SPEC §4.C contract end to end over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from smartdist_wms.app import DEFINITION


def test_products_and_locations_are_created_once_per_code(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        p = c.post("/products", {"sku": "A1", "name": "Apple juice", "barcode": "4710001", "tracking": "expiry"})
        assert p.status_code == 201
        body = p.json()
        assert body["sku"] == "A1" and body["tracking"] == "expiry" and body["near_expiry_days"] == 3
        assert body["allocation"] == "fefo" and body["unit"] == "pcs"
        assert c.post("/products", {"sku": "A1", "name": "again"}).status_code == 409
        loc = c.post("/locations", {"code": "A-01-01", "zone": "A", "kind": "bin"})
        assert loc.status_code == 201 and loc.json()["status"] == "active"
        assert c.post("/locations", {"code": "A-01-01"}).status_code == 409
        assert c.post("/products", {"sku": "B", "name": "x", "tracking": "serial"}).status_code == 422
        assert c.get("/products/A1")["name"] == "Apple juice"
        assert [x["code"] for x in c.get("/locations")["items"]] == ["A-01-01"]


def test_adjustments_change_stock_and_never_go_below_allocated_or_zero(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("TEA")
        c.location("A1")
        out = c.adjust("TEA", "A1", 10, reason="found")
        assert out["on_hand"] == 10 and out["available"] == 10 and out["lot"] is None and out["expiry"] is None
        c.adjust("TEA", "A1", -3)
        assert c.stock(sku="TEA", location="A1") == [
            {"sku": "TEA", "location": "A1", "lot": None, "expiry": None, "on_hand": 7, "allocated": 0, "available": 7}
        ]
        # below zero: 409 and nothing changed
        r = c.post("/stock/adjustments", {"sku": "TEA", "location": "A1", "qty": -8, "reason": "lost"})
        assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
        assert c.on_hand("TEA") == 7
        # below allocated: 409 and nothing changed
        order = c.outbound([("TEA", 5)])
        c.post(f"/outbound-orders/{order['id']}/allocate", expect=200)
        r = c.post("/stock/adjustments", {"sku": "TEA", "location": "A1", "qty": -3, "reason": "lost"})
        assert r.status_code == 409
        assert c.stock(sku="TEA")[0] | {} == {
            "sku": "TEA",
            "location": "A1",
            "lot": None,
            "expiry": None,
            "on_hand": 7,
            "allocated": 5,
            "available": 2,
        }
        c.adjust("TEA", "A1", -2)
        assert c.stock(sku="TEA")[0]["available"] == 0
        # unknown sku / location: 422 naming it
        r = c.post("/stock/adjustments", {"sku": "NOPE", "location": "A1", "qty": 1, "reason": "x"})
        assert r.status_code == 422 and "NOPE" in r.json()["detail"]
        r = c.post("/stock/adjustments", {"sku": "TEA", "location": "Z9", "qty": 1, "reason": "x"})
        assert r.status_code == 422 and "Z9" in r.json()["detail"]
        assert c.get("/stock", expect=422, sku="NOPE")["errors"][0]["loc"] == ["query", "sku"]
        # quantities are bounded integers
        for qty in (0, 10**7, 1.5, "3"):
            r = c.post("/stock/adjustments", {"sku": "TEA", "location": "A1", "qty": qty, "reason": "x"})
            assert r.status_code == 422, qty
        check = c.get("/stock/ledger-check")
        assert check["ok"] is True and check["movements"] == 4


def test_tracked_products_need_lot_or_expiry(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("MILK", tracking="expiry")
        c.product("VAC", tracking="lot")
        c.location("C1")
        r = c.post("/stock/adjustments", {"sku": "MILK", "location": "C1", "qty": 2, "reason": "x"})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "expiry"]
        r = c.post("/stock/adjustments", {"sku": "VAC", "location": "C1", "qty": 2, "reason": "x"})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "lot"]
        c.adjust("MILK", "C1", 2, expiry="2031-01-05")
        c.adjust("VAC", "C1", 2, lot="L7", expiry="2031-02-01")
        # a known lot keeps its expiry
        c.adjust("VAC", "C1", 1, lot="L7")
        assert {(i["sku"], i["lot"], i["expiry"], i["on_hand"]) for i in c.stock()} == {
            ("MILK", None, "2031-01-05", 2),
            ("VAC", "L7", "2031-02-01", 3),
        }


def test_inbound_receipt_with_damage_then_putaway_completes(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("RICE")
        c.product("EGG", tracking="lot")
        c.location("R1")
        c.location("R2")
        order = c.inbound([{"sku": "RICE", "qty": 10}, {"sku": "EGG", "qty": 5, "lot": "E1"}], supplier="FARM")
        assert order["status"] == "created" and [x["sku"] for x in order["lines"]] == ["RICE", "EGG"]
        oid = order["id"]
        r = c.post(f"/inbound-orders/{oid}/receipts", {"lines": [{"sku": "RICE", "qty": 10, "damaged": 2}]}, expect=201)
        assert r.json()["status"] == "receiving"
        c.post(
            f"/inbound-orders/{oid}/receipts", {"lines": [{"sku": "EGG", "qty": 5, "expiry": "2031-03-01"}]}, expect=201
        )
        # received goods are not on hand before putaway
        assert c.stock() == []
        # more than received and sound: 409
        r = c.post(f"/inbound-orders/{oid}/putaways", {"lines": [{"sku": "RICE", "qty": 9, "location": "R1"}]})
        assert r.status_code == 409
        r = c.post(
            f"/inbound-orders/{oid}/putaways", {"lines": [{"sku": "RICE", "qty": 5, "location": "R1"}]}, expect=201
        )
        assert r.json()["status"] == "putaway"
        body = {"lines": [{"sku": "RICE", "qty": 3, "location": "R2"}, {"sku": "EGG", "qty": 5, "location": "R2"}]}
        done = c.post(f"/inbound-orders/{oid}/putaways", body, expect=201).json()
        assert done["status"] == "completed"
        got = c.get(f"/inbound-orders/{oid}")
        assert got["status"] == "completed"
        assert [(x["sku"], x["received"], x["damaged"], x["put_away"]) for x in got["lines"]] == [
            ("RICE", 10, 2, 8),
            ("EGG", 5, 0, 5),
        ]
        assert c.on_hand("RICE", "R1") == 5 and c.on_hand("RICE", "R2") == 3
        assert c.stock(sku="EGG") == [
            {
                "sku": "EGG",
                "location": "R2",
                "lot": "E1",
                "expiry": "2031-03-01",
                "on_hand": 5,
                "allocated": 0,
                "available": 5,
            }
        ]
        assert [o["id"] for o in c.get("/inbound-orders", status="completed")["items"]] == [oid]
        assert c.get("/inbound-orders", status="receiving")["items"] == []
        # unknown sku / location on documents: 422 naming it
        r = c.post("/inbound-orders", {"ref": "X", "lines": [{"sku": "GHOST", "qty": 1}]})
        assert r.status_code == 422 and "GHOST" in r.json()["detail"]
        assert r.json()["errors"][0]["loc"] == ["body", "lines", 0, "sku"]
        other = c.inbound([{"sku": "RICE", "qty": 1}], ref="PO-2")
        c.post(f"/inbound-orders/{other['id']}/receipts", {"lines": [{"sku": "RICE", "qty": 1}]}, expect=201)
        r = c.post(
            f"/inbound-orders/{other['id']}/putaways", {"lines": [{"sku": "RICE", "qty": 1, "location": "NOWHERE"}]}
        )
        assert r.status_code == 422 and "NOWHERE" in r.json()["detail"]
        # receiving more than announced is refused by default
        r = c.post(f"/inbound-orders/{other['id']}/receipts", {"lines": [{"sku": "RICE", "qty": 1}]})
        assert r.status_code == 409


def test_allocation_is_fefo_then_fifo_and_all_or_nothing(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("YOG", tracking="expiry")
        c.product("SALT")
        for code in ("L1", "L2", "L3", "L4"):
            c.location(code)
        c.adjust("YOG", "L1", 4, expiry="2031-05-10")
        c.adjust("YOG", "L2", 4, expiry="2031-05-01")
        c.adjust("YOG", "L3", 4, expiry="2031-06-01")
        c.adjust("SALT", "L4", 3)
        c.adjust("SALT", "L1", 3)  # newer receipt: FIFO takes L4 first
        order = c.outbound([("YOG", 6), ("SALT", 4)])
        assert order["status"] == "created"
        r = c.post(f"/outbound-orders/{order['id']}/allocate", expect=200).json()
        assert r["status"] == "allocated"
        got = [(a["sku"], a["location"], a["expiry"], a["qty"]) for a in r["allocations"]]
        assert got == [
            ("YOG", "L2", "2031-05-01", 4),
            ("YOG", "L1", "2031-05-10", 2),
            ("SALT", "L4", None, 3),
            ("SALT", "L1", None, 1),
        ]
        # a second order that one line cannot cover: 409, nothing allocated
        big = c.outbound([("SALT", 1), ("YOG", 7)], ref="SO-2")
        r = c.post(f"/outbound-orders/{big['id']}/allocate")
        assert r.status_code == 409 and "YOG" in r.json()["detail"]
        assert c.get(f"/outbound-orders/{big['id']}")["status"] == "created"
        assert sum(i["allocated"] for i in c.stock(sku="SALT")) == 4
        assert sum(i["allocated"] for i in c.stock(sku="YOG")) == 6


def test_undated_stock_goes_after_dated(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("JAM", tracking="lot")
        c.location("U1")
        c.location("D1")
        c.adjust("JAM", "U1", 2, lot="NODATE")
        c.adjust("JAM", "D1", 2, lot="DATED", expiry="2032-01-01")
        order = c.outbound([("JAM", 3)])
        r = c.post(f"/outbound-orders/{order['id']}/allocate", expect=200).json()
        assert [(a["lot"], a["qty"]) for a in r["allocations"]] == [("DATED", 2), ("NODATE", 1)]


def test_picks_then_ship_reduce_on_hand(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("SOAP", barcode="4711111")
        c.location("P1", sequence=20)
        c.location("P2", sequence=10)
        c.adjust("SOAP", "P1", 2)
        c.adjust("SOAP", "P2", 5)
        order = c.outbound([("SOAP", 6)])
        oid = order["id"]
        # ship before allocation / before picks: 409
        ship = {"carrier": "黑貓宅急便", "tracking_no": "T123"}
        assert c.post(f"/outbound-orders/{oid}/ship", ship).status_code == 409
        c.post(f"/outbound-orders/{oid}/allocate", expect=200)
        tasks = c.get(f"/outbound-orders/{oid}/pick-list")["tasks"]
        # FIFO took P1's older units first; the list walks P2 (sequence 10) before P1 (20)
        assert [(t["location"], t["qty"]) for t in tasks] == [("P2", 4), ("P1", 2)]
        # more than allocated there: 409
        r = c.post(f"/outbound-orders/{oid}/picks", {"location": "P1", "sku": "SOAP", "qty": 3})
        assert r.status_code == 409
        r = c.post(f"/outbound-orders/{oid}/picks", {"location": "P2", "sku": "4711111", "qty": 4}, expect=201)
        assert r.json()["status"] == "picking" and r.json()["line_picked"] == 4
        assert c.post(f"/outbound-orders/{oid}/ship", ship).status_code == 409  # not fully picked
        r = c.post(f"/outbound-orders/{oid}/picks", {"location": "P1", "sku": "SOAP", "qty": 2}, expect=201)
        assert r.json()["status"] == "picked"
        # nothing allocated at an unknown location / wrong bin
        assert c.post(f"/outbound-orders/{oid}/picks", {"location": "ZZ", "sku": "SOAP", "qty": 1}).status_code == 422
        shipped = c.post(f"/outbound-orders/{oid}/ship", ship, expect=200).json()
        assert (
            shipped["status"] == "shipped" and shipped["carrier"] == "黑貓宅急便" and shipped["tracking_no"] == "T123"
        )
        assert c.on_hand("SOAP", "P2") == 1 and c.on_hand("SOAP", "P1") == 0
        assert all(i["allocated"] == 0 for i in c.stock(sku="SOAP"))
        got = c.get(f"/outbound-orders/{oid}")
        assert got["status"] == "shipped" and got["lines"][0]["picked"] == 6
        assert [o["id"] for o in c.get("/outbound-orders", status="shipped")["items"]] == [oid]
        assert c.post(f"/outbound-orders/{oid}/ship", ship).status_code == 409  # twice
        assert c.get("/stock/ledger-check")["ok"] is True


def test_a_retried_post_with_the_same_key_creates_nothing_new(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        first = c.post("/products", {"sku": "K", "name": "k"}, key="p1", expect=201).json()
        assert c.post("/products", {"sku": "K", "name": "k"}, key="p1", expect=201).json() == first
        c.location("K1")
        body = {"sku": "K", "location": "K1", "qty": 4, "reason": "found"}
        c.post("/stock/adjustments", body, key="a1", expect=201)
        c.post("/stock/adjustments", body, key="a1", expect=201)
        assert c.on_hand("K") == 4
        o1 = c.post("/outbound-orders", {"ref": "S", "lines": [{"sku": "K", "qty": 2}]}, key="o1", expect=201).json()
        o2 = c.post("/outbound-orders", {"ref": "S", "lines": [{"sku": "K", "qty": 2}]}, key="o1", expect=201).json()
        assert o1["id"] == o2["id"] and len(c.get("/outbound-orders")["items"]) == 1
        c.post(f"/outbound-orders/{o1['id']}/allocate", expect=200)
        pick = {"location": "K1", "sku": "K", "qty": 1}
        c.post(f"/outbound-orders/{o1['id']}/picks", pick, key="scan-1", expect=201)
        c.post(f"/outbound-orders/{o1['id']}/picks", pick, key="scan-1", expect=201)  # the PDA replays it
        assert c.get(f"/outbound-orders/{o1['id']}")["lines"][0]["picked"] == 1
        i1 = c.post("/inbound-orders", {"ref": "P", "lines": [{"sku": "K", "qty": 1}]}, key="i1", expect=201).json()
        i2 = c.post("/inbound-orders", {"ref": "P", "lines": [{"sku": "K", "qty": 1}]}, key="i1", expect=201).json()
        assert i1["id"] == i2["id"]
        # the same key for another request is refused
        assert c.post("/products", {"sku": "K2", "name": "k"}, key="p1").status_code == 422
