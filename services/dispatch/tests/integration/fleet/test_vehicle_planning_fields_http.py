"""A vehicle's break, maximum working time and trips: API, sheet columns, rules and tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.fleet.models import Vehicle as VehicleRow
from smartdist_dispatch.fleet.service import VEHICLE_SHEET
from smartdist_dispatch.orders.planning_input import fleet_vehicle

VAN = {
    "code": "V1",
    "kind": "van",
    "capacity_weight_kg": 800,
    "capacity_volume_l": 3000,
    "capacity_boxes": 40,
    "shift_start": "08:00",
    "shift_end": "18:00",
}


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def create(svc: ServiceUnderTest, body: dict, tenant: str = "t1", key: str = "v"):  # type: ignore[no-untyped-def]
    headers = svc.headers(tenant, ("dispatcher",)) | {"Idempotency-Key": f"{tenant}-{key}"}
    return svc.client.post("/api/v1/vehicles", json=body, headers=headers)


def test_new_vehicle_defaults_to_no_break_one_trip_and_no_working_limit(svc: ServiceUnderTest) -> None:
    response = create(svc, VAN)
    assert response.status_code == 201, response.text
    out = response.json()
    assert (out["break_start"], out["break_end"], out["break_minutes"]) == (None, None, 0)
    assert (out["max_working_minutes"], out["max_trips"]) == (None, 1)


def test_break_working_time_and_trips_are_stored_changed_and_cleared(svc: ServiceUnderTest) -> None:
    body = VAN | {"break_start": "12:00", "break_end": "13:30", "break_minutes": 45, "max_working_minutes": 480}
    created = create(svc, body | {"max_trips": 2})
    assert created.status_code == 201, created.text
    out = created.json()
    assert (out["break_start"], out["break_end"], out["break_minutes"]) == ("12:00:00", "13:30:00", 45)
    assert (out["max_working_minutes"], out["max_trips"]) == (480, 2)
    headers = svc.headers("t1", ("dispatcher",))
    url = f"/api/v1/vehicles/{out['id']}"
    changed = svc.client.patch(url, json={"break_end": "14:00", "max_trips": 3}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["break_end"], changed.json()["max_trips"]) == ("14:00:00", 3)
    cleared = svc.client.patch(
        url,
        json={"break_start": None, "break_end": None, "break_minutes": 0, "max_working_minutes": None},
        headers=headers,
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["break_start"] is None and cleared.json()["max_working_minutes"] is None


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"break_start": "12:00", "break_minutes": 30}, "break_end"),
        ({"break_start": "13:00", "break_end": "12:00", "break_minutes": 30}, "break_end"),
        ({"break_minutes": 30}, "break_start"),
        ({"max_trips": 0}, "max_trips"),
        ({"max_working_minutes": 0}, "max_working_minutes"),
        ({"break_minutes": -5}, "break_minutes"),
    ],
)
def test_bad_planning_fields_are_422_naming_the_field(svc: ServiceUnderTest, extra: dict, field: str) -> None:
    response = create(svc, VAN | extra)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text
    assert svc.client.get("/api/v1/vehicles", headers=svc.headers("t1", ("dispatcher",))).json()["items"] == []


def test_patch_that_breaks_a_rule_with_the_stored_values_changes_nothing(svc: ServiceUnderTest) -> None:
    out = create(svc, VAN | {"break_start": "12:00", "break_end": "13:00", "break_minutes": 30}).json()
    headers = svc.headers("t1", ("dispatcher",))
    url = f"/api/v1/vehicles/{out['id']}"
    response = svc.client.patch(url, json={"break_start": "13:30"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "break_end"]
    assert svc.client.get(url, headers=headers).json()["break_start"] == "12:00:00"


def test_vehicle_sheet_takes_the_optional_planning_columns(svc: ServiceUnderTest) -> None:
    assert VEHICLE_SHEET.header.endswith("break_start,break_end,break_minutes,max_working_minutes,max_trips")
    content = "\n".join(
        [
            VEHICLE_SHEET.header,
            "V1,van,800,3000,40,08:00,18:00,500,,12:00,13:00,30,480,2",
            "V2,scooter,30,60,4,,,,,,,,,",
        ]
    ).encode()
    headers = svc.headers("t1", ("dispatcher",))
    response = svc.client.post("/api/v1/vehicles/import", files={"file": ("vehicles.csv", content)}, headers=headers)
    assert response.status_code == 201, response.text
    items = {v["code"]: v for v in svc.client.get("/api/v1/vehicles", headers=headers).json()["items"]}
    assert (items["V1"]["break_minutes"], items["V1"]["max_working_minutes"], items["V1"]["max_trips"]) == (30, 480, 2)
    assert (items["V2"]["break_start"], items["V2"]["max_trips"]) == (None, 1)
    bad = "\n".join([VEHICLE_SHEET.header, "V3,van,800,3000,40,08:00,18:00,0,,12:00,,30,,0"]).encode()
    refused = svc.client.post("/api/v1/vehicles/import", files={"file": ("v.csv", bad)}, headers=headers)
    assert refused.status_code == 422
    assert "max_trips" in refused.text


def test_another_tenant_cannot_read_or_change_the_planning_fields(svc: ServiceUnderTest) -> None:
    out = create(svc, VAN | {"max_trips": 2}).json()
    other = svc.headers("t2", ("dispatcher",))
    url = f"/api/v1/vehicles/{out['id']}"
    assert svc.client.get(url, headers=other).status_code == 404
    assert svc.client.patch(url, json={"max_trips": 5}, headers=other).status_code == 404
    assert svc.client.get(url, headers=svc.headers("t1", ("dispatcher",))).json()["max_trips"] == 2


def test_day_plan_vehicle_gets_the_break_working_time_and_trips_in_seconds() -> None:
    from datetime import time as clock

    row = VehicleRow(
        code="V1",
        kind="van",
        capacity_weight_kg=800,
        capacity_volume_l=3000,
        capacity_boxes=40,
        shift_start=clock(8),
        shift_end=clock(18),
        fixed_cost_twd=0,
        break_start=clock(12),
        break_end=clock(13, 30),
        break_minutes=45,
        max_working_minutes=480,
        max_trips=3,
    )
    vehicle = fleet_vehicle(row, 0, date(2026, 11, 27), objective_units_per_twd=100, day_rules=True)
    (brk,) = vehicle.breaks
    assert (brk.window.start, brk.window.end, brk.duration) == (12 * 3600, 13.5 * 3600, 45 * 60)
    assert vehicle.max_working_time == 8 * 3600
    assert vehicle.max_trips == 3
    # Live re-plans and rush insertion start mid-day: they keep the plain vehicle.
    plain = fleet_vehicle(row, 0, date(2026, 11, 27), objective_units_per_twd=100)
    assert (plain.breaks, plain.max_working_time, plain.max_trips) == ((), None, 1)
