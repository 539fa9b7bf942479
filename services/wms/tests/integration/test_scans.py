"""Scans over HTTP: locations, barcodes, cartons and GS1 labels carrying lot and expiry."""

from __future__ import annotations

from smartdist_wms.app import DEFINITION

GS = "\x1d"


def test_scans_resolve_and_a_gs1_label_receives_with_its_lot(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("MILK", barcode="9501101530003", pack_barcode="19501101530000", pack_size=12, tracking="lot")
        c.location("M-01")
        assert c.post("/scans", {"code": "M-01"}, expect=200).json()["kind"] == "location"
        carton = c.post("/scans", {"code": "19501101530000"}, expect=200).json()
        assert carton["sku"] == "MILK" and carton["units"] == 12
        label = c.post("/scans", {"code": f"]C10109501101530003172712311012AB{GS}"}, expect=200).json()
        assert (label["sku"], label["lot"], label["expiry"], label["units"]) == ("MILK", "12AB", "2027-12-31", 1)
        bad = c.post("/scans", {"code": "]C10109501101530004"})
        assert bad.status_code == 422 and "check digit" in bad.json()["detail"]
        assert c.post("/scans", {"code": "NOTHING"}).status_code == 422
        order = c.inbound([{"sku": "MILK", "qty": 3}])
        receipt = {"lines": [{"sku": "]C101095011015300031727123110L9", "qty": 3}]}
        got = c.post(f"/inbound-orders/{order['id']}/receipts", receipt, expect=201).json()
        assert got["lines"][0]["lots"][0] | {} == {
            "lot": "L9",
            "expiry": "2027-12-31",
            "sound": 3,
            "damaged": 0,
            "put_away": 0,
            "inspected": 0,
            "waiting": 3,
        }
