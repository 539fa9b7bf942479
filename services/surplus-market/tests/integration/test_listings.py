"""POST/GET /api/v1/listings, publish, nearby (SPEC §4.E contracts), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartdist_surplus_market.app import DEFINITION
from smartdist_surplus_market.listings.geo import haversine_m

from ..conftest import TAIPEI_101, clerk_headers, listing_body


def test_create_listing_and_price_at_any_time(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        bb = datetime(2030, 1, 2, 12, 0, tzinfo=UTC)
        r = svc.client.post(
            "/api/v1/listings",
            json=listing_body(best_before=bb.isoformat(), list_price=125),
            headers=clerk_headers(svc, t),
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "published" and body["quantity"] == 5 and body["price"] == 125
        lid = body["id"]
        cases = [
            (bb - timedelta(hours=30), 125),  # no step reached
            (bb - timedelta(hours=24), 88),  # 30% off: 87.5 -> 88 (half up)
            (bb - timedelta(hours=7), 88),
            (bb - timedelta(hours=6), 63),  # 50% off: 62.5 -> 63
            (bb - timedelta(minutes=1), 63),
        ]
        for at, price in cases:
            got = svc.client.get(f"/api/v1/listings/{lid}", params={"at": at.isoformat()})  # no token
            assert got.status_code == 200, got.text
            assert got.json()["price"] == price, (at, got.json())
        # floor price
        r = svc.client.post(
            "/api/v1/listings",
            json=listing_body(best_before=bb.isoformat(), list_price=100, floor_price=60),
            headers=clerk_headers(svc, t),
        )
        got = svc.client.get(f"/api/v1/listings/{r.json()['id']}", params={"at": (bb - timedelta(hours=1)).isoformat()})
        assert got.json()["price"] == 60
        # at best_before the listing is gone for the public
        gone = svc.client.get(f"/api/v1/listings/{lid}", params={"at": bb.isoformat()})
        assert gone.status_code == 404
        assert gone.headers["content-type"].startswith("application/problem+json")


def test_listing_input_is_checked(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        bad = [
            listing_body(quantity=0),
            listing_body(list_price=-1),
            listing_body(floor_price=500),
            listing_body(markdown=[{"hours_before": 5, "percent_off": 101}]),
            listing_body(location={"lat": 95, "lng": 0}),
            listing_body(mode="boat"),
            listing_body(pickup_window=["2030-01-01T10:00:00+08:00", "2030-01-01T09:00:00+08:00"]),
            {k: v for k, v in listing_body().items() if k != "list_price"},
            listing_body(colour="red"),
        ]
        for body in bad:
            r = svc.client.post("/api/v1/listings", json=body, headers=h)
            assert r.status_code == 422, (body, r.text)
            assert r.json()["errors"]
        # a consumer, a driver and no token cannot list
        assert svc.client.post("/api/v1/listings", json=listing_body()).status_code == 401
        assert (
            svc.client.post("/api/v1/listings", json=listing_body(), headers=svc.headers(t, ["driver"])).status_code
            == 403
        )
        r = svc.client.get("/api/v1/listings", headers=h)
        assert r.json()["items"] == []


def test_listing_idempotency_key(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = {**clerk_headers(svc, t), "Idempotency-Key": "k-1"}
        body = listing_body()
        a = svc.client.post("/api/v1/listings", json=body, headers=h)
        b = svc.client.post("/api/v1/listings", json=body, headers=h)
        assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
        assert len(svc.client.get("/api/v1/listings", headers=h).json()["items"]) == 1


def test_draft_then_publish(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        draft = {k: v for k, v in listing_body(status="draft").items() if k not in ("list_price", "location")}
        r = svc.client.post("/api/v1/listings", json=draft, headers=h)
        assert r.status_code == 201 and r.json()["status"] == "draft", r.text
        lid = r.json()["id"]
        assert [i["id"] for i in svc.client.get("/api/v1/listings?status=draft", headers=h).json()["items"]] == [lid]
        assert svc.client.get(f"/api/v1/listings/{lid}").status_code == 404  # drafts are not public
        assert svc.client.get(f"/api/v1/listings/{lid}", headers=h).json()["status"] == "draft"
        near = svc.client.get("/api/v1/listings/nearby", params={**TAIPEI_101, "radius_m": 1000}).json()
        assert near["items"] == []
        missing = svc.client.post(f"/api/v1/listings/{lid}/publish", json={"title": "x"}, headers=h)
        assert missing.status_code == 422
        assert {tuple(e["loc"]) for e in missing.json()["errors"]} == {("body", "list_price"), ("body", "location")}
        ok = svc.client.post(
            f"/api/v1/listings/{lid}/publish",
            json={
                "list_price": 80,
                "location": TAIPEI_101,
                "floor_price": 30,
                "pickup_window": [datetime.now(UTC).isoformat(), (datetime.now(UTC) + timedelta(hours=3)).isoformat()],
            },
            headers=h,
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["status"] == "published" and ok.json()["pickup_window"]
        assert svc.client.get("/api/v1/listings?status=draft", headers=h).json()["items"] == []
        near = svc.client.get("/api/v1/listings/nearby", params={**TAIPEI_101, "radius_m": 1000}).json()
        assert [i["id"] for i in near["items"]] == [lid]
        again = svc.client.post(f"/api/v1/listings/{lid}/publish", json={}, headers=h)
        assert again.status_code == 409
        # a draft without a place takes the seller's own place when the profile has one
        svc.client.put("/api/v1/seller", json={"location": TAIPEI_101, "address": "信義路五段7號"}, headers=h)
        second = svc.client.post("/api/v1/listings", json=draft, headers=h).json()["id"]
        placed = svc.client.post(f"/api/v1/listings/{second}/publish", json={"list_price": 50}, headers=h)
        assert placed.status_code == 200 and placed.json()["location"]["address"] == "信義路五段7號"


def test_nearby_nearest_first_with_pages_and_filters(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        soon = datetime.now(UTC) + timedelta(hours=2)
        ids = {}
        # points east of Taipei 101 at growing distances, one far away, one expired soon, one other category
        for i, dlng in enumerate([0.002, 0.010, 0.005, 0.030, 0.5]):
            loc = {"lat": TAIPEI_101["lat"], "lng": TAIPEI_101["lng"] + dlng}
            r = svc.client.post("/api/v1/listings", json=listing_body(location=loc, title=f"L{i}"), headers=h)
            ids[r.json()["id"]] = dlng
        other = svc.client.post("/api/v1/listings", json=listing_body(category="drinks"), headers=h).json()["id"]
        expiring = svc.client.post(
            "/api/v1/listings", json=listing_body(best_before=soon.isoformat()), headers=h
        ).json()["id"]
        params = {**TAIPEI_101, "radius_m": 5000, "category": "bakery"}
        page = svc.client.get("/api/v1/listings/nearby", params={**params, "limit": 2}).json()
        got = [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        while cursor:
            page = svc.client.get("/api/v1/listings/nearby", params={**params, "limit": 2, "cursor": cursor}).json()
            got += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
        assert expiring in got and other not in got
        later = svc.client.get(
            "/api/v1/listings/nearby", params={**params, "at": (soon + timedelta(seconds=1)).isoformat()}
        ).json()
        assert expiring not in [i["id"] for i in later["items"]]
        full = svc.client.get("/api/v1/listings/nearby", params={**params, "limit": 50}).json()["items"]
        assert [i["distance_m"] for i in full] == sorted(i["distance_m"] for i in full)
        for item in full:
            exact = haversine_m(TAIPEI_101["lat"], TAIPEI_101["lng"], item["lat"], item["lng"])
            assert item["distance_m"] == int(exact + 0.5)
            assert {"id", "title", "price", "quantity", "distance_m", "unit", "best_before"} <= item.keys()
        # 0.5 degrees of longitude (about 50 km) is outside 5 km
        assert len(full) == 5
        bad = svc.client.get("/api/v1/listings/nearby", params={**params, "cursor": "bm90LWEtY3Vyc29y"})
        assert bad.status_code == 422
        assert svc.client.get("/api/v1/listings/nearby", params={"lat": 200, "lng": 0}).status_code == 422


def test_tenant_isolation_of_listings(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        a, b = svc.new_tenant(), svc.new_tenant()
        draft = {k: v for k, v in listing_body(status="draft").items() if k not in ("list_price", "location")}
        lid = svc.client.post("/api/v1/listings", json=draft, headers=clerk_headers(svc, a)).json()["id"]
        hb = clerk_headers(svc, b)
        assert svc.client.get("/api/v1/listings", headers=hb).json()["items"] == []
        assert svc.client.get(f"/api/v1/listings/{lid}", headers=hb).status_code == 404
        r = svc.client.post(
            f"/api/v1/listings/{lid}/publish", json={"list_price": 1, "location": TAIPEI_101}, headers=hb
        )
        assert r.status_code == 404
        assert svc.client.post(f"/api/v1/listings/{lid}/withdraw", headers=hb).status_code == 404
