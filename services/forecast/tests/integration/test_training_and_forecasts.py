"""Training runs as a job, the model registry, and GET /api/v1/forecasts in json, csv and xlsx."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist.kpi.models import KpiRecord
from smartdist_forecast.app import DEFINITION
from smartdist_forecast.publishing.domain import PUBLISHED_EVENT
from smartdist_forecast.publishing.models import ForecastPoint

from .pos_slices import pos_slice
from .test_sales_import import upload, wait_for_job

HORIZON = 14


def train(svc: Any, tenant: str, horizon: int = HORIZON) -> dict[str, Any]:
    started = svc.client.post("/api/v1/training-runs", headers=svc.headers(tenant), json={"horizon_days": horizon})
    assert started.status_code == 202, started.text
    return wait_for_job(svc, tenant, started.json()["job_id"], timeout=120)


def all_forecasts(svc: Any, tenant: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = svc.client.get("/api/v1/forecasts", headers=svc.headers(tenant), params=query)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def test_import_train_and_read_the_forecast_in_every_format(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=400)
    with service_factory(DEFINITION, background=True) as svc:
        tenant, other = svc.new_tenant(), svc.new_tenant()
        assert upload(svc, tenant, data).json()["rows_accepted"] == 2 * 3 * 400
        job = train(svc, tenant)
        assert job["status"] == "succeeded", job
        assert job["result"]["series"] == 6
        assert set(job["result"]) == {"model_version_id", "series", "metrics"}
        assert all("wape" in m for m in job["result"]["metrics"].values())

        rows = all_forecasts(svc, tenant)
        assert len(rows) == 2 * 3 * HORIZON
        assert all(r["yhat_lo"] <= r["yhat"] <= r["yhat_hi"] for r in rows)
        assert len({(r["store"], r["sku"]) for r in rows}) == 6
        first = rows[0]
        one = all_forecasts(svc, tenant, store=first["store"], sku=first["sku"], to=first["date"])
        assert one == [first]

        csv_answer = svc.client.get("/api/v1/forecasts", headers=svc.headers(tenant), params={"format": "csv"})
        assert csv_answer.status_code == 200
        lines = csv_answer.content.decode("utf-8-sig").splitlines()
        assert lines[0] == "store,sku,date,yhat,yhat_lo,yhat_hi"
        assert len(lines) == 1 + 2 * 3 * HORIZON
        assert lines[1].split(",")[2] == first["date"]

        xlsx = svc.client.get("/api/v1/forecasts", headers=svc.headers(tenant), params={"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert [c.value for c in sheet[1]] == ["store", "sku", "date", "yhat", "yhat_lo", "yhat_hi"]
        assert sheet.max_row == 1 + 2 * 3 * HORIZON

        versions = svc.client.get("/api/v1/model-versions", headers=svc.headers(tenant)).json()["items"]
        assert [v["id"] for v in versions] == [job["result"]["model_version_id"]]
        assert versions[0]["horizon_days"] == HORIZON and versions[0]["n_series"] == 6
        # The chosen combination and its back-test scores are served with the version.
        selection = versions[0]["selection"]
        assert versions[0]["chosen_model"] == selection["chosen"] == "combination"
        assert len(selection["windows"]) == 3 and selection["held_out_series_per_window"] == 1
        assert sum(g["series"] for g in selection["groups"].values()) == 6
        assert {"later_days", "held_out_series"} <= set(selection["scores"]["global_lightgbm"])
        with svc.database.tenant_session(tenant) as session:
            published = session.scalars(select(KpiRecord).where(KpiRecord.doc_type == "forecast")).all()
            assert sorted(r.doc_no for r in published) == sorted({f"{r['store']}:{r['sku']}" for r in rows})
            assert {r.status for r in published} == {"published"}
        with svc.database.system_session() as session:
            events = session.scalars(select(OutboxEvent).where(OutboxEvent.type == PUBLISHED_EVENT)).all()
            assert [(e.tenant_id, e.subject) for e in events] == [(tenant, job["result"]["model_version_id"])]

        # Tenant B sees none of it and cannot train on A's sales.
        assert all_forecasts(svc, other) == []
        assert svc.client.get("/api/v1/model-versions", headers=svc.headers(other)).json()["items"] == []
        refused = svc.client.post("/api/v1/training-runs", headers=svc.headers(other), json={"horizon_days": 7})
        assert refused.status_code == 422

        # Retraining publishes a new version whose points replace the previous ones.
        second = train(svc, tenant, horizon=4)
        assert second["status"] == "succeeded", second
        assert len(all_forecasts(svc, tenant)) == 2 * 3 * 4
        with svc.database.tenant_session(tenant) as session:
            assert len(session.scalars(select(ForecastPoint)).all()) == 2 * 3 * 4
        versions = svc.client.get("/api/v1/model-versions", headers=svc.headers(tenant)).json()["items"]
        assert [v["horizon_days"] for v in versions] == [4, HORIZON]


def test_too_little_history_fails_the_job_with_a_reason_and_publishes_nothing(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=1, skus=1, days=20)
    with service_factory(DEFINITION, background=True) as svc:
        tenant = svc.new_tenant()
        upload(svc, tenant, data)
        job = train(svc, tenant, horizon=3)
        assert job["status"] == "failed"
        assert "cannot train" in job["error"]
        assert all_forecasts(svc, tenant) == []


def test_horizon_outside_1_to_90_and_bad_queries_are_422(service_factory):
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        for body in ({"horizon_days": 0}, {"horizon_days": 91}, {"horizon_days": "x"}, {}, {"horizon_days": 7, "x": 1}):
            answer = svc.client.post("/api/v1/training-runs", headers=svc.headers(tenant), json=body)
            assert answer.status_code == 422, body
            assert answer.headers["content-type"].startswith("application/problem+json")
        for params in ({"format": "pdf"}, {"from": "2024-13-01"}, {"from": "2024-02-01", "to": "2024-01-01"}):
            answer = svc.client.get("/api/v1/forecasts", headers=svc.headers(tenant), params=params)
            assert answer.status_code == 422, params
