"""A driver's usual vehicle (``vehicle_id``), which publishing uses, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any


def test_usual_vehicle_is_checked_changed_and_cleared(svc: Any) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    van = svc.client.post(
        "/api/v1/vehicles",
        headers=headers,
        json={"code": "V1", "kind": "van", "capacity_weight_kg": 800, "capacity_volume_l": 3000, "capacity_boxes": 9},
    )
    assert van.status_code == 201, van.text
    unknown = svc.client.post("/api/v1/drivers", headers=headers, json={"code": "DR1", "name": "陳", "vehicle_id": 999})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "vehicle_id"]
    created = svc.client.post(
        "/api/v1/drivers", headers=headers, json={"code": "DR1", "name": "陳", "vehicle_id": van.json()["id"]}
    )
    assert created.status_code == 201 and created.json()["vehicle_id"] == van.json()["id"]
    driver_url = f"/api/v1/drivers/{created.json()['id']}"
    assert svc.client.patch(driver_url, headers=headers, json={"vehicle_id": 999}).status_code == 422
    cleared = svc.client.patch(driver_url, headers=headers, json={"vehicle_id": None})
    assert cleared.status_code == 200 and cleared.json()["vehicle_id"] is None
    # Another tenant's vehicle is unknown here.
    other = svc.headers("t2", ("dispatcher",))
    theirs = svc.client.post(
        "/api/v1/drivers", headers=other, json={"code": "DR9", "name": "王", "vehicle_id": van.json()["id"]}
    )
    assert theirs.status_code == 422
