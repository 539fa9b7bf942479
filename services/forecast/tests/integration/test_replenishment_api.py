"""Order recommendations from the published forecast, and the inventory simulation job behind KPI 1."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist.kpi.models import KpiRecord
from smartdist_forecast.app import DEFINITION
from smartdist_forecast.replenishment.domain import SUGGESTED_EVENT

from .pos_slices import pos_slice
from .test_sales_import import upload, wait_for_job
from .test_training_and_forecasts import all_forecasts, train

URL = "/api/v1/replenishment/recommendations"
POLICY = {"lead_time_days": 2, "review_days": 7, "service_level": 0.95}
CSV_HEADER = (
    "store,sku,on_hand,on_order,expected_demand,safety_stock,order_up_to,order_qty,"
    "lead_time_days,review_period_days,pack_size,service_level,store_name,product_name"
)


def kpi_count(svc: Any, tenant: str, doc_type: str) -> int:
    with svc.database.tenant_session(tenant) as session:
        return len(session.scalars(select(KpiRecord).where(KpiRecord.doc_type == doc_type)).all())


def test_recommendations_follow_the_latest_forecast_and_the_simulation_fills_kpi_1(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=400)
    with service_factory(DEFINITION, background=True) as svc:
        tenant, other = svc.new_tenant(), svc.new_tenant()
        upload(svc, tenant, data)
        upload(svc, other, data)
        stock_row = {"store": "S?", "sku": "X", "on_hand": 3, "on_order": 0}
        no_forecast = svc.client.post(URL, headers=svc.headers(tenant), json={**POLICY, "stock": [stock_row]})
        assert no_forecast.status_code == 422
        assert no_forecast.json()["code"] == "forecast.replenishment.no_forecast"

        assert train(svc, tenant)["status"] == "succeeded"
        series = sorted({(r["store"], r["sku"]) for r in all_forecasts(svc, tenant)})
        stock = [{"store": s, "sku": k, "on_hand": 2, "on_order": 1} for s, k in series]
        answer = svc.client.post(URL, headers=svc.headers(tenant), json={**POLICY, "pack_size": 6, "stock": stock})
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        assert [(i["store"], i["sku"]) for i in items] == series
        # Names from the imported sales ride along (the pages and downloads show them).
        assert all(i["product_name"] and i["store_name"] for i in items), items[0]
        assert all(i["order_qty"] % 6 == 0 and i["order_qty"] >= 0 for i in items)
        assert all(i["order_up_to"] >= i["expected_demand"] for i in items)
        # Position 3 against ~9 days of demand: every series with demand orders something.
        assert sum(i["order_qty"] for i in items) > 0
        assert kpi_count(svc, tenant, "replenishment") == len(series)
        with svc.database.system_session() as session:
            events = session.scalars(select(OutboxEvent).where(OutboxEvent.type == SUGGESTED_EVENT)).all()
            lines_per_event = [(e.tenant_id, len(json.loads(e.payload)["data"]["lines"])) for e in events]
            assert lines_per_event == [(tenant, len(series))]

        csv_answer = svc.client.post(
            URL, headers=svc.headers(tenant), params={"format": "csv"}, json={**POLICY, "stock": stock[:2]}
        )
        assert csv_answer.status_code == 200 and csv_answer.headers["content-type"].startswith("text/csv")
        lines = csv_answer.content.decode("utf-8-sig").splitlines()
        assert lines[0] == CSV_HEADER and len(lines) == 3
        xlsx = svc.client.post(
            URL, headers=svc.headers(tenant), params={"format": "xlsx"}, json={**POLICY, "stock": stock[:1]}
        )
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert [c.value for c in sheet[1]] == CSV_HEADER.split(",") and sheet.max_row == 2

        before = kpi_count(svc, tenant, "replenishment")
        unknown = svc.client.post(URL, headers=svc.headers(tenant), json={**POLICY, "stock": [*stock, stock_row]})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["loc"] == ["body", "stock", len(stock)]
        assert kpi_count(svc, tenant, "replenishment") == before

        # Tenant B has its own sales but no forecast of its own: A's model is invisible.
        refused = svc.client.post(URL, headers=svc.headers(other), json={**POLICY, "stock": stock})
        assert refused.status_code == 422

        fresh_sku = series[0][1]
        put = svc.client.put(
            f"/api/v1/product-profiles/{fresh_sku}",
            headers=svc.headers(tenant),
            json={"shelf_life_days": 10, "unit_kg": 0.3},
        )
        assert put.status_code == 200 and put.json()["shelf_life_days"] == 10
        started = svc.client.post(
            "/api/v1/inventory-simulations", headers=svc.headers(tenant), json={**POLICY, "cover_days": 14}
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        job = wait_for_job(svc, tenant, job_id, timeout=120)
        assert job["status"] == "succeeded", job
        figures = dict(job["result"])
        products, left_out = figures.pop("products"), figures.pop("left_out")
        assert figures["fill_rate_policy_pct"] >= figures["fill_rate_rule_pct"] and figures["fill_rate_not_worse"]
        assert figures["avg_on_hand_rule"] > 0 and figures["avg_on_hand_policy"] > 0
        # Every imported series sold through the replayed weeks: all replayed, one row each.
        assert figures["series_simulated"] == len(products) == len(series) and left_out == []
        assert {(p["store"], p["sku"]) for p in products} == set(series)
        with svc.database.tenant_session(tenant) as session:
            simulated = session.scalars(select(KpiRecord).where(KpiRecord.doc_type == "inventory_simulation")).all()
            assert [(r.doc_no, r.status, r.extra) for r in simulated] == [(job_id, "simulated", figures)]
        summary = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(tenant)).json()
        cut = next(k for k in summary["kpis"] if k["code"] == "inventory_cut")
        expected = round(
            (figures["avg_on_hand_rule"] - figures["avg_on_hand_policy"]) / figures["avg_on_hand_rule"] * 100, 2
        )
        assert cut["value"] == expected == round(figures["inventory_cut"] * 100, 2)
        assert cut["met"] == (expected >= 5.0)
        assert figures["waste_kg_rule"] > 0 and figures["waste_kg_policy"] >= 0
        avoided = max(0.0, figures["waste_kg_rule"] - figures["waste_kg_policy"])
        assert summary["co2e_kg"] == pytest.approx(avoided * 2.06, abs=1e-6)
        other_summary = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(other)).json()
        assert next(k for k in other_summary["kpis"] if k["code"] == "inventory_cut")["value"] is None
        assert svc.client.get(f"/api/v1/jobs/{job_id}", headers=svc.headers(other)).status_code == 404


def test_bad_policies_and_stock_rows_are_422_and_log_nothing(service_factory):
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        row = {"store": "A", "sku": "B", "on_hand": 1}
        for body in (
            {**POLICY, "service_level": 0.9999, "stock": [row]},
            {**POLICY, "service_level": 0.4, "stock": [row]},
            {**POLICY, "review_days": 0, "stock": [row]},
            {**POLICY, "pack_size": 0, "stock": [row]},
            {**POLICY, "stock": []},
            {**POLICY, "stock": [{**row, "on_hand": -1}]},
            {**POLICY, "stock": [{**row, "x": 1}]},
        ):
            answer = svc.client.post(URL, headers=svc.headers(tenant), json=body)
            assert answer.status_code == 422, body
            assert answer.headers["content-type"].startswith("application/problem+json")
        for body in ({**POLICY}, {**POLICY, "cover_days": 0}, {**POLICY, "cover_days": 14, "x": 1}):
            answer = svc.client.post("/api/v1/inventory-simulations", headers=svc.headers(tenant), json=body)
            assert answer.status_code == 422, body
        no_sales = svc.client.post(
            "/api/v1/inventory-simulations", headers=svc.headers(tenant), json={**POLICY, "cover_days": 14}
        )
        assert no_sales.status_code == 422
        assert kpi_count(svc, tenant, "replenishment") == 0


def test_product_profiles_are_validated_replaced_and_kept_per_tenant(service_factory):
    with service_factory(DEFINITION) as svc:
        tenant, other = svc.new_tenant(), svc.new_tenant()
        url = "/api/v1/product-profiles"
        for bad in (
            {"shelf_life_days": 0, "unit_kg": 1},
            {"shelf_life_days": 3, "unit_kg": 0},
            {"shelf_life_days": 3},
            {"shelf_life_days": 3, "unit_kg": 1, "colour": "red"},
        ):
            answer = svc.client.put(f"{url}/A1", headers=svc.headers(tenant), json=bad)
            assert answer.status_code == 422
            assert answer.headers["content-type"].startswith("application/problem+json")
        assert svc.client.get(url, headers=svc.headers(tenant)).json()["items"] == []
        assert (
            svc.client.put(
                f"{url}/A1", headers=svc.headers(tenant), json={"shelf_life_days": 2, "unit_kg": 1.5}
            ).status_code
            == 200
        )
        assert (
            svc.client.put(
                f"{url}/A1", headers=svc.headers(tenant), json={"shelf_life_days": 4, "unit_kg": 0.2}
            ).status_code
            == 200
        )
        items = svc.client.get(url, headers=svc.headers(tenant)).json()["items"]
        assert [(i["sku"], i["shelf_life_days"], i["unit_kg"]) for i in items] == [("A1", 4, 0.2)]
        assert svc.client.get(url, headers=svc.headers(other)).json()["items"] == []
        assert (
            svc.client.put(
                f"{url}/A1", headers=svc.headers(other), json={"shelf_life_days": 9, "unit_kg": 9}
            ).status_code
            == 200
        )
        assert svc.client.get(url, headers=svc.headers(tenant)).json()["items"][0]["shelf_life_days"] == 4
