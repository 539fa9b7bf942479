"""Delivery orders over HTTP on SQLite and PostgreSQL: create, list, import, isolation, KPI and event."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist.kpi import KpiRecord
from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.orders.models import DeliveryOrder

HEADER = (
    "order_no,customer,phone,address,lat,lng,window_start,window_end,service_min,weight_kg,"
    "volume_l,boxes,priority,cash_twd,notes"
)


def order(no: str = "A-1", **changes: Any) -> dict[str, Any]:
    return {
        "order_no": no,
        "customer_name": "林小姐",
        "phone": "0912345678",
        "address": "台北市信義路五段7號",
        "lat": 25.033,
        "lng": 121.565,
        "time_windows": [
            ["2026-11-27T09:00:00+08:00", "2026-11-27T12:00:00+08:00"],
            ["2026-11-27T18:00:00+08:00", "2026-11-27T20:00:00+08:00"],
        ],
        "service_s": 300,
        "weight_kg": 2.5,
        "volume_l": 10,
        "boxes": 1,
        "priority": 1,
        "cash_to_collect_twd": 450,
        "notes": "請按門鈴",
    } | changes


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def stored_orders(svc: ServiceUnderTest, tenant: str) -> list[DeliveryOrder]:
    with svc.database.tenant_transaction(tenant) as session:
        return list(session.scalars(select(DeliveryOrder)))


def test_dispatcher_creates_lists_and_reads_an_order_with_two_windows(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    created = svc.client.post("/api/v1/orders", json=order(), headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "created"
    assert len(body["time_windows"]) == 2
    assert datetime.fromisoformat(body["time_windows"][1][0]) == datetime.fromisoformat("2026-11-27T10:00:00Z")
    listed = svc.client.get("/api/v1/orders", params={"status": "created"}, headers=headers).json()
    assert [o["order_no"] for o in listed["items"]] == ["A-1"]
    assert svc.client.get("/api/v1/orders", params={"status": "delivered"}, headers=headers).json()["items"] == []
    one = svc.client.get(f"/api/v1/orders/{body['id']}", headers=headers).json()
    assert one["cash_to_collect_twd"] == 450 and one["customer_name"] == "林小姐"


def test_creating_an_order_records_kpi_and_publishes_order_created(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    assert svc.client.post("/api/v1/orders", json=order("A-0"), headers=headers).status_code == 201
    svc.client.post(
        "/api/v1/depots", json={"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57}, headers=headers
    )
    assert svc.client.post("/api/v1/orders", json=order(), headers=headers).status_code == 201
    with svc.database.tenant_transaction("t1") as session:
        kpis = session.scalars(
            select(KpiRecord).where(KpiRecord.doc_type == "delivery_order").order_by(KpiRecord.id)
        ).all()
        events = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    # Without a depot the merchant itself is the sender; with one, the depot.
    assert [(k.doc_no, k.status, k.sender, k.receiver) for k in kpis] == [
        ("A-0", "created", "merchant", "林小姐"),
        ("A-1", "created", "D1", "林小姐"),
    ]
    created = [e for e in events if e.type == "smartdist.dispatch.order.created"]
    assert [(e.subject, e.tenant_id) for e in created] == [("A-0", "t1"), ("A-1", "t1")]


def test_idempotent_retry_creates_nothing_more_and_a_duplicate_order_no_is_409(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("integrator",)) | {"Idempotency-Key": "shop-order-77"}
    first = svc.client.post("/api/v1/orders", json=order(), headers=headers)
    again = svc.client.post("/api/v1/orders", json=order(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert len(stored_orders(svc, "t1")) == 1
    # Without the key the same order number is a conflict, not a second order.
    again = svc.client.post(
        "/api/v1/orders", json=order(customer_name="王先生"), headers=svc.headers("t1", ("dispatcher",))
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


BAD_ORDERS = [
    ({"lat": 91}, "lat"),
    ({"time_windows": [["2026-11-27T12:00:00+08:00", "2026-11-27T09:00:00+08:00"]]}, "time_windows"),
    ({"time_windows": [["2026-11-27T09:00:00", "2026-11-27T12:00:00"]]}, "time_windows"),  # no offset
    ({"weight_kg": -1}, "weight_kg"),
    ({"colour": "red"}, "colour"),
]


def test_bad_order_is_422_naming_the_field_and_stores_nothing(svc: ServiceUnderTest) -> None:
    # One service start for all cases: starting it is most of a test's time.
    for changes, field in BAD_ORDERS:
        response = svc.client.post("/api/v1/orders", json=order(**changes), headers=svc.headers("t1", ("dispatcher",)))
        assert response.status_code == 422, field
        assert response.headers["content-type"].startswith("application/problem+json")
        assert any(field in err["loc"] for err in response.json()["errors"]), field
    assert stored_orders(svc, "t1") == []


def test_csv_with_three_bad_rows_names_all_three_and_stores_nothing(svc: ServiceUnderTest) -> None:
    lines = [
        HEADER,
        "A-1,林小姐,0912345678,信義路,25.03,121.56,2026-11-27T09:00:00+08:00,2026-11-27T12:00:00+08:00,5,2,10,1,0,0,",
        "A-2,王先生,0922,中山路,95.0,121.5,,,5,1,1,1,0,0,",  # latitude out of range
        "A-3,陳太太,0933,民生路,25.05,121.52,2026-11-27T12:00:00+08:00,2026-11-27T09:00:00+08:00,5,1,1,1,0,0,",
        "A-1,林小姐,0912345678,信義路,25.03,121.56,,,5,2,10,1,0,0,duplicate of row 2",
        "A-5,張先生,0955,南京東路,25.05,121.54,,,5,1,1,1,0,0,",
    ]
    content = ("\ufeff" + "\n".join(lines)).encode("utf-8")
    response = svc.client.post(
        "/api/v1/orders/import",
        files={"file": ("orders.csv", content, "text/csv")},
        headers=svc.headers("t1", ("dispatcher",)),
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "lat"), (4, "window_end"), (5, "order_no")]
    assert errors[0]["loc"] == ["file", 3, "lat"]
    assert stored_orders(svc, "t1") == []


def test_good_csv_imports_every_row_and_rejects_order_nos_already_stored(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    content = (
        HEADER + ",window2_start,window2_end\n"
        "B-1,林小姐,0912,信義路,25.03,121.56,2026-11-27 09:00,2026-11-27 12:00,4,2,10,1,0,300,,"
        "2026-11-27 18:00,2026-11-27 20:00\n"
        "B-2,王先生,,中山路,25.04,121.52,,,,,,,,,,,\n"
    ).encode()
    first = svc.client.post("/api/v1/orders/import", files={"file": ("o.csv", content)}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json() == {"created": 2}
    b1 = next(o for o in stored_orders(svc, "t1") if o.order_no == "B-1")
    assert b1.service_s == 240 and b1.cash_to_collect_twd == 300
    assert [datetime.fromisoformat(w[0]).utcoffset().total_seconds() for w in b1.time_windows] == [8 * 3600] * 2
    again = svc.client.post("/api/v1/orders/import", files={"file": ("o.csv", content)}, headers=headers)
    assert again.status_code == 422
    assert [(e["row"], e["column"]) for e in again.json()["errors"]] == [(2, "order_no"), (3, "order_no")]


def test_import_retried_with_its_idempotency_key_creates_nothing_more(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",)) | {"Idempotency-Key": "sheet-2026-11-27"}
    content = (HEADER + "\nC-1,林小姐,,,25.03,121.56,,,,,,,,,\n").encode()
    # Each request gets a fresh multipart boundary, as a browser's retry would.
    first = svc.client.post("/api/v1/orders/import", files={"file": ("o.csv", content)}, headers=headers)
    again = svc.client.post("/api/v1/orders/import", files={"file": ("o.csv", content)}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == {"created": 1}
    assert len(stored_orders(svc, "t1")) == 1
    longer = content + "C-2,王,,,25,121,,,,,,,,,\n".encode()
    other = svc.client.post("/api/v1/orders/import", files={"file": ("o.csv", longer)}, headers=headers)
    assert other.status_code == 422  # the same key for a different sheet is refused


def test_xlsx_import_creates_the_orders(svc: ServiceUnderTest) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "X-1",
            "林小姐",
            912345678,
            "信義路",
            25.03,
            121.56,
            datetime(2026, 11, 27, 9),
            datetime(2026, 11, 27, 12),
            5,
            2.5,
            10,
            1,
            2,
            500,
            "fragile",
        ]
    )
    sheet.append(["X-2", "王先生", None, "中山路", 25.04, 121.52, None, None, None, None, None, 3, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = svc.client.post(
        "/api/v1/orders/import",
        headers=svc.headers("t1", ("integrator",)),
        files={
            "file": (
                "orders.xlsx",
                buffer.getvalue(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"created": 2}
    orders = {o.order_no: o for o in stored_orders(svc, "t1")}
    assert orders["X-1"].phone == "912345678" and orders["X-1"].weight_kg == 2.5
    assert datetime.fromisoformat(orders["X-1"].time_windows[0][0]) == datetime.fromisoformat("2026-11-27T01:00:00Z")
    assert orders["X-2"].boxes == 3


def test_unreadable_upload_is_422_and_stores_nothing(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    wrong_type = svc.client.post("/api/v1/orders/import", files={"file": ("o.txt", b"x")}, headers=headers)
    no_header = svc.client.post(
        "/api/v1/orders/import", files={"file": ("o.csv", b"order_no,lat\n1,2\n")}, headers=headers
    )
    not_utf8 = svc.client.post(
        "/api/v1/orders/import", files={"file": ("o.csv", "訂單".encode("big5"))}, headers=headers
    )
    assert [r.status_code for r in (wrong_type, no_header, not_utf8)] == [422, 422, 422]
    assert "customer" in no_header.json()["detail"]
    assert stored_orders(svc, "t1") == []


def test_tenant_b_cannot_read_or_change_tenant_a_orders(svc: ServiceUnderTest) -> None:
    created = svc.client.post("/api/v1/orders", json=order(), headers=svc.headers("ta", ("dispatcher",))).json()
    b = svc.headers("tb", ("dispatcher",))
    assert svc.client.get(f"/api/v1/orders/{created['id']}", headers=b).status_code == 404
    assert svc.client.get("/api/v1/orders", headers=b).json()["items"] == []
    assert svc.client.patch(f"/api/v1/orders/{created['id']}", json={"notes": "x"}, headers=b).status_code == 404
    assert svc.client.delete(f"/api/v1/orders/{created['id']}", headers=b).status_code == 404
    # Tenant B may use the same order number: numbers are unique per tenant only.
    assert svc.client.post("/api/v1/orders", json=order(), headers=b).status_code == 201
    assert stored_orders(svc, "ta")[0].notes == "請按門鈴"


def test_dispatcher_changes_and_deletes_a_created_order_and_other_roles_cannot(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    created = svc.client.post("/api/v1/orders", json=order(), headers=svc.headers("t1", ("integrator",))).json()
    changed = svc.client.patch(
        f"/api/v1/orders/{created['id']}", json={"boxes": 3, "time_windows": []}, headers=headers
    )
    assert changed.status_code == 200
    assert changed.json()["boxes"] == 3 and changed.json()["time_windows"] == []
    bad = svc.client.patch(f"/api/v1/orders/{created['id']}", json={"lng": 200}, headers=headers)
    assert bad.status_code == 422
    assert (
        svc.client.delete(f"/api/v1/orders/{created['id']}", headers=svc.headers("t1", ("integrator",))).status_code
        == 403
    )
    assert svc.client.post("/api/v1/orders", json=order("Z"), headers=svc.headers("t1", ("driver",))).status_code == 403
    assert svc.client.delete(f"/api/v1/orders/{created['id']}", headers=headers).status_code == 204
    assert stored_orders(svc, "t1") == []
