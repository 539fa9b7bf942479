"""Training runs given a weather forecast: used when it covers the horizon, 422 naming a bad row."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from smartdist.jobs.models import Job
from smartdist_forecast.app import DEFINITION

from .pos_slices import pos_slice
from .test_sales_import import upload, wait_for_job
from .test_training_and_forecasts import all_forecasts

HORIZON = 7
URL = "/api/v1/training-runs"


def last_sale_per_store(data: bytes) -> dict[str, date]:
    last: dict[str, date] = {}
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        y, m, d = (int(p) for p in row["銷售日期"].split("/"))
        last[row["店號"]] = max(last.get(row["店號"], date.min), date(y, m, d))
    return last


def forecast_rows(last: dict[str, date], days: int = HORIZON) -> list[dict[str, Any]]:
    return [
        {
            "store": store,
            "date": (end + timedelta(days=k + 1)).isoformat(),
            "temp_low": 14.0 + k,
            "temp_high": 20.5 + k,
            "weather": "陣雨" if k % 3 == 0 else "多雲",
        }
        for store, end in sorted(last.items())
        for k in range(days)
    ]


def start(svc: Any, tenant: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {**svc.headers(tenant), **({"Idempotency-Key": key} if key else {})}
    return svc.client.post(URL, headers=headers, json=body)


def test_training_with_a_weather_forecast_uses_weather_and_a_partial_one_does_not(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=400)
    last = last_sale_per_store(data)
    with service_factory(DEFINITION, background=True) as svc:
        tenant = svc.new_tenant()
        upload(svc, tenant, data)
        body = {"horizon_days": HORIZON, "weather": forecast_rows(last)}
        started = start(svc, tenant, body, key="weather-run-1")
        assert started.status_code == 202, started.text
        job = wait_for_job(svc, tenant, started.json()["job_id"], timeout=120)
        assert job["status"] == "succeeded", job
        retry = start(svc, tenant, body, key="weather-run-1")
        assert retry.status_code == 202 and retry.json() == started.json()
        with svc.database.system_session() as session:
            assert session.scalar(select(func.count()).select_from(Job)) == 1
        weather = job["result"]["weather"]
        assert weather["used"] is True and weather["features"] == ["temp_mean", "temp_range", "rain"]
        assert "perfect" in weather["backtest"]
        assert job["result"]["metrics"]["global_lightgbm"]["weather_features"] is True
        rows = all_forecasts(svc, tenant)
        assert len(rows) == 2 * 3 * HORIZON
        assert all(r["yhat_lo"] <= r["yhat"] <= r["yhat_hi"] for r in rows)
        assert {r["date"] for r in rows} == {(max(last.values()) + timedelta(days=k + 1)).isoformat() for k in range(7)}
        version = svc.client.get("/api/v1/model-versions", headers=svc.headers(tenant)).json()["items"][0]
        assert version["metrics"]["global_lightgbm"]["weather_features"] is True

        # One store's last day missing: trained without weather, and the job says why.
        partial = forecast_rows(last)[:-1]
        started = start(svc, tenant, {"horizon_days": HORIZON, "weather": partial})
        assert started.status_code == 202, started.text
        job = wait_for_job(svc, tenant, started.json()["job_id"], timeout=120)
        assert job["status"] == "succeeded", job
        missing_store = sorted(last)[-1]
        missing_day = (last[missing_store] + timedelta(days=HORIZON)).isoformat()
        assert job["result"]["weather"]["used"] is False
        assert f"misses store {missing_store} on {missing_day}" in job["result"]["weather"]["reason"]
        assert job["result"]["metrics"]["global_lightgbm"]["weather_features"] is False
        assert len(all_forecasts(svc, tenant)) == 2 * 3 * HORIZON


def test_a_bad_weather_row_is_422_naming_the_row_and_field_and_queues_nothing(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=2, skus=1, days=60)
    last = last_sale_per_store(data)
    store = sorted(last)[0]
    with service_factory(DEFINITION) as svc:
        tenant, other = svc.new_tenant(), svc.new_tenant()
        upload(svc, tenant, data)
        good = forecast_rows(last)
        cases: list[tuple[dict[str, Any], str, str]] = [
            ({"temp_low": 25.0, "temp_high": 18.0}, "temp_high", "below temp_low"),
            ({"temp_low": 99.0}, "temp_low", "50"),
            ({"temp_high": -45.0}, "temp_high", "-30"),
            ({"date": last[store].isoformat()}, "date", "after the store's last sale"),
            ({"date": (last[store] + timedelta(days=HORIZON + 1)).isoformat()}, "date", "within the horizon"),
            ({"store": "99999"}, "store", "unknown store"),
            ({"date": good[0]["date"]}, "date", "duplicate of row 0"),
            ({"weather": "雨" * 61}, "weather", "60"),
            ({"wind": 3}, "wind", "不接受此欄位"),
        ]
        for change, field, message in cases:
            rows = [dict(r) for r in good]
            rows[2] = {**rows[2], **change}
            answer = start(svc, tenant, {"horizon_days": HORIZON, "weather": rows})
            assert answer.status_code == 422, (change, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            error = answer.json()["errors"][0]
            assert error["loc"] == ["body", "weather", 2, field], (change, error)
            assert message in error["message"], (change, error)
        missing = start(svc, tenant, {"horizon_days": HORIZON, "weather": [{"store": store, "date": "2025-01-01"}]})
        assert missing.status_code == 422
        assert {tuple(e["loc"]) for e in missing.json()["errors"]} == {
            ("body", "weather", 0, "temp_low"),
            ("body", "weather", 0, "temp_high"),
        }
        # Another tenant with its own sales cannot give weather for this tenant's stores.
        upload(svc, other, pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=1, skus=1, days=60))
        other_store = sorted(last)[1]
        foreign = [r for r in good if r["store"] == other_store]
        answer = start(svc, other, {"horizon_days": HORIZON, "weather": foreign})
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["loc"] == ["body", "weather", 0, "store"]
        with svc.database.system_session() as session:
            assert session.scalar(select(func.count()).select_from(Job)) == 0
