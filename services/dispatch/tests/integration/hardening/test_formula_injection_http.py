"""A note typed as a spreadsheet formula is stored as the merchant typed it, and every download
writes it back as inert text (OWASP CSV injection), CSV and Excel alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION

PAYLOADS = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3"]


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def test_formula_notes_round_trip_from_the_order_sheet_into_exports_as_text(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    lines = io.StringIO()
    writer = csv.writer(lines)
    writer.writerow(["order_no", "customer", "lat", "lng", "notes"])
    for k, payload in enumerate(PAYLOADS):
        writer.writerow([f"F-{k}", '=HYPERLINK("http://evil")', 25.03, 121.56, payload])
    imported = svc.client.post(
        "/api/v1/orders/import", files={"file": ("orders.csv", lines.getvalue().encode())}, headers=headers
    )
    assert imported.status_code == 201, imported.text
    # Stored as typed: the order is the merchant's, only the download has to be safe.
    stored = svc.client.get("/api/v1/orders", headers=headers).json()["items"]
    assert [o["notes"] for o in stored] == PAYLOADS

    exported = svc.client.get("/api/v1/orders/export", params={"format": "csv"}, headers=headers)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == 'attachment; filename="dispatch-orders.csv"'
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["notes"] for r in rows] == ["'" + p for p in PAYLOADS]
    assert {r["customer"] for r in rows} == {'\'=HYPERLINK("http://evil")'}
    assert [r["order_no"] for r in rows] == ["F-0", "F-1", "F-2", "F-3"]

    workbook = svc.client.get("/api/v1/orders/export", params={"format": "xlsx"}, headers=headers)
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    notes = [row[header.index("notes")] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in notes] == ["s"] * len(PAYLOADS)  # text cells, not formulas
    assert [c.value for c in notes] == ["'" + p for p in PAYLOADS]


def test_the_export_reads_only_the_callers_orders(svc: ServiceUnderTest) -> None:
    order = {"order_no": "A-1", "customer_name": "Lin", "lat": 25.03, "lng": 121.56}
    assert svc.client.post("/api/v1/orders", json=order, headers=svc.headers("t1", ("dispatcher",))).status_code == 201
    other = svc.client.get("/api/v1/orders/export", headers=svc.headers("t2", ("dispatcher",)))
    assert list(csv.DictReader(io.StringIO(other.content.decode("utf-8-sig")))) == []
