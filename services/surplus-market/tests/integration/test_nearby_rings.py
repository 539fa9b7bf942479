"""The ring search gives exactly what sorting every listing by distance gives, page after page."""

from __future__ import annotations

import random

from smartdist.db import utcnow
from smartdist_surplus_market.app import DEFINITION
from smartdist_surplus_market.listings.geo import haversine_m

from ..conftest import clerk_headers, listing_body


def test_pages_match_brute_force(service_factory) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(3)
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        places = {}
        for i in range(60):
            # a dense cluster and a sparse ring around it
            spread = 0.004 if i < 40 else 0.05
            loc = {"lat": 25.04 + rng.uniform(-spread, spread), "lng": 121.55 + rng.uniform(-spread, spread)}
            lid = svc.client.post("/api/v1/listings", json=listing_body(location=loc, title=f"P{i}"), headers=h).json()[
                "id"
            ]
            places[lid] = loc
        centre = (25.0405, 121.5502)
        for radius in (300, 2500, 8000):
            expected = sorted(
                (int(haversine_m(*centre, p["lat"], p["lng"]) + 0.5), lid)
                for lid, p in places.items()
                if haversine_m(*centre, p["lat"], p["lng"]) <= radius
            )
            got, cursor = [], None
            while True:
                params = {
                    "lat": centre[0],
                    "lng": centre[1],
                    "radius_m": radius,
                    "limit": 7,
                    "at": utcnow().isoformat(),
                }
                if cursor:
                    params["cursor"] = cursor
                page = svc.client.get("/api/v1/listings/nearby", params=params).json()
                got += [(i["distance_m"], i["id"]) for i in page["items"]]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            assert got == expected, radius
