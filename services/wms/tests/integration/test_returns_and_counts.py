"""Returns (notice, inspection, restock) and cycle counts (blind count, owner approves the variance)."""

from __future__ import annotations

import json

from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist_wms.app import DEFINITION


def test_a_return_is_inspected_and_its_sound_units_restocked(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("SHOE")
        c.location("R-1")
        ret = c.post(
            "/returns", {"ref": "RMA-1", "customer": "王小明", "lines": [{"sku": "SHOE", "qty": 5}]}, expect=201
        )
        rid = ret.json()["id"]
        assert ret.json()["status"] == "created"
        restock = {"lines": [{"sku": "SHOE", "qty": 1, "location": "R-1"}]}
        assert c.post(f"/returns/{rid}/restocks", restock).status_code == 409  # inspect first
        too_many = {"lines": [{"sku": "SHOE", "restock": 4, "damaged": 2}]}
        assert c.post(f"/returns/{rid}/inspections", too_many).status_code == 409
        got = c.post(
            f"/returns/{rid}/inspections",
            {"lines": [{"sku": "SHOE", "restock": 3, "damaged": 1, "scrap": 1}]},
            expect=201,
        )
        assert got.json()["status"] == "inspected"
        assert (
            c.post(f"/returns/{rid}/restocks", {"lines": [{"sku": "SHOE", "qty": 4, "location": "R-1"}]}).status_code
            == 409
        )
        done = c.post(f"/returns/{rid}/restocks", {"lines": [{"sku": "SHOE", "qty": 3, "location": "R-1"}]}, expect=201)
        assert done.json()["status"] == "completed"
        assert c.on_hand("SHOE", "R-1") == 3  # damaged and scrapped units never reach stock
        with svc.database.system_transaction() as s:
            [event] = s.scalars(select(OutboxEvent).where(OutboxEvent.type == "smartdist.wms.return.completed"))
            assert json.loads(event.payload)["data"]["lines"][0] == {
                "sku": "SHOE",
                "qty": 5,
                "restocked": 3,
                "damaged": 1,
                "scrap": 1,
            }
        assert c.get("/returns", status="completed")["items"][0]["id"] == rid
        other = clerk_for(svc)
        other.get(f"/returns/{rid}", expect=404)
        assert other.post(f"/returns/{rid}/inspections", {"lines": [{"sku": "SHOE", "restock": 1}]}).status_code == 404


def test_a_blind_count_changes_stock_only_when_the_owner_approves(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        owner = clerk_for(svc)
        floor = clerk_for(svc, owner.tenant, roles=("clerk",))
        owner.product("PEN")
        owner.product("INK")
        owner.location("C-1")
        owner.adjust("PEN", "C-1", 10)
        owner.adjust("INK", "C-1", 2)
        task = floor.post("/cycle-counts", {"location": "C-1"}, expect=201).json()
        assert owner.get("/locations/C-1")["status"] == "counting"
        assert floor.post("/cycle-counts", {"location": "C-1"}).status_code == 409  # one open count per location
        blind = floor.get(f"/cycle-counts/{task['id']}")
        assert blind["status"] == "open" and blind["lines"] == []  # the counter sees no book figures
        counted = floor.post(
            f"/cycle-counts/{task['id']}/count", {"lines": [{"sku": "PEN", "qty": 8}]}, expect=200
        ).json()
        assert {(x["sku"], x["counted"], x["expected"], x["variance"]) for x in counted["lines"]} == {
            ("PEN", 8, 10, -2),
            ("INK", 0, 2, -2),
        }
        assert owner.on_hand("PEN") == 10  # nothing changes before approval
        assert floor.post(f"/cycle-counts/{task['id']}/approve").status_code == 403  # only the owner
        approved = owner.post(f"/cycle-counts/{task['id']}/approve", expect=200).json()
        assert approved["status"] == "approved"
        assert owner.on_hand("PEN") == 8 and owner.on_hand("INK") == 0
        assert owner.get("/locations/C-1")["status"] == "active"
        assert owner.get("/stock/ledger-check")["ok"] is True
        # a rejected count leaves stock alone
        again = floor.post("/cycle-counts", {"location": "C-1"}, expect=201).json()
        floor.post(f"/cycle-counts/{again['id']}/count", {"lines": [{"sku": "PEN", "qty": 99}]}, expect=200)
        assert owner.post(f"/cycle-counts/{again['id']}/reject", expect=200).json()["status"] == "rejected"
        assert owner.on_hand("PEN") == 8
        clerk_for(svc).get(f"/cycle-counts/{task['id']}", expect=404)
