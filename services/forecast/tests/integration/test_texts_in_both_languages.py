"""Issue 13 item 4: every text a person reads from the forecast API comes in zh-TW (default) and
English, with a stable code beside it: import row errors, problem details, KPI names, progress."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from smartdist_forecast.app import DEFINITION
from smartdist_forecast.messages import MESSAGES

from .test_sales_import import upload

CJK = re.compile(r"[\u4e00-\u9fff]")
SOURCE = Path(__file__).resolve().parents[2] / "src" / "smartdist_forecast"


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


def test_every_code_the_service_raises_has_both_languages():
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'code="(forecast\.[a-z_.]+)"', text))
        codes |= set(re.findall(r'"code": "(forecast\.[a-z_.]+)"', text))
        codes |= set(re.findall(r'"(forecast\.(?:pos|online|file)\.[a-z_]+)"', text))
        progress = set(re.findall(r'"(forecast\.progress\.[a-z_.]+)"', text))
        assert all(key in MESSAGES["zh-TW"] and key in MESSAGES["en"] for key in progress), progress
    assert len(codes) > 40
    for code in codes:
        keys = [k for k in (f"problem.{code}", f"error.{code}") if k in MESSAGES["zh-TW"]]
        assert keys, f"{code} has no catalog text"
        for key in keys:
            assert chinese(MESSAGES["zh-TW"][key]) and key in MESSAGES["en"], key
    assert set(MESSAGES["zh-TW"]) == set(MESSAGES["en"])


def test_import_row_errors_and_problems_follow_the_language(service_factory, shared_data_dir):
    bad = (shared_data_dir / "forecast" / "pos_bad.csv").read_bytes()
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        refused = upload(svc, tenant, bad)
        assert refused.status_code == 422
        body: dict[str, Any] = refused.json()
        assert body["code"] == "forecast.import.rows_rejected" and chinese(body["detail"])
        assert chinese(body["title"]), body["title"]
        assert body["errors"] and all(e["code"].startswith("forecast.pos.") for e in body["errors"])
        assert all(chinese(e["message"]) and e["row"] for e in body["errors"]), body["errors"]
        duplicate = next(e for e in body["errors"] if e["code"] == "forecast.pos.duplicate")
        assert duplicate["message"] == "與第 1 列重複（相同店號、銷售日期、商品代碼）。"
        assert duplicate["params"] == {"first": 1}

        english = upload(svc, tenant, bad, lang="en").json()
        assert english["detail"].startswith(f"{body['rows_rejected']} row(s) have errors and nothing was imported")
        assert [e["code"] for e in english["errors"]] == [e["code"] for e in body["errors"]]
        assert next(e for e in english["errors"] if e["code"] == "forecast.pos.duplicate")["message"] == (
            "Duplicate of data row 1 (same 店號, 銷售日期, 商品代碼)."
        )

        # A partial import answers 200 with the same row errors, said in the request's language too.
        partial = upload(svc, tenant, bad, partial="true")
        assert partial.status_code == 200 and partial.json()["rows_accepted"] > 0
        assert all(chinese(e["message"]) for e in partial.json()["errors"])

        no_sales = svc.client.post(
            "/api/v1/inventory-simulations",
            headers=svc.headers(svc.new_tenant()),
            json={"lead_time_days": 2, "review_days": 7, "service_level": 0.95, "cover_days": 14},
        ).json()
        assert no_sales["code"] == "forecast.simulation.no_sales" and no_sales["detail"].startswith("尚未匯入銷售資料")
        invalid = svc.client.post(
            "/api/v1/inventory-simulations",
            headers=svc.headers(tenant),
            json={"lead_time_days": 2, "review_days": 7, "service_level": 0.95, "cover_days": 0},
        ).json()
        assert all(chinese(e["message"]) and "Input should" not in e["message"] for e in invalid["errors"])
        no_forecast = svc.client.post(
            "/api/v1/replenishment/recommendations",
            headers={**svc.headers(tenant), "Accept-Language": "en"},
            json={"lead_time_days": 2, "review_days": 7, "service_level": 0.95},
        ).json()
        assert no_forecast["detail"] == "No forecast yet: train a model first (Forecasts → Train now)."


def test_kpi_names_and_details_in_both_languages(service_factory):
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        zh = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(tenant)).json()
        en = svc.client.get("/api/v1/kpi/summary?lang=en", headers=svc.headers(tenant)).json()
        names = {k["code"]: k["name"] for k in zh["kpis"]}
        assert names["inventory_cut"] == "門市庫存降低（滿足率不低於目前規則）"
        assert names["series_forecast"] == "預測門市 × 商品數"
        cut = next(k for k in zh["kpis"] if k["code"] == "inventory_cut")
        assert cut["detail"].startswith("尚未執行庫存模擬")
        assert all(chinese(note) for note in zh["notes"])
        english = {k["code"]: k["name"] for k in en["kpis"]}
        assert english["inventory_cut"].startswith("Store inventory cut") and not any(
            chinese(name) for name in english.values()
        )
