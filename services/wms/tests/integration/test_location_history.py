"""The location history page: what a location holds and every unit moved in or out of it."""

from __future__ import annotations

import re

from smartdist_wms.app import DEFINITION


def test_location_history_lists_every_move_in_and_out(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("SOAP", name="香皂")
        c.location("A-01", zone="A")
        c.location("B-01", zone="B")
        c.adjust("SOAP", "A-01", 10, reason="found")
        c.post("/stock/moves", {"sku": "SOAP", "from_location": "A-01", "to_location": "B-01", "qty": 4}, expect=201)
        oid = c.outbound([("SOAP", 2)])["id"]
        c.post(f"/outbound-orders/{oid}/allocate", expect=200)  # a promise, not a move: not listed
        c.post(f"/outbound-orders/{oid}/picks", {"location": "A-01", "sku": "SOAP", "qty": 2}, expect=201)
        c.post(f"/outbound-orders/{oid}/ship", {"carrier": "黑貓", "tracking_no": "T1"}, expect=200)

        page = svc.client.get("/locations/history", params={"code": "A-01"}, headers=c.headers)
        assert page.status_code == 200, page.text
        html = page.text
        assert "儲位履歷" in html and "香皂" not in html  # the SKU is listed, the page is the location's
        rows = re.findall(r'<tr data-movement="\d+">(.*?)</tr>', html, re.S)
        cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows]
        assert [(x[1], x[2], x[5]) for x in cells] == [("出", "2", "出貨"), ("出", "4", "移出"), ("進", "10", "調整")]
        assert re.search(r"<td>SOAP</td><td></td><td></td><td class=\"num\">4</td>", html)  # stock now
        api = c.get("/stock/movements", location="A-01", moves_only="true")["items"]
        assert [m["reason"] for m in api] == ["ship", "move_out", "adjust"]
        assert len(c.get("/stock/movements", location="A-01")["items"]) == 4  # with the allocation

        assert svc.client.get("/locations/history", params={"code": "ZZ"}, headers=c.headers).status_code == 422
        other = clerk_for(svc)
        r = svc.client.get("/locations/history", params={"code": "A-01"}, headers=other.headers)
        assert r.status_code == 422  # another tenant has no such location
        assert svc.client.get("/locations/history", follow_redirects=False).status_code == 303
