"""Many clerks at once on PostgreSQL: no negative stock, no unit allocated twice, no lost movement."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from smartdist_wms.app import DEFINITION


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_forty_clerks_racing_for_the_last_twenty_units(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("LAST", tracking="expiry")
        c.product("BUSY")
        for n in range(1, 5):
            c.location(f"L{n}", sequence=n)
            c.adjust("LAST", f"L{n}", 5, expiry=f"2031-01-0{n}")
        c.adjust("BUSY", "L1", 100)
        racing = [c.outbound([("LAST", 1)], ref=f"RACE-{i}")["id"] for i in range(40)]
        picking = [c.outbound([("BUSY", 2)], ref=f"PICK-{i}")["id"] for i in range(10)]
        for oid in picking:
            c.post(f"/outbound-orders/{oid}/allocate", expect=200)

        def allocate(oid: int) -> tuple[str, int]:
            return "allocate", c.post(f"/outbound-orders/{oid}/allocate").status_code

        def pick_and_ship(oid: int) -> tuple[str, int]:
            for _ in range(2):
                r = c.post(f"/outbound-orders/{oid}/picks", {"location": "L1", "sku": "BUSY", "qty": 1})
                assert r.status_code == 201, r.text
            return "ship", c.post(f"/outbound-orders/{oid}/ship", {"carrier": "c", "tracking_no": str(oid)}).status_code

        def move(i: int) -> tuple[str, int]:
            source, target = ("L1", "L2") if i % 2 else ("L2", "L1")
            body = {"sku": "BUSY", "from_location": source, "to_location": target, "qty": 3}
            return "move", c.post("/stock/moves", body).status_code

        def adjust(i: int) -> tuple[str, int, int]:
            qty = random.Random(i).choice([-7, -2, 1, 4])
            body = {"sku": "BUSY", "location": random.Random(i).choice(["L1", "L2"]), "qty": qty, "reason": "count"}
            r = c.post("/stock/adjustments", body)
            return "adjust", r.status_code, qty

        work: list[Any] = (
            [(allocate, oid) for oid in racing]
            + [(pick_and_ship, oid) for oid in picking]
            + [(move, i) for i in range(30)]
            + [(adjust, i) for i in range(30)]
        )
        random.Random(7).shuffle(work)
        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(lambda job: job[0](job[1]), work))

        statuses = [r[1] for r in results]
        assert set(statuses) <= {200, 201, 409}, statuses  # no 500, no deadlock
        allocations = [r[1] for r in results if r[0] == "allocate"]
        assert allocations.count(200) == 20 and allocations.count(409) == 20
        assert [r[1] for r in results if r[0] == "ship"] == [200] * 10
        added = sum(r[2] for r in results if r[0] == "adjust" and r[1] == 201)

        last = c.stock(sku="LAST")
        assert sum(i["on_hand"] for i in last) == 20 and sum(i["allocated"] for i in last) == 20
        allocated_orders = [c.get(f"/outbound-orders/{oid}") for oid in racing]
        assert sum(o["status"] == "allocated" for o in allocated_orders) == 20
        assert sum(a["qty"] for o in allocated_orders for a in o["allocations"]) == 20

        busy = c.stock(sku="BUSY")
        assert all(i["on_hand"] >= 0 and i["available"] >= 0 for i in busy + last)
        assert sum(i["on_hand"] for i in busy) == 100 + added - 20  # nothing lost, nothing made up
        check = c.get("/stock/ledger-check")
        assert check["mismatches"] == [] and check["allocation_mismatches"] == []
        assert check["negative"] == 0 and check["over_allocated"] == 0 and check["ok"] is True
