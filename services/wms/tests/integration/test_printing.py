"""Print pages: labels with barcodes, pick lists in walking order, packing lists, a wave's lists;
Chinese texts by default, signed-in staff of the tenant only."""

from __future__ import annotations

import re

from smartdist_wms.app import DEFINITION


def test_labels_pick_and_packing_lists_print(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("TEA", name="凍頂烏龍茶", barcode="4710001000011")
        c.product("CUP", name="玻璃杯")
        c.location("B-01", zone="B", sequence=20)
        c.location("A-01", zone="A", sequence=10)
        c.adjust("TEA", "B-01", 5)
        c.adjust("CUP", "A-01", 5)
        oid = c.outbound([("TEA", 2), ("CUP", 1)], ref="SO-7")["id"]
        c.post(f"/outbound-orders/{oid}/allocate", expect=200)

        def page(path: str, expect: int = 200) -> str:
            r = svc.client.get(path, headers=c.headers, follow_redirects=False)
            assert r.status_code == expect, (path, r.status_code, r.text[:300])
            return r.text

        labels = page("/print/location-labels")
        assert "@media print" in labels and "Noto Sans CJK TC" in labels
        assert labels.count("<svg") == 2 and labels.index("A-01") < labels.index("B-01")  # walking order
        assert page("/print/location-labels?zone=B").count("<svg") == 1
        products = page("/print/product-labels?sku=TEA&copies=3")
        assert products.count("凍頂烏龍茶") >= 3 and products.count("<svg") == 3 and "4710001000011" in products

        picks = page(f"/print/outbound-orders/{oid}/pick-list")
        assert "揀貨單" in picks and picks.index("玻璃杯") < picks.index("凍頂烏龍茶")  # A-01 before B-01
        rows = re.findall(r"<td class=\"num\">(\d+)</td>", picks)
        assert rows[:2] == ["1", "1"]  # CUP: qty 1, 1 to pick
        packing = page(f"/print/outbound-orders/{oid}/packing-list")
        assert "裝箱單" in packing and "SO-7" in packing and "<svg" in packing

        wave = c.post("/pick-waves", {"orders": [oid], "strategy": "zone"}, expect=201).json()
        zones = page(f"/print/pick-waves/{wave['id']}/pick-list")
        assert "分區揀貨" in zones and zones.index("區域 A") < zones.index("區域 B")

        assert page(f"/print/outbound-orders/{oid + 999}/pick-list", expect=404)
        other = clerk_for(svc)
        r = svc.client.get(f"/print/outbound-orders/{oid}/packing-list", headers=other.headers)
        assert r.status_code == 404
        assert "凍頂" not in svc.client.get("/print/product-labels", headers=other.headers).text
        r = svc.client.get("/print/location-labels", follow_redirects=False)
        assert r.status_code == 303  # signed out: to the sign-in page
        assert "Packing list" in page(f"/print/outbound-orders/{oid}/packing-list?lang=en")
