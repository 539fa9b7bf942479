"""Surprise bags (contents unknown, a value and a price) and markdown templates per category."""

from __future__ import annotations

from datetime import timedelta

from smartdist.db import utcnow
from smartdist_surplus_market.app import DEFINITION

from ..conftest import TAIPEI_101, clerk_headers, consumer_headers, listing_body


def test_surprise_bag_is_found_priced_and_reserved(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        body = listing_body(title="驚喜袋 surprise bag", surprise_bag=True, bag_value=300, list_price=150,
                            description="麵包與甜點 breads and pastries")  # fmt: skip
        r = svc.client.post("/api/v1/listings", json=body, headers=h)
        assert r.status_code == 201, r.text
        bag = r.json()
        assert bag["surprise_bag"] is True and bag["bag_value"] == 300 and bag["price"] == 150  # 30 h left: no step yet
        found = svc.client.get("/api/v1/listings/nearby", params={**TAIPEI_101, "radius_m": 500}).json()["items"]
        mine = next(i for i in found if i["id"] == bag["id"])
        assert mine["surprise_bag"] is True and mine["bag_value"] == 300
        res = svc.client.post(
            "/api/v1/reservations",
            json={"listing_id": bag["id"], "quantity": 2},
            headers={**consumer_headers(svc), "Idempotency-Key": "bag-1"},
        )
        assert res.status_code == 201 and res.json()["amount"] == 300
        # a bag needs its value, at or above its price; a value belongs to bags only; nothing stored
        for wrong in (
            {"surprise_bag": True},
            {"surprise_bag": True, "bag_value": 100, "list_price": 150},
            {"bag_value": 300},
            {"surprise_bag": True, "bag_value": -1},
        ):
            refused = svc.client.post("/api/v1/listings", json=listing_body(**wrong), headers=h)
            assert refused.status_code == 422, (wrong, refused.text)
        assert len(svc.client.get("/api/v1/listings", headers=h).json()["items"]) == 1


def test_markdown_template_per_category(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t, other = svc.new_tenant(), svc.new_tenant()
        h = clerk_headers(svc, t)
        steps = [{"hours_before": 12, "percent_off": 20}, {"hours_before": 3, "percent_off": 60}]
        put = svc.client.put(
            "/api/v1/markdown-templates/bakery", json={"markdown": steps, "floor_percent": 25}, headers=h
        )
        assert put.status_code == 200, put.text
        assert put.json()["markdown"] == steps and put.json()["floor_percent"] == 25
        svc.client.put("/api/v1/markdown-templates/dairy", json={"markdown": [steps[0]]}, headers=h)
        assert [x["category"] for x in svc.client.get("/api/v1/markdown-templates", headers=h).json()["items"]] == [
            "bakery",
            "dairy",
        ]
        # a listing that leaves markdown out gets its category's template; one that gives [] keeps none
        best_before = (utcnow() + timedelta(hours=2)).isoformat()
        body = listing_body(category="bakery", list_price=101, best_before=best_before)
        del body["markdown"], body["floor_price"]
        made = svc.client.post("/api/v1/listings", json=body, headers=h).json()
        assert made["markdown"] == steps and made["floor_price"] == 25  # 101 × 25 % = 25.25 → 25
        assert made["price"] == 40  # 2 h left: 60 % off 101 = 40.4 → 40, above the floor
        given = svc.client.post("/api/v1/listings", json={**body, "markdown": []}, headers=h).json()
        assert given["markdown"] == [] and given["price"] == 101
        # the exact price at every hour of the template
        end = (utcnow() + timedelta(hours=30)).replace(microsecond=0)
        lid = svc.client.post("/api/v1/listings", json={**body, "best_before": end.isoformat()}, headers=h).json()["id"]
        for hours_left, price in [(13, 101), (12, 81), (4, 81), (3, 40), (0.5, 40)]:
            at = (end - timedelta(hours=hours_left)).isoformat()
            assert svc.client.get(f"/api/v1/listings/{lid}", params={"at": at}).json()["price"] == price, hours_left
        # bad steps are refused with the field named; another merchant sees and changes none of it
        bad = svc.client.put(
            "/api/v1/markdown-templates/bakery", json={"markdown": [{"hours_before": -1, "percent_off": 10}]}, headers=h
        )  # noqa: E501
        assert bad.status_code == 422
        assert svc.client.put("/api/v1/markdown-templates/x", json={"markdown": []}, headers=h).status_code == 422
        oh = clerk_headers(svc, other)
        assert svc.client.get("/api/v1/markdown-templates", headers=oh).json()["items"] == []
        assert svc.client.get("/api/v1/markdown-templates/bakery", headers=oh).status_code == 404
        assert svc.client.delete("/api/v1/markdown-templates/bakery", headers=oh).status_code == 404
        theirs = listing_body(category="bakery")
        del theirs["markdown"]
        assert svc.client.post("/api/v1/listings", json=theirs, headers=oh).json()["markdown"] == []
        assert svc.client.delete("/api/v1/markdown-templates/bakery", headers=h).status_code == 204
        assert svc.client.get("/api/v1/markdown-templates/bakery", headers=h).status_code == 404
        assert svc.client.get("/api/v1/markdown-templates", headers=consumer_headers(svc)).status_code == 403
