"""The driver's numbers out of bounds (cash collected, GPS) are a 422 naming the field, and change
nothing: JSON as a phone with a broken sensor or a careless client writes it (Infinity, NaN)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from smartdist_dispatch.routes.models import GpsBreadcrumb, RouteStop

AT = "2026-11-27T10:00:00+08:00"


def post_raw(day: Any, path: str, body: Any) -> Any:
    headers = day.headers("DR1") | {"Content-Type": "application/json"}
    return day.svc.client.post(path, content=json.dumps(body).encode(), headers=headers)


def test_cash_collected_and_positions_out_of_bounds_are_422(day: Any) -> None:
    stop_id = day.stop("A-1")["id"]
    for cash in (1e20, float("inf"), 10_000_001, 9223372036854775808):
        answer = post_raw(
            day, f"/api/v1/driver/stops/{stop_id}/deliver", {"occurred_at": AT, "cash_collected_twd": cash}
        )
        assert answer.status_code == 422, (cash, answer.text)
        assert answer.json()["errors"][0]["loc"][-1] == "cash_collected_twd"
    route_id = day.route("V1")["id"]
    for point in (
        {"lat": float("nan"), "lng": 121.5, "recorded_at": AT},
        {"lat": 25.0, "lng": float("-inf"), "recorded_at": AT},
        {"lat": 25.0, "lng": 121.5, "accuracy_m": float("inf"), "recorded_at": AT},
    ):
        answer = post_raw(day, f"/api/v1/driver/routes/{route_id}/breadcrumbs", [point])
        assert answer.status_code == 422, (point, answer.text)
    with day.svc.database.tenant_transaction(day.tenant) as session:
        assert {s.status for s in session.scalars(select(RouteStop))} == {"pending"}
        assert session.scalars(select(GpsBreadcrumb)).all() == []


def test_a_driver_id_beyond_any_stored_id_is_422_not_a_database_error(day: Any) -> None:
    """Found by the schemathesis run: ?driver_id= larger than a BIGINT reached the database (a 500)."""
    answer = day.svc.client.get(
        "/api/v1/driver/routes/today", params={"driver_id": 409729263249736756887552000}, headers=day.headers("DR1")
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["loc"] == ["query", "driver_id"], answer.text
