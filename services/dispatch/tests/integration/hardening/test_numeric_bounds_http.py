"""Numbers out of what the business allows are a 422 naming the field (or the sheet's row and
column), never a stored value that breaks planning later: the outside probe's values, on every
resource that takes numbers (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.fleet.models import Vehicle
from smartdist_dispatch.orders.models import DeliveryOrder

TOO_BIG_FOR_BIGINT = 9223372036854775808


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def order(no: str = "A-1", **changes: Any) -> dict[str, Any]:
    return {"order_no": no, "customer_name": "林小姐", "lat": 25.033, "lng": 121.565} | changes


def post_raw(svc: ServiceUnderTest, path: str, text: str, tenant: str = "t1") -> Any:
    """Python's json writes Infinity and NaN, as a careless client does; the body goes as typed."""
    headers = svc.headers(tenant, ("dispatcher",)) | {"Content-Type": "application/json"}
    return svc.client.post(path, content=text.encode(), headers=headers)


def error_fields(response: Any) -> set[str]:
    return {str(e["loc"][-1]) for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", float("inf")),
        ("weight_kg", float("nan")),
        ("cash_to_collect_twd", 1e20),
        ("boxes", TOO_BIG_FOR_BIGINT),
        ("volume_l", 1e306),
        ("service_s", TOO_BIG_FOR_BIGINT),
        ("priority", 1e300),
        ("lat", float("-inf")),
    ],
)
def test_an_order_with_a_number_out_of_bounds_is_422_and_stores_nothing(
    svc: ServiceUnderTest, field: str, value: float
) -> None:
    response = post_raw(svc, "/api/v1/orders", json.dumps(order(**{field: value})))
    assert response.status_code == 422, response.text
    assert field in error_fields(response)
    with svc.database.tenant_transaction("t1") as session:
        assert list(session.scalars(select(DeliveryOrder))) == []


def test_the_largest_allowed_order_is_stored_and_planned(svc: ServiceUnderTest) -> None:
    """The probe's 1e306 litres broke every plan of the tenant; the bounds keep plans working."""
    headers = svc.headers("t1", ("dispatcher",))
    depot = svc.client.post("/api/v1/depots", json={"code": "D1", "name": "Neihu", "lat": 25.08, "lng": 121.57},
                            headers=headers).json()  # fmt: skip
    vehicle = {"code": "V1", "kind": "van", "capacity_weight_kg": 50_000, "capacity_volume_l": 200_000,
               "capacity_boxes": 100_000, "depot_id": depot["id"]}  # fmt: skip
    assert svc.client.post("/api/v1/vehicles", json=vehicle, headers=headers).status_code == 201
    big = order(weight_kg=10_000, volume_l=50_000, boxes=10_000, cash_to_collect_twd=10_000_000)
    assert svc.client.post("/api/v1/orders", json=big, headers=headers).status_code == 201
    assert post_raw(svc, "/api/v1/orders", json.dumps(order("A-2", volume_l=50_000.5))).status_code == 422
    planned = svc.client.post("/api/v1/plans", json={"plan_date": "2026-11-27", "depot_id": depot["id"]},
                              headers=headers)  # fmt: skip
    assert planned.status_code == 202, planned.text


def test_a_change_out_of_bounds_is_422_and_keeps_the_order(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    created = svc.client.post("/api/v1/orders", json=order(), headers=headers).json()
    for field, value in (("volume_l", 1e306), ("boxes", TOO_BIG_FOR_BIGINT), ("weight_kg", float("inf"))):
        response = svc.client.patch(
            f"/api/v1/orders/{created['id']}",
            content=json.dumps({field: value}).encode(),
            headers=headers | {"Content-Type": "application/json"},
        )
        assert response.status_code == 422 and field in error_fields(response), response.text
    assert svc.client.get(f"/api/v1/orders/{created['id']}", headers=headers).json()["volume_l"] == 0


def test_an_order_sheet_names_the_row_and_column_of_each_number_out_of_bounds(svc: ServiceUnderTest) -> None:
    content = (
        b"order_no,customer,lat,lng,service_min,weight_kg,volume_l,boxes,cash_twd\n"
        b"A-1,Lin,25.03,121.56,5,1,1,1,0\n"
        b"A-2,Wu,25.03,121.56,5,inf,1e306,9223372036854775808,1e20\n"
        b"A-3,Chen,25.03,121.56,1e400,nan,1,1,0\n"
    )
    response = svc.client.post(
        "/api/v1/orders/import",
        files={"file": ("orders.csv", content, "text/csv")},
        headers=svc.headers("t1", ("dispatcher",)),
    )
    assert response.status_code == 422, response.text
    cells = {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert cells == {(3, "weight_kg"), (3, "volume_l"), (3, "boxes"), (3, "cash_twd"), (4, "service_min"),
                     (4, "weight_kg")}  # fmt: skip
    with svc.database.tenant_transaction("t1") as session:
        assert list(session.scalars(select(DeliveryOrder))) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("capacity_weight_kg", float("inf")),
        ("capacity_volume_l", 1e306),
        ("capacity_boxes", TOO_BIG_FOR_BIGINT),
        ("fixed_cost_twd", 1e20),
        ("depot_id", TOO_BIG_FOR_BIGINT),
    ],
)
def test_a_vehicle_with_a_number_out_of_bounds_is_422(svc: ServiceUnderTest, field: str, value: float) -> None:
    vehicle = {"code": "V1", "kind": "van", "capacity_weight_kg": 500, "capacity_volume_l": 2000,
               "capacity_boxes": 80} | {field: value}  # fmt: skip
    response = post_raw(svc, "/api/v1/vehicles", json.dumps(vehicle))
    assert response.status_code == 422 and field in error_fields(response), response.text


def test_depots_drivers_and_the_vehicle_sheet_refuse_numbers_out_of_bounds(svc: ServiceUnderTest) -> None:
    depot = {"code": "D1", "name": "Neihu", "lat": float("nan"), "lng": 121.57}
    assert "lat" in error_fields(post_raw(svc, "/api/v1/depots", json.dumps(depot)))
    driver = {"code": "DR1", "name": "Wang", "vehicle_id": TOO_BIG_FOR_BIGINT}
    response = post_raw(svc, "/api/v1/drivers", json.dumps(driver))
    assert response.status_code == 422 and "vehicle_id" in error_fields(response)
    headers = svc.headers("t1", ("dispatcher",))
    assert svc.client.get(f"/api/v1/vehicles/{TOO_BIG_FOR_BIGINT}", headers=headers).status_code == 422
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "kind", "capacity_weight_kg", "capacity_volume_l", "capacity_boxes"])
    sheet.append(["V1", "van", 500, 2000, 80])
    sheet.append(["V2", "van", 1e306, 2000, TOO_BIG_FOR_BIGINT])
    buffer = io.BytesIO()
    book.save(buffer)
    imported = svc.client.post(
        "/api/v1/vehicles/import", files={"file": ("vehicles.xlsx", buffer.getvalue())}, headers=headers
    )
    assert imported.status_code == 422, imported.text
    assert {(e["row"], e["column"]) for e in imported.json()["errors"]} == {
        (3, "capacity_weight_kg"),
        (3, "capacity_boxes"),
    }
    with svc.database.tenant_transaction("t1") as session:
        assert list(session.scalars(select(Vehicle))) == []


def test_optimize_refuses_numbers_the_solver_cannot_take(svc: ServiceUnderTest) -> None:
    base: dict[str, Any] = {
        "depot": {"location": [0, 0]},
        "fleet": {"count": 1, "capacity": 10},
        "jobs": [{"id": 1, "location": [1, 1], "demand": 1}],
        "time_limit_s": 1,
    }
    cases = [
        ({"jobs": [{"id": 1, "location": [float("inf"), 1], "demand": 1}]}, "location"),
        ({"jobs": [{"id": 1, "location": [1, 1], "demand": TOO_BIG_FOR_BIGINT}]}, "demand"),
        ({"jobs": [{"id": 1, "location": [1e306, 1], "demand": 1}]}, "location"),
        ({"fleet": {"count": 1, "capacity": TOO_BIG_FOR_BIGINT}}, "capacity"),
        ({"jobs": [{"id": 1, "location": [1, 1], "service": float("nan")}]}, "service"),
    ]
    for changes, field in cases:
        response = post_raw(svc, "/api/v1/optimize", json.dumps(base | changes))
        assert response.status_code == 422, (changes, response.text)
        assert any(field in map(str, e["loc"]) for e in response.json()["errors"]), (changes, response.text)


def test_shift_and_break_times_are_local_times_without_an_offset(svc: ServiceUnderTest) -> None:
    """Found by the schemathesis run: "20:43Z" beside "00:04" made the break rule compare aware and
    naive times (a 500)."""
    vehicle = {"code": "V1", "kind": "van", "capacity_weight_kg": 500, "capacity_volume_l": 2000,
               "capacity_boxes": 80, "break_start": "00:04", "break_end": "20:11Z", "break_minutes": 30}  # fmt: skip
    response = post_raw(svc, "/api/v1/vehicles", json.dumps(vehicle))
    assert response.status_code == 422 and "break_end" in error_fields(response), response.text
    shift = post_raw(svc, "/api/v1/vehicles", json.dumps(vehicle | {"break_end": "20:11", "shift_end": "20:43+08:00"}))
    assert shift.status_code == 422 and "shift_end" in error_fields(shift), shift.text
