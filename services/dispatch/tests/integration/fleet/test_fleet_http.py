"""Depots, vehicles and drivers over HTTP on SQLite and PostgreSQL, with the vehicle sheet import."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import time
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.fleet.models import Vehicle

DEPOT = {"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57, "address": "台北市內湖區"}
DRIVER = {"code": "DR1", "name": "陳大明", "phone": "0911222333"}


def vehicle(code: str = "V1", **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "kind": "van",
        "capacity_weight_kg": 800,
        "capacity_volume_l": 3000,
        "capacity_boxes": 60,
        "shift_start": "08:00",
        "shift_end": "18:00",
        "fixed_cost_twd": 1500,
    } | changes


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def stored_vehicles(svc: ServiceUnderTest, tenant: str) -> list[Vehicle]:
    with svc.database.tenant_transaction(tenant) as session:
        return list(session.scalars(select(Vehicle).order_by(Vehicle.id)))


def test_dispatcher_creates_lists_and_reads_depot_vehicle_and_driver(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    depot = svc.client.post("/api/v1/depots", json=DEPOT, headers=headers)
    assert depot.status_code == 201
    van = svc.client.post("/api/v1/vehicles", json=vehicle(depot_id=depot.json()["id"]), headers=headers)
    assert van.status_code == 201, van.text
    assert van.json()["shift_start"] == "08:00:00" and van.json()["depot_id"] == depot.json()["id"]
    driver = svc.client.post("/api/v1/drivers", json=DRIVER, headers=headers)
    assert driver.status_code == 201
    for path, created in (("depots", depot), ("vehicles", van), ("drivers", driver)):
        listed = svc.client.get(f"/api/v1/{path}", headers=headers).json()
        assert [item["code"] for item in listed["items"]] == [created.json()["code"]]
        one = svc.client.get(f"/api/v1/{path}/{created.json()['id']}", headers=headers)
        assert one.json() == created.json()


def test_lists_page_with_limit_and_cursor(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    for n in range(3):
        svc.client.post("/api/v1/drivers", json=DRIVER | {"code": f"DR{n}"}, headers=headers)
    first = svc.client.get("/api/v1/drivers", params={"limit": 2}, headers=headers).json()
    rest = svc.client.get(
        "/api/v1/drivers", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    assert [d["code"] for d in first["items"] + rest["items"]] == ["DR0", "DR1", "DR2"]
    assert rest["next_cursor"] is None


def test_idempotent_vehicle_retry_creates_nothing_more_and_duplicate_code_is_409(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    keyed = headers | {"Idempotency-Key": "van-1"}
    assert svc.client.post("/api/v1/vehicles", json=vehicle(), headers=keyed).status_code == 201
    assert svc.client.post("/api/v1/vehicles", json=vehicle(), headers=keyed).status_code == 201
    assert len(stored_vehicles(svc, "t1")) == 1
    assert svc.client.post("/api/v1/vehicles", json=vehicle(), headers=headers).status_code == 409


BAD_FLEET_INPUT = [
    ("depots", DEPOT | {"lat": -91}, "lat"),
    ("vehicles", vehicle(shift_start="18:00", shift_end="08:00"), "body"),
    ("vehicles", vehicle(capacity_boxes=-1), "capacity_boxes"),
    ("vehicles", vehicle(kind="truck"), "kind"),
    ("vehicles", vehicle(depot_id=99), "depot_id"),
    ("drivers", DRIVER | {"age": 40}, "age"),
]


def test_bad_fleet_input_is_422_naming_the_field(svc: ServiceUnderTest) -> None:
    # One service start for all cases: starting it is most of a test's time.
    headers = svc.headers("t1", ("dispatcher",))
    for path, body, field in BAD_FLEET_INPUT:
        response = svc.client.post(f"/api/v1/{path}", json=body, headers=headers)
        assert response.status_code == 422, (path, field)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert any(field in err["loc"] for err in response.json()["errors"]), (path, field)
        assert svc.client.get(f"/api/v1/{path}", headers=headers).json()["items"] == []


def test_tenant_b_cannot_read_or_change_tenant_a_fleet(svc: ServiceUnderTest) -> None:
    a = svc.headers("ta", ("dispatcher",))
    b = svc.headers("tb", ("dispatcher",))
    created = {
        "depots": svc.client.post("/api/v1/depots", json=DEPOT, headers=a).json()["id"],
        "vehicles": svc.client.post("/api/v1/vehicles", json=vehicle(), headers=a).json()["id"],
        "drivers": svc.client.post("/api/v1/drivers", json=DRIVER, headers=a).json()["id"],
    }
    for path, row_id in created.items():
        assert svc.client.get(f"/api/v1/{path}/{row_id}", headers=b).status_code == 404
        assert svc.client.get(f"/api/v1/{path}", headers=b).json()["items"] == []
        assert svc.client.patch(f"/api/v1/{path}/{row_id}", json={}, headers=b).status_code == 404
        assert svc.client.delete(f"/api/v1/{path}/{row_id}", headers=b).status_code == 404
        assert svc.client.get(f"/api/v1/{path}/{row_id}", headers=a).status_code == 200
    # Tenant B cannot attach its vehicle to tenant A's depot either.
    stolen = svc.client.post("/api/v1/vehicles", json=vehicle(depot_id=created["depots"]), headers=b)
    assert stolen.status_code == 422


def test_dispatcher_changes_and_deletes_fleet_rows_and_an_integrator_cannot(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    depot = svc.client.post("/api/v1/depots", json=DEPOT, headers=headers).json()
    van = svc.client.post("/api/v1/vehicles", json=vehicle(depot_id=depot["id"]), headers=headers).json()
    changed = svc.client.patch(
        f"/api/v1/vehicles/{van['id']}", json={"shift_end": "20:30", "capacity_boxes": 80}, headers=headers
    )
    assert changed.json()["shift_end"] == "20:30:00" and changed.json()["capacity_boxes"] == 80
    inverted = svc.client.patch(f"/api/v1/vehicles/{van['id']}", json={"shift_end": "07:00"}, headers=headers)
    assert inverted.status_code == 422
    assert stored_vehicles(svc, "t1")[0].shift_end == time(20, 30)
    assert svc.client.delete(f"/api/v1/depots/{depot['id']}", headers=headers).status_code == 204
    assert stored_vehicles(svc, "t1")[0].depot_id is None
    driver = svc.client.post("/api/v1/drivers", json=DRIVER, headers=headers).json()
    linked = svc.client.patch(f"/api/v1/drivers/{driver['id']}", json={"user_subject": "user-42"}, headers=headers)
    assert linked.json()["user_subject"] == "user-42"
    assert svc.client.delete(f"/api/v1/drivers/{driver['id']}", headers=headers).status_code == 204
    integrator = svc.client.post("/api/v1/vehicles", json=vehicle("V9"), headers=svc.headers("t1", ("integrator",)))
    assert integrator.status_code == 403


VEHICLE_HEADER = (
    "code,kind,capacity_weight_kg,capacity_volume_l,capacity_boxes,shift_start,shift_end,fixed_cost_twd,depot_code"
)


def test_vehicle_csv_with_bad_rows_names_each_and_stores_nothing(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    svc.client.post("/api/v1/depots", json=DEPOT, headers=headers)
    content = "\n".join(
        [
            VEHICLE_HEADER,
            "V1,van,800,3000,60,08:00,18:00,1500,D1",
            "V2,truck,800,3000,60,08:00,18:00,1500,D1",
            "V3,scooter,30,80,-4,08:00,18:00,0,",
            "V4,scooter,30,80,4,08:00,18:00,0,D9",
            "V1,van,800,3000,60,08:00,18:00,1500,",
        ]
    ).encode()
    response = svc.client.post("/api/v1/vehicles/import", files={"file": ("fleet.csv", content)}, headers=headers)
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [
        (3, "kind"),
        (4, "capacity_boxes"),
        (5, "depot_code"),
        (6, "code"),
    ]
    assert stored_vehicles(svc, "t1") == []


def test_vehicle_xlsx_import_creates_the_fleet_at_its_depot(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    depot_id = svc.client.post("/api/v1/depots", json=DEPOT, headers=headers).json()["id"]
    book = Workbook()
    sheet = book.active
    sheet.append(VEHICLE_HEADER.split(","))
    sheet.append(["V1", "van", 800, 3000, 60, time(8), time(18), 1500, "D1"])
    sheet.append(["S1", "scooter", 30, 80, 4, "07:30", "14:00", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = svc.client.post(
        "/api/v1/vehicles/import", files={"file": ("fleet.xlsx", buffer.getvalue())}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"created": 2}
    van, scooter = stored_vehicles(svc, "t1")
    assert (van.code, van.depot_id, van.shift_end) == ("V1", depot_id, time(18))
    assert (scooter.kind, scooter.shift_start, scooter.depot_id, scooter.fixed_cost_twd) == (
        "scooter",
        time(7, 30),
        None,
        0,
    )
