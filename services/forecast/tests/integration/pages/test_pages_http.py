"""The forecast pages over HTTP on SQLite and PostgreSQL: sign-in gate, empty states, a tenant with
imported sales and a trained model, the quality report of an upload, and tenancy."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from smartdist.testing.platform import ServiceUnderTest
from smartdist_forecast.app import DEFINITION
from smartdist_forecast.sales.models import SalesDay

from ..pos_slices import pos_slice

PAGES = ("/", "/sales/upload", "/forecasts", "/accuracy", "/replenishment")
# A data row whose date cannot be read: the import names it, the quality report counts it.
BAD_ROW = (
    "10101,台北南京店,2024/13/45,11001010,芝司樂原味高鈣起司250g,11000,乳品冷藏,3,387,20240101,星期一,晴,15~24,1\n"
)


def upload(svc: ServiceUnderTest, tenant: str, data: bytes, **params: Any) -> Any:
    files = {"file": ("pos.csv", data, "text/csv")}
    return svc.client.post("/api/v1/sales/import", headers=svc.headers(tenant), params=params, files=files)


def wait_for_job(svc: ServiceUnderTest, tenant: str, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = svc.client.get(f"/api/v1/jobs/{job_id}", headers=svc.headers(tenant)).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def run_job(svc: ServiceUnderTest, tenant: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    started = svc.client.post(path, headers=svc.headers(tenant), json=body)
    assert started.status_code == 202, started.text
    job = wait_for_job(svc, tenant, started.json()["job_id"])
    assert job["status"] == "succeeded", job
    return job


@pytest.fixture
def svc(service_factory):  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION, background=True) as started:
        yield started


def test_pages_ask_for_sign_in_and_speak_zh_tw_by_default(svc: ServiceUnderTest) -> None:
    for path in PAGES:
        response = svc.client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/signin?next={path}"
    headers = svc.headers(svc.new_tenant())
    zh = svc.client.get("/sales/upload", headers=headers)
    assert zh.status_code == 200 and "匯入 POS 銷售資料" in zh.text and "預測圖表" in zh.text
    en = svc.client.get("/sales/upload?lang=en", headers=headers)
    assert "Import POS sales" in en.text and "匯入 POS 銷售資料" not in en.text
    consumer = svc.headers(svc.new_tenant(), ["consumer"], kind="consumer")
    refused = svc.client.get("/forecasts", headers=consumer)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    asset = svc.client.get("/forecast-static/forecast-pages.js")
    assert asset.status_code == 200 and "uploadPage" in asset.text
    assert svc.client.get("/forecast-static/..%2Fapi.py").status_code == 404
    assert svc.client.get("/forecast-static/nothing.js").status_code == 404


def test_a_tenant_without_data_sees_empty_states_not_errors(svc: ServiceUnderTest) -> None:
    headers = svc.headers(svc.new_tenant())
    texts = {path: svc.client.get(path + "?lang=en", headers=headers) for path in PAGES}
    assert all(r.status_code == 200 for r in texts.values()), {p: r.status_code for p, r in texts.items()}
    assert "No sales imported yet" in texts["/"].text
    assert 'id="forecasts-empty"' in texts["/forecasts"].text and "<canvas" not in texts["/forecasts"].text
    assert "No model versions yet" in texts["/accuracy"].text
    page = texts["/replenishment"].text
    assert "No forecast yet" in page and "No sales imported yet, so there is nothing to simulate" in page
    assert "No inventory simulation has been run yet" in page


def test_pages_show_the_tenants_series_model_and_simulation_and_nothing_of_another_tenant(
    svc: ServiceUnderTest, shared_data_dir: Any
) -> None:
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=2, skus=2, days=260)
    tenant, other = svc.new_tenant(), svc.new_tenant()
    assert upload(svc, tenant, data).status_code == 200
    job = run_job(svc, tenant, "/api/v1/training-runs", {"horizon_days": 14})
    version_id = job["result"]["model_version_id"]
    simulation = run_job(
        svc,
        tenant,
        "/api/v1/inventory-simulations",
        {"lead_time_days": 2, "review_days": 7, "service_level": 0.95, "cover_days": 14},
    )["result"]
    series = svc.client.get("/api/v1/series", headers=svc.headers(tenant)).json()["items"]
    assert len(series) == 4
    first = series[0]

    home = svc.client.get("/?lang=en", headers=svc.headers(tenant)).text
    assert '<strong id="series-count">4</strong>' in home and "No sales imported yet" not in home
    last_sale = max(s["last_date"] for s in series)
    assert f'<strong id="last-sale">{last_sale}</strong>' in home and f"model data up to {last_sale}" in home

    forecasts = svc.client.get(
        "/forecasts?lang=en", headers=svc.headers(tenant), params={"store": series[1]["store"], "sku": series[1]["sku"]}
    ).text
    chosen_store = series[1]["store"]
    assert f'<option value="{chosen_store}" selected>' in forecasts
    for s in series:
        assert f'<option value="{s["store"]}"' in forecasts and f'<option value="{s["sku"]}"' in forecasts
    # Two pickers: every store, then the chosen store's products only.
    stores = {s["store"] for s in series}
    assert forecasts.count("<option ") == len(stores) + sum(s["store"] == chosen_store for s in series)
    assert f'<option value="{series[1]["sku"]}" selected>' in forecasts
    assert version_id in forecasts and "<canvas" in forecasts
    assert f"store={series[1]['store']}&amp;sku={series[1]['sku']}&amp;format=csv" in forecasts
    other_store = next(s for s in series if s["store"] != chosen_store)
    by_store = svc.client.get("/forecasts", headers=svc.headers(tenant), params={"store": other_store["store"]}).text
    assert f'<option value="{other_store["store"]}" selected>' in by_store
    assert f"store={other_store['store']}&amp;sku={other_store['sku']}&amp;format=csv" in by_store

    accuracy = svc.client.get("/accuracy?lang=en", headers=svc.headers(tenant)).text
    assert version_id in accuracy and "active" in accuracy
    for model, metrics in job["result"]["metrics"].items():
        assert f'data-model="{model}"' in accuracy
        assert f"{metrics['wape']:.3f}" in accuracy
        assert f"{metrics['coverage_80'] * 100:.1f}%" in accuracy
    assert "Global LightGBM" in accuracy and "Seasonal naive" in accuracy
    assert '<td class="num ratio">1.000</td>' in accuracy  # seasonal naive against itself

    replenishment = svc.client.get("/replenishment?lang=en", headers=svc.headers(tenant)).text
    for s in series:
        assert f'data-store="{s["store"]}" data-sku="{s["sku"]}"' in replenishment
    assert '<p id="simulation-none" hidden>' in replenishment and '<div id="simulation">' in replenishment
    assert f'<td id="sim-avg-rule">{simulation["avg_on_hand_rule"]:.1f}</td>' in replenishment
    assert f'<td id="sim-avg-policy">{simulation["avg_on_hand_policy"]:.1f}</td>' in replenishment
    assert f'<td id="sim-waste-rule">{simulation["waste_kg_rule"]:.1f}</td>' in replenishment

    # The other tenant: every page renders its empty state and names none of the first tenant's rows.
    for path in PAGES:
        answer = svc.client.get(path + "?lang=en", headers=svc.headers(other))
        assert answer.status_code == 200
        assert version_id not in answer.text
        assert f'<option value="{first["store"]}"' not in answer.text
        assert f'data-store="{first["store"]}"' not in answer.text
    assert '<div id="simulation" hidden>' in svc.client.get("/replenishment", headers=svc.headers(other)).text
    assert (
        "No inventory simulation has been run yet"
        in svc.client.get("/replenishment?lang=en", headers=svc.headers(other)).text.split('id="simulation"')[0]
    )
    # ... and cannot pick the first tenant's series by naming it.
    named = svc.client.get(
        "/forecasts?lang=en", headers=svc.headers(other), params={"store": first["store"], "sku": first["sku"]}
    )
    assert named.status_code == 200 and 'id="forecasts-empty"' in named.text


def test_quality_report_of_an_upload_stores_nothing_and_compares_with_the_tenants_own_model(
    svc: ServiceUnderTest, shared_data_dir: Any
) -> None:
    sample = shared_data_dir / "forecast" / "pos_sample.csv"
    tenant, other = svc.new_tenant(), svc.new_tenant()
    assert upload(svc, tenant, pos_slice(sample, stores=1, skus=2, days=200)).status_code == 200
    run_job(svc, tenant, "/api/v1/training-runs", {"horizon_days": 7})
    lines = pos_slice(sample, stores=2, skus=2, days=200).decode("utf-8").splitlines(keepends=True)
    # Drop ten days of one series (a gap) and add one unreadable row.
    header, body = lines[0], lines[1:]
    victim = body[0].split(",")[:4]
    dropped = [row for row in body if row.split(",")[0] == victim[0] and row.split(",")[3] == victim[3]][50:60]
    kept = [row for row in body if row not in dropped]
    upload_bytes = (header + "".join(kept) + BAD_ROW).encode("utf-8")

    def sales_rows(t: str) -> int:
        with svc.database.tenant_session(t) as session:
            return int(session.scalar(select(func.count()).select_from(SalesDay)) or 0)

    before = sales_rows(tenant)
    url = "/forecast-data/quality-report"
    report = svc.client.post(url, headers=svc.headers(tenant), files={"file": ("pos.csv", upload_bytes, "text/csv")})
    assert report.status_code == 200, report.text
    q = report.json()
    assert q["rows"] == len(kept) and q["series"] == 4 and q["stores"] == 2
    assert q["rejected_rows"] == 1 and sum(q["rejected_by_column"].values()) == 1
    assert [(g["store"], g["sku"], g["missing_days"]) for g in q["gaps"]] == [(victim[0], victim[3], 10)]
    assert q["compared_with_model"] is not None
    second_store = sorted({row.split(",")[0] for row in kept})[1]
    assert q["unknown_stores"] == [second_store] and q["unknown_skus"] == []
    assert sales_rows(tenant) == before

    # Another tenant has no model: nothing is compared, and the first tenant's model never leaks.
    theirs = svc.client.post(url, headers=svc.headers(other), files={"file": ("pos.csv", upload_bytes, "text/csv")})
    assert theirs.status_code == 200 and theirs.json()["compared_with_model"] is None
    assert theirs.json()["unknown_stores"] == [] and sales_rows(other) == 0

    # The same report over what is stored: the tenant's own two series, nothing of the other tenant.
    stored = svc.client.get(url, headers=svc.headers(tenant)).json()
    assert stored["scope"] == "stored" and stored["series"] == 2 and stored["rows"] == before
    assert stored["unknown_stores"] == [] and stored["unknown_skus"] == [] and stored["gaps"] == []
    assert svc.client.get(url, headers=svc.headers(other)).json()["rows"] == 0

    bad_header = svc.client.post(
        url, headers=svc.headers(tenant), files={"file": ("pos.csv", b"a,b,c\n1,2,3\n", "text/csv")}
    )
    assert bad_header.status_code == 422
    assert bad_header.headers["content-type"].startswith("application/problem+json")
    assert bad_header.json()["errors"][0]["loc"] == ["body", "file"]
    assert svc.client.post(url, files={"file": ("pos.csv", upload_bytes, "text/csv")}).status_code == 401
