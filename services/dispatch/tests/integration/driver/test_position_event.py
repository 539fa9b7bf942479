"""A stored breadcrumb batch announces the van's latest position once, with the orders still on it
(`smartdist.dispatch.route.position`, read by the delivery broker's tracking); SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist.timeparams import TAIPEI

POSITION = "smartdist.dispatch.route.position"
BASE = datetime.now(TAIPEI).replace(second=0, microsecond=0) - timedelta(hours=1)


def at(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat()


def positions(day: Any, tenant: str | None = None) -> list[dict[str, Any]]:
    tenant = tenant or day.tenant
    with day.svc.database.tenant_transaction(tenant) as session:
        rows = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == POSITION, OutboxEvent.tenant_id == tenant)
        ).all()
        return [json.loads(r.payload)["data"] for r in sorted(rows, key=lambda r: r.id)]


def test_each_stored_batch_announces_its_latest_point_and_the_orders_still_on_the_van(day: Any) -> None:
    route = day.route("V1")
    url = f"/api/v1/driver/routes/{route['id']}/breadcrumbs"
    # Out of order in the batch: the latest by the phone's clock is the middle one.
    batch = [
        {"lat": 25.071, "lng": 121.571, "recorded_at": at(1)},
        {"lat": 25.073, "lng": 121.573, "recorded_at": at(3)},
        {"lat": 25.072, "lng": 121.572, "recorded_at": at(2)},
    ]
    assert day.svc.client.post(url, json=batch, headers=day.headers("DR1")).status_code == 200
    [first] = positions(day)
    assert first["route_id"] == route["id"] and first["driver_id"] == day.drivers["DR1"]["id"]
    assert (first["lat"], first["lng"]) == (25.073, 121.573)
    assert datetime.fromisoformat(first["recorded_at"]) == datetime.fromisoformat(at(3))
    assert first["order_nos"] == ["A-0", "A-1", "A-2"]
    # The same batch again (the phone's queue resent it): nothing stored, nothing announced.
    assert day.svc.client.post(url, json=batch, headers=day.headers("DR1")).json()["accepted"] == 0
    assert len(positions(day)) == 1

    stop = day.stop("A-0")
    done = day.svc.client.post(
        f"/api/v1/driver/stops/{stop['id']}/deliver", json={"occurred_at": at(4)}, headers=day.headers("DR1")
    )
    assert done.status_code == 200, done.text
    later = [{"lat": 25.070, "lng": 121.580, "recorded_at": at(5)}]
    assert day.svc.client.post(url, json=later, headers=day.headers("DR1")).status_code == 200
    latest = positions(day)[-1]
    assert len(positions(day)) == 2 and latest["order_nos"] == ["A-1", "A-2"]  # A-0 is off the van
    assert (latest["lat"], latest["lng"]) == (25.070, 121.580)


def test_a_refused_batch_announces_nothing_and_other_tenants_see_none(day: Any, make_day: Any) -> None:
    url = f"/api/v1/driver/routes/{day.route('V1')['id']}/breadcrumbs"
    future = [{"lat": 25.07, "lng": 121.57, "recorded_at": "2099-01-01T00:00:00Z"}]
    assert day.svc.client.post(url, json=future, headers=day.headers("DR1")).status_code == 422
    assert day.svc.client.post(url, json=[{"lat": 25.07, "lng": 121.57, "recorded_at": at(1)}],
                               headers=day.headers("DR2")).status_code == 404  # fmt: skip
    assert positions(day) == []
    other = make_day("t2")
    other_url = f"/api/v1/driver/routes/{other.route('V1')['id']}/breadcrumbs"
    crumb = [{"lat": 25.07, "lng": 121.57, "recorded_at": at(1)}]
    assert day.svc.client.post(other_url, json=crumb, headers=other.headers("DR1")).status_code == 200
    assert positions(day) == [] and len(positions(other)) == 1
