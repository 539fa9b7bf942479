"""The depot and driver sheets over HTTP on SQLite and PostgreSQL: all rows or none, one error per bad cell."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.fleet.models import Depot, Driver

DEPOT_HEADER = "code,name,lat,lng,address"
DRIVER_HEADER = "code,name,phone,vehicle_code"
VAN = {"code": "V1", "kind": "van", "capacity_weight_kg": 800, "capacity_volume_l": 3000, "capacity_boxes": 60}


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def stored_depots(svc: ServiceUnderTest, tenant: str) -> list[Depot]:
    with svc.database.tenant_transaction(tenant) as session:
        return list(session.scalars(select(Depot).order_by(Depot.id)))


def stored_drivers(svc: ServiceUnderTest, tenant: str) -> list[Driver]:
    with svc.database.tenant_transaction(tenant) as session:
        return list(session.scalars(select(Driver).order_by(Driver.id)))


def upload(svc: ServiceUnderTest, path: str, name: str, content: bytes, tenant: str = "t1", key: str | None = None):  # type: ignore[no-untyped-def]
    headers = svc.headers(tenant, ("dispatcher",)) | ({"Idempotency-Key": key} if key else {})
    return svc.client.post(path, files={"file": (name, content)}, headers=headers)


def test_depot_csv_with_a_bom_creates_every_depot(svc: ServiceUnderTest) -> None:
    content = "\n".join(
        [DEPOT_HEADER, "NH,內湖倉,25.0797,121.5753,台北市內湖區瑞光路 399 號", "BQ,板橋倉,25.0136,121.4627,"]
    ).encode("utf-8-sig")
    response = upload(svc, "/api/v1/depots/import", "depots.csv", content)
    assert response.status_code == 201, response.text
    assert response.json() == {"created": 2}
    neihu, banqiao = stored_depots(svc, "t1")
    assert (neihu.code, neihu.name, neihu.lat, neihu.address) == ("NH", "內湖倉", 25.0797, "台北市內湖區瑞光路 399 號")
    assert (banqiao.code, banqiao.address) == ("BQ", "")


def test_depot_sheet_with_bad_rows_names_each_cell_and_stores_nothing(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    stored = svc.client.post(
        "/api/v1/depots", json={"code": "OLD", "name": "舊倉", "lat": 25, "lng": 121.5}, headers=headers
    )
    assert stored.status_code == 201
    content = "\n".join(
        [
            DEPOT_HEADER,
            "NH,內湖倉,25.0797,121.5753,",
            "X1,北倉,95,121.5,",  # latitude out of range
            "X2,,25.01,abc,",  # no name, longitude not a number
            "OLD,重複,25.02,121.5,",  # code already stored
            "NH,再一次,25.03,121.5,",  # code already on row 2
        ]
    ).encode()
    response = upload(svc, "/api/v1/depots/import", "depots.csv", content)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "lat"), (4, "name"), (4, "lng"), (5, "code"), (6, "code")]
    assert errors[0]["loc"] == ["file", 3, "lat"]
    # Each cell's error in the merchant's language (zh-TW by default), its code beside it.
    assert errors[-1]["code"] == "dispatch.sheet.code_repeated" and errors[-1]["message"] == "代號 NH 已在第 2 列"
    assert [e["code"] for e in errors[:3]] == [
        "validation.less_than_equal",
        "validation.missing",
        "validation.float_parsing",
    ]
    assert errors[0]["message"] == "必須小於或等於 90"
    assert [d.code for d in stored_depots(svc, "t1")] == ["OLD"]


def test_driver_xlsx_names_the_usual_vehicle_by_code(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    van = svc.client.post("/api/v1/vehicles", json=VAN, headers=headers)
    assert van.status_code == 201
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Code", "Name", "Phone", "Vehicle_Code"])  # header names are case-insensitive
    sheet.append(["DR1", "陳大明", 912345678, "V1"])  # Excel keeps a phone number as a number
    sheet.append(["DR2", "林小華", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(svc, "/api/v1/drivers/import", "drivers.xlsx", buffer.getvalue())
    assert response.status_code == 201, response.text
    chen, lin = stored_drivers(svc, "t1")
    assert (chen.code, chen.phone, chen.vehicle_id, chen.user_subject) == ("DR1", "912345678", van.json()["id"], None)
    assert (lin.name, lin.phone, lin.vehicle_id) == ("林小華", "", None)
    listed = svc.client.get("/api/v1/drivers", headers=headers).json()["items"]
    assert [d["vehicle_id"] for d in listed] == [van.json()["id"], None]


def test_driver_sheet_with_an_unknown_vehicle_or_a_repeated_code_imports_nothing(svc: ServiceUnderTest) -> None:
    svc.client.post("/api/v1/vehicles", json=VAN, headers=svc.headers("t1", ("dispatcher",)))
    content = "\n".join([DRIVER_HEADER, "DR1,陳大明,0912,V1", "DR2,林小華,,V9", "DR1,王小明,,", "DR3,,,"]).encode()
    response = upload(svc, "/api/v1/drivers/import", "drivers.csv", content)
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [
        (3, "vehicle_code"),
        (4, "code"),
        (5, "name"),
    ]
    assert stored_drivers(svc, "t1") == []


def test_unreadable_sheets_are_422_on_the_file(svc: ServiceUnderTest) -> None:
    cases = [
        ("drivers.txt", b"code,name\nDR1,A\n"),  # not .csv or .xlsx
        ("drivers.csv", "code,name\nDR1,陳\n".encode("big5")),  # not UTF-8
        ("drivers.csv", b"name,phone\nA,1\n"),  # no code column
        ("drivers.csv", b"code,name,shoe_size\nDR1,A,42\n"),  # unknown column
        ("drivers.csv", b"code,name\n"),  # no rows
        ("drivers.xlsx", b"not a workbook"),
    ]
    for name, content in cases:
        response = upload(svc, "/api/v1/drivers/import", name, content)
        assert response.status_code == 422, (name, content)
        assert response.json()["errors"][0]["loc"] == ["file"]
    assert stored_drivers(svc, "t1") == []


def test_import_retry_with_the_same_key_replays_and_creates_nothing_more(svc: ServiceUnderTest) -> None:
    content = f"{DEPOT_HEADER}\nNH,內湖倉,25.0797,121.5753,\n".encode()
    first = upload(svc, "/api/v1/depots/import", "depots.csv", content, key="depots-1")
    again = upload(svc, "/api/v1/depots/import", "depots.csv", content, key="depots-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() == {"created": 1}
    assert len(stored_depots(svc, "t1")) == 1
    # Without the key the same file is a second import: its code is now taken.
    assert upload(svc, "/api/v1/depots/import", "depots.csv", content).status_code == 422


def test_sheets_see_only_the_callers_tenant(svc: ServiceUnderTest) -> None:
    svc.client.post("/api/v1/vehicles", json=VAN, headers=svc.headers("t1", ("dispatcher",)))
    depots = f"{DEPOT_HEADER}\nNH,內湖倉,25.0797,121.5753,\n".encode()
    assert upload(svc, "/api/v1/depots/import", "depots.csv", depots, tenant="t1").status_code == 201
    # Tenant B may use the same depot code, and cannot name tenant A's vehicle.
    assert upload(svc, "/api/v1/depots/import", "depots.csv", depots, tenant="t2").status_code == 201
    drivers = f"{DRIVER_HEADER}\nDR1,陳大明,,V1\n".encode()
    response = upload(svc, "/api/v1/drivers/import", "drivers.csv", drivers, tenant="t2")
    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "vehicle_code"
    assert stored_drivers(svc, "t2") == []
    assert len(stored_depots(svc, "t1")) == len(stored_depots(svc, "t2")) == 1
    listed = svc.client.get("/api/v1/depots", headers=svc.headers("t2", ("dispatcher",))).json()["items"]
    assert [d["code"] for d in listed] == ["NH"]


def test_only_a_dispatcher_imports_fleet_sheets(svc: ServiceUnderTest) -> None:
    content = f"{DEPOT_HEADER}\nNH,內湖倉,25.0797,121.5753,\n".encode()
    headers = svc.headers("t1", ("driver",))
    response = svc.client.post("/api/v1/depots/import", files={"file": ("d.csv", content)}, headers=headers)
    assert response.status_code == 403
    assert stored_depots(svc, "t1") == []
