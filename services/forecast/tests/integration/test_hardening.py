"""What an outside probe found: hostile uploads, download names in any script, spreadsheet
formulas in stored names, unbounded numbers, and handlers that would block the shared loop."""

from __future__ import annotations

import csv
import inspect
import io
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from openpyxl import load_workbook

from smartdist_forecast.app import DEFINITION
from smartdist_forecast.sales.online_orders import ONLINE_HEADER

from .pos_slices import pos_slice
from .test_sales_import import sales_count, upload
from .test_training_and_forecasts import train

CHINESE_STORE = "台北店"
FORMULA_SKU = "=cmd|' /C calc'!A0"
POLICY = {"lead_time_days": 2, "review_days": 7, "service_level": 0.95}


def hostile_pos(sample: Any) -> bytes:
    """A real POS file whose fourth line is the probe's row: 100k empty columns (200 KB)."""
    lines = pos_slice(sample, stores=1, skus=1, days=5).splitlines()
    return b"\n".join([*lines[:3], b"," * 100_000, *lines[3:]]) + b"\n"


def test_a_pos_upload_with_a_100k_column_row_is_a_422_naming_the_row(service_factory, shared_data_dir):
    data = hostile_pos(shared_data_dir / "forecast" / "pos_sample.csv")
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = upload(svc, tenant, data, partial="true")
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        body = answer.json()
        assert body["detail"] == "第 3 列超過 8192 位元組，這不像是 POS 匯出檔。"  # zh-TW by default
        assert body["code"] == "forecast.file.line_too_long" and body["errors"][0]["params"]["line"] == 3
        assert body["errors"][0]["loc"] == ["body", "file", 3] and body["errors"][0]["row"] == 3
        assert sales_count(svc, tenant) == 0
        report = svc.client.post(
            "/forecast-data/quality-report", headers=svc.headers(tenant), files={"file": ("pos.csv", data, "text/csv")}
        )
        assert report.status_code == 422 and report.json()["errors"][0]["row"] == 3


def test_an_online_orders_upload_with_a_far_too_long_line_is_a_422_naming_the_row(service_factory):
    good = "2024-01-01,10101,11001010,delivery,4,1,0"
    data = "\n".join([",".join(ONLINE_HEADER), good, "2024-01-02,10101," + "9" * 20_000 + ",pickup,1,0,0", ""])
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = svc.client.post(
            "/api/v1/online-orders/import",
            headers=svc.headers(tenant),
            files={"file": ("online.csv", data.encode(), "text/csv")},
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["row"] == 2 and answer.json()["code"] == "forecast.file.line_too_long"


def test_a_name_longer_than_its_column_is_a_422_naming_row_and_column(service_factory, shared_data_dir):
    # PostgreSQL refuses a value longer than its VARCHAR: that must be the caller's 422, not a 500.
    rows = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=1, skus=1, days=3).decode().splitlines()
    fields = rows[2].split(",")
    fields[4] = "鮮" * 301
    data = "\n".join([rows[0], rows[1], ",".join(fields), rows[3], ""]).encode("utf-8")
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        refused = upload(svc, tenant, data)
        assert refused.status_code == 422
        assert [(e["row"], e["column"]) for e in refused.json()["errors"]] == [(2, "品名")]
        partial = upload(svc, tenant, data, partial="true")
        assert partial.status_code == 200 and partial.json()["rows_accepted"] == 2
        assert sales_count(svc, tenant) == 2


def test_a_sales_download_of_a_chinese_store_name_is_named_in_utf8(service_factory):
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = svc.client.get(
            "/api/v1/sales", headers=svc.headers(tenant), params={"store": "店", "sku": "A", "format": "csv"}
        )
        assert answer.status_code == 200, answer.text
        disposition = answer.headers["content-disposition"]
        assert f"filename*=UTF-8''{quote('sales-店-A.csv', safe='')}" in disposition
        assert answer.content.decode("utf-8-sig").splitlines() == ["date,channel,qty,amount,stockout_qty,returned_qty"]


def renamed_series(sample: Any) -> bytes:
    """Two series of one store, recoded: the store as 台北店 and one SKU as a spreadsheet formula."""
    rows = list(csv.reader(io.StringIO(pos_slice(sample, stores=1, skus=2, days=400).decode("utf-8"))))
    first_sku = sorted({r[3] for r in rows[1:]})[0]
    for row in rows[1:]:
        row[0] = CHINESE_STORE
        if row[3] == first_sku:
            row[3], row[4] = FORMULA_SKU, FORMULA_SKU
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def test_every_download_names_its_file_in_any_script_and_no_cell_runs_as_a_formula(service_factory, shared_data_dir):
    data = renamed_series(shared_data_dir / "forecast" / "pos_sample.csv")
    with service_factory(DEFINITION, background=True) as svc:
        tenant = svc.new_tenant()
        assert upload(svc, tenant, data).status_code == 200
        headers = svc.headers(tenant)

        sales = svc.client.get(
            "/api/v1/sales", headers=headers, params={"store": CHINESE_STORE, "sku": FORMULA_SKU, "format": "csv"}
        )
        assert sales.status_code == 200 and "filename*=UTF-8''" in sales.headers["content-disposition"]
        assert len(sales.content.decode("utf-8-sig").splitlines()) == 401

        assert train(svc, tenant)["status"] == "succeeded"
        forecast_csv = svc.client.get("/api/v1/forecasts", headers=headers, params={"format": "csv"})
        lines = forecast_csv.content.decode("utf-8-sig").splitlines()
        formula_rows = [next(csv.reader([line])) for line in lines[1:] if "cmd" in line]
        assert formula_rows and all(r[0] == CHINESE_STORE and r[1] == "'" + FORMULA_SKU for r in formula_rows)
        sheet = load_workbook(
            io.BytesIO(svc.client.get("/api/v1/forecasts", headers=headers, params={"format": "xlsx"}).content)
        ).active
        skus = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert "'" + FORMULA_SKU in skus and FORMULA_SKU not in skus

        stock = [{"store": CHINESE_STORE, "sku": FORMULA_SKU, "on_hand": 1}]
        for fmt in ("csv", "xlsx"):
            answer = svc.client.post(
                "/api/v1/replenishment/recommendations",
                headers=headers,
                params={"format": fmt},
                json={**POLICY, "stock": stock},
            )
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-disposition"].startswith("attachment; filename=")
            if fmt == "csv":
                row = next(csv.reader([answer.content.decode("utf-8-sig").splitlines()[1]]))
            else:
                row = [c.value for c in load_workbook(io.BytesIO(answer.content)).active[2]]
            assert row[:2] == [CHINESE_STORE, "'" + FORMULA_SKU]
        # The JSON answer keeps the stored value as it is: only spreadsheets are neutralised.
        plain = svc.client.post(
            "/api/v1/replenishment/recommendations", headers=headers, json={**POLICY, "stock": stock}
        )
        assert plain.json()["items"][0]["sku"] == FORMULA_SKU


BAD_NUMBERS = [
    ("/api/v1/training-runs", {"horizon_days": 0}, ["body", "horizon_days"]),
    ("/api/v1/training-runs", {"horizon_days": 91}, ["body", "horizon_days"]),
    ("/api/v1/replenishment/recommendations", {**POLICY, "service_level": 0.9999}, ["body", "service_level"]),
    ("/api/v1/replenishment/recommendations", {**POLICY, "service_level": 0.4}, ["body", "service_level"]),
    ("/api/v1/replenishment/recommendations", {**POLICY, "lead_time_days": 61}, ["body", "lead_time_days"]),
    ("/api/v1/replenishment/recommendations", {**POLICY, "lead_time_days": -1}, ["body", "lead_time_days"]),
    ("/api/v1/replenishment/recommendations", {**POLICY, "review_days": 0}, ["body", "review_days"]),
    ("/api/v1/replenishment/recommendations", {**POLICY, "pack_size": 0}, ["body", "pack_size"]),
    ("/api/v1/replenishment/recommendations", {**POLICY, "pack_size": 10_001}, ["body", "pack_size"]),
    (
        "/api/v1/replenishment/recommendations",
        {**POLICY, "stock": [{"store": "1", "sku": "A", "on_hand": 1e12}]},
        ["body", "stock", 0, "on_hand"],
    ),
    (
        "/api/v1/replenishment/recommendations",
        {**POLICY, "stock": [{"store": "1", "sku": "A", "on_hand": 1, "on_order": -1}]},
        ["body", "stock", 0, "on_order"],
    ),
    ("/api/v1/inventory-simulations", {**POLICY, "cover_days": 0}, ["body", "cover_days"]),
    ("/api/v1/inventory-simulations", {**POLICY, "cover_days": 91}, ["body", "cover_days"]),
]


@pytest.mark.parametrize(("url", "body", "loc"), BAD_NUMBERS)
def test_numbers_outside_their_business_bounds_are_a_422_naming_the_field(service_factory, url, body, loc):
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = svc.client.post(url, headers=svc.headers(tenant), json=body)
        assert answer.status_code == 422, answer.text
        assert loc in [e["loc"] for e in answer.json()["errors"]]


NOT_FINITE = [
    (
        "/api/v1/replenishment/recommendations",
        '{"lead_time_days": 2, "review_days": 7, "service_level": NaN}',
        ["body", "service_level"],
    ),
    (
        "/api/v1/inventory-simulations",
        '{"lead_time_days": 2, "review_days": 7, "service_level": 0.95, "cover_days": Infinity}',
        ["body", "cover_days"],
    ),
    (
        "/api/v1/replenishment/recommendations",
        '{"lead_time_days": 2, "review_days": 7, "service_level": 0.95, '
        '"stock": [{"store": "1", "sku": "A", "on_hand": Infinity}]}',
        ["body", "stock", 0, "on_hand"],
    ),
    (
        "/api/v1/training-runs",
        '{"horizon_days": 7, "weather": [{"store": "1", "date": "2030-01-01", "temp_low": NaN, "temp_high": 20}]}',
        ["body", "weather", 0, "temp_low"],
    ),
]


@pytest.mark.parametrize(("url", "raw", "loc"), NOT_FINITE)
def test_nan_and_infinity_are_refused(service_factory, url, raw, loc):
    # Python's JSON reader accepts NaN and Infinity; a float field must still refuse them.
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = svc.client.post(
            url, headers=svc.headers(tenant) | {"content-type": "application/json"}, content=raw.encode()
        )
        assert answer.status_code == 422, answer.text
        assert loc in [e["loc"] for e in answer.json()["errors"]]


def test_no_handler_is_async():
    # The demo runs all six services on one event loop: a sync DB call in an async def blocks them all.
    routers = [*DEFINITION.routers, DEFINITION.pages]
    endpoints = [(r.path, r.endpoint) for router in routers if router for r in router.routes if isinstance(r, APIRoute)]
    assert len(endpoints) >= 15
    assert [path for path, endpoint in endpoints if inspect.iscoroutinefunction(endpoint)] == []
