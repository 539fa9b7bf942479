"""The merchant's forecast pages in headless Chromium against the real service (SQLite, jobs in
the background): upload with progress, errors and quality report; the forecast chart with its
band, the CSV download and "train now"; recommendations, their CSV and the inventory simulation."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from smartdist.bus.envelope import CloudEvent
from smartdist.testing.browser import live_server
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist_forecast.app import DEFINITION
from smartdist_forecast.demo import seed_demo
from smartdist_forecast.sales import service as sales_service
from smartdist_forecast.stock.consumer import STOCK_CHANGED, on_stock_changed

from ..integration.pos_slices import pos_slice

pytestmark = pytest.mark.browser

# A data row whose date cannot be read (row number = data rows before it + 1).
BAD_ROW = (
    "10101,台北南京店,2024/13/45,11001010,芝司樂原味高鈣起司250g,11000,乳品冷藏,3,387,20240101,星期一,晴,15~24,1\n"
)
HORIZON = 14
# ../shared/data beside the repository (read-only; the ``shared_data_dir`` fixture is per test).
SAMPLE = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "forecast" / "pos_sample.csv"


@pytest.fixture(scope="module")
def forecast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceUnderTest, str]]:
    """One service for the module (each test works in its own tenant), so migrations run once."""
    tmp_path: Path = tmp_path_factory.mktemp("forecast-pages")
    url = f"sqlite:///{tmp_path / 'forecast.db'}"
    with (
        service_under_test(DEFINITION, url, None, tmp_path / "data", background=True) as svc,
        live_server(svc.client.app) as base,
    ):
        yield svc, base


def wait_for_job(svc: ServiceUnderTest, tenant: str, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = svc.client.get(f"/api/v1/jobs/{job_id}", headers=svc.headers(tenant)).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


@pytest.fixture(scope="module")
def trained(forecast: tuple[ServiceUnderTest, str]) -> str:
    """A tenant with 2 stores x 2 products x 260 days imported and a 14-day forecast published."""
    svc, _ = forecast
    tenant = svc.new_tenant()
    data = pos_slice(SAMPLE, stores=2, skus=2, days=260)
    imported = svc.client.post(
        "/api/v1/sales/import", headers=svc.headers(tenant), files={"file": ("pos.csv", data, "text/csv")}
    )
    assert imported.status_code == 200, imported.text
    started = svc.client.post("/api/v1/training-runs", headers=svc.headers(tenant), json={"horizon_days": HORIZON})
    assert started.status_code == 202, started.text
    assert wait_for_job(svc, tenant, started.json()["job_id"])["status"] == "succeeded"
    return tenant


def sign_in(page: Page, svc: ServiceUnderTest, base: str, tenant: str) -> None:
    page.context.add_cookies([{"name": "smartdist_token", "value": svc.token(tenant, ["owner"]), "url": base}])


def test_upload_shows_progress_then_the_bad_row_and_the_quality_report(
    page: Page, forecast: tuple[ServiceUnderTest, str], tmp_path: Path
) -> None:
    svc, base = forecast
    sign_in(page, svc, base, svc.new_tenant())
    lines = pos_slice(SAMPLE, stores=2, skus=2, days=120).decode("utf-8")
    good_rows = len(lines.splitlines()) - 1
    csv_file = tmp_path / "pos.csv"
    csv_file.write_text(lines + BAD_ROW, encoding="utf-8")

    page.goto(base + "/sales/upload?lang=en")
    page.set_input_files("input[name=file]", str(csv_file))
    page.check("input[name=partial]")
    page.click("#upload-submit")

    expect(page.locator("#upload-progress")).to_have_attribute("data-status", "succeeded")
    assert page.eval_on_selector("#upload-progress progress", "bar => bar.value") == 1
    expect(page.locator("#rows-accepted")).to_have_text(str(good_rows))
    expect(page.locator("#rows-rejected")).to_have_text("1")
    errors = page.locator("#errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.locator("td").first).to_have_text(str(good_rows + 1))
    expect(page.locator("#nothing-stored")).to_be_hidden()

    expect(page.locator("#quality")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#q-rows")).to_have_text(str(good_rows))
    expect(page.locator("#q-series")).to_have_text("4")
    expect(page.locator("#q-rejected tbody tr")).to_have_count(1)
    expect(page.locator("#q-no-model")).to_be_visible()
    expect(page.locator("#to-forecasts")).to_be_visible()


def test_a_bad_file_is_explained_in_zh_tw_row_by_row_and_a_wrong_header_as_a_whole(
    page: Page, forecast: tuple[ServiceUnderTest, str], tmp_path: Path
) -> None:
    """Issue 13 item 4: no developer English on a zh-TW page (row errors, the refusal, the header)."""
    svc, base = forecast
    sign_in(page, svc, base, svc.new_tenant())
    page.goto(base + "/sales/upload")
    page.set_input_files("input[name=file]", str(SAMPLE.parent / "pos_bad.csv"))
    page.click("#upload-submit")
    expect(page.locator("#nothing-stored")).to_be_visible()
    messages = page.locator("#errors tbody tr td:nth-child(3)").all_inner_texts()
    assert len(messages) >= 15
    for text in messages:
        assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"\b(must|is|row|expected)\b", text), text
    assert "與第 1 列重複（相同店號、銷售日期、商品代碼）。" in messages

    page.set_input_files("input[name=file]", str(SAMPLE.parent / "pos_bad_header.csv"))
    page.click("#upload-submit")
    expect(page.locator("#problem")).to_contain_text("表頭與 POS 格式不符")
    assert not re.search(r"\b(expected|missing|header)\b", page.locator("#problem").inner_text())


def test_a_large_file_is_followed_through_the_import_job_and_a_bad_row_stores_nothing(
    page: Page, forecast: tuple[ServiceUnderTest, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, base = forecast
    tenant = svc.new_tenant()
    sign_in(page, svc, base, tenant)
    # Any file above 1 kB now counts as large, so this small one goes through the background job.
    monkeypatch.setattr(sales_service, "LARGE_UPLOAD_BYTES", 1000)
    lines = pos_slice(SAMPLE, stores=1, skus=2, days=60).decode("utf-8")
    csv_file = tmp_path / "pos.csv"
    csv_file.write_text(lines + BAD_ROW, encoding="utf-8")

    page.goto(base + "/sales/upload?lang=en")
    page.set_input_files("input[name=file]", str(csv_file))
    page.click("#upload-submit")

    expect(page.locator("#import-job")).to_have_attribute("data-status", "succeeded", timeout=60_000)
    assert page.eval_on_selector("#import-job progress", "bar => bar.value") == 1
    # The job's own stage, in the page's language; the upload box no longer stands at "100%".
    expect(page.locator("#import-job .job-message")).to_have_text("Nothing imported: 1 row(s) have errors")
    expect(page.locator("#upload-progress .upload-status")).to_have_text("Import finished")
    expect(page.locator("#upload-progress .upload-percent")).to_have_text("")
    expect(page.locator("#nothing-stored")).to_be_visible()
    expect(page.locator("#rows-accepted")).to_have_text("0")
    expect(page.locator("#errors tbody tr")).to_have_count(1)
    expect(page.locator("#quality")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#q-gaps tbody tr.none")).to_have_count(1)
    assert svc.client.get("/api/v1/series", headers=svc.headers(tenant)).json()["items"] == []


def test_online_orders_upload_through_the_same_page(
    page: Page, forecast: tuple[ServiceUnderTest, str], tmp_path: Path
) -> None:
    svc, base = forecast
    tenant = svc.new_tenant()
    sign_in(page, svc, base, tenant)
    csv_file = tmp_path / "online.csv"
    csv_file.write_text(
        "date,store,sku,channel,qty,stockout_qty,returned_qty\n"
        "2024-03-01,10101,11001010,delivery,4,0,1\n"
        "2024-03-01,10101,11001010,pickup,2,1,0\n"
        "2024-03-02,10101,11001010,drone,2,0,0\n",
        encoding="utf-8",
    )
    page.goto(base + "/sales/upload?lang=en")
    page.check("input[name=kind][value=online]")
    expect(page.locator("#online-format")).to_be_visible()
    page.set_input_files("input[name=file]", str(csv_file))
    page.check("input[name=partial]")
    page.click("#upload-submit")
    expect(page.locator("#upload-progress")).to_have_attribute("data-status", "succeeded")
    expect(page.locator("#rows-accepted")).to_have_text("2")
    expect(page.locator("#errors tbody tr")).to_have_count(1)
    expect(page.locator("#errors tbody tr td").nth(1)).to_have_text("channel")
    expect(page.locator("#quality-pos-only")).to_be_visible()
    expect(page.locator("#quality")).to_be_hidden()
    sales = svc.client.get(
        "/api/v1/sales", headers=svc.headers(tenant), params={"store": "10101", "sku": "11001010"}
    ).json()["items"]
    assert sorted((s["channel"], s["qty"]) for s in sales) == [("delivery", 4), ("pickup", 2)]


def test_forecast_chart_draws_actuals_forecast_and_band_downloads_csv_and_trains_again(
    page: Page, forecast: tuple[ServiceUnderTest, str], trained: str
) -> None:
    svc, base = forecast
    first = svc.client.get("/api/v1/series", headers=svc.headers(trained)).json()["items"][0]
    # Store delivery ran out one day, three days before the last sale: the chart marks that day.
    stockout_day = (date.fromisoformat(first["last_date"]) - timedelta(days=3)).isoformat()
    online = "date,store,sku,channel,qty,stockout_qty,returned_qty\n"
    online += f"{stockout_day},{first['store']},{first['sku']},delivery,3,2,0\n"
    answer = svc.client.post(
        "/api/v1/online-orders/import",
        headers=svc.headers(trained),
        files={"file": ("online.csv", online.encode(), "text/csv")},
    )
    assert answer.status_code == 200, answer.text
    sign_in(page, svc, base, trained)
    page.goto(base + f"/forecasts?lang=en&store={first['store']}&sku={first['sku']}")
    expect(page.locator("#chart")).to_have_attribute("data-ready", "true")
    marked = page.evaluate("() => FC.chart.data.labels.filter((d, i) => FC.chart.data.datasets[4].data[i] !== null)")
    assert marked == [stockout_day]
    datasets = page.evaluate(
        "() => FC.chart.data.datasets.map(d => ({label: d.label, fill: d.fill ?? null,"
        " values: d.data.filter(v => v !== null)}))"
    )
    actual, low, high, point, _stockouts = datasets
    assert actual["label"] == "Actual sales" and point["label"] == "Forecast"
    assert 100 <= len(actual["values"]) <= 120
    assert len(point["values"]) == len(low["values"]) == len(high["values"]) == HORIZON
    assert high["fill"] == "-1"  # the band is the area between the low and the high line
    assert all(lo <= y <= hi for lo, y, hi in zip(low["values"], point["values"], high["values"], strict=True))
    expect(page.locator("#daily tbody tr.forecast")).to_have_count(HORIZON)
    first_actuals = page.evaluate("() => FC.chart.data.datasets[0].data.filter(v => v !== null)")

    # Another product of the same store: the page follows the picker and draws that series.
    store = page.input_value("#store")
    other_sku = page.eval_on_selector("#sku", "s => s.options[1].value")
    with page.expect_navigation():
        page.select_option("#sku", other_sku)
    assert f"store={store}&sku={other_sku}" in page.url
    expect(page.locator("#chart")).to_have_attribute("data-ready", "true")
    assert page.evaluate("() => FC.chart.data.datasets[0].data.filter(v => v !== null)") != first_actuals
    expect(page.locator("#csv-link")).to_have_attribute("href", re.compile(f"sku={other_sku}&format=csv$"))

    with page.expect_download() as download_info:
        page.click("#csv-link")
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == "store,sku,date,yhat,yhat_lo,yhat_hi"
    assert len(text) == 1 + HORIZON

    page.fill("input[name=horizon_days]", "21")
    # The page reloads when the training job is done: seconds here, longer on a loaded machine.
    with page.expect_navigation(timeout=90_000):
        page.click("#train")
    expect(page.locator("#chart")).to_have_attribute("data-ready", "true")
    expect(page.locator("#daily tbody tr.forecast")).to_have_count(21)

    # The registry now holds both versions, the newer one active with its 21-day horizon.
    page.click("nav >> text=Accuracy")
    versions = page.locator("section.version")
    expect(versions).to_have_count(2)
    expect(versions.first).to_have_class(re.compile("active"))
    expect(versions.first.locator(".meta")).to_contain_text("Horizon (days) 21")
    # A version is named by when it was trained (Asia/Taipei) and a short id, not a 32-hex id.
    label = versions.first.locator("h2 .version-label")
    expect(label).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d · [0-9a-f]{8}$"))
    assert len(label.get_attribute("title") or "") == 32
    expect(versions.first.locator("tr.chosen")).to_have_count(1)
    expect(versions.first.locator("tr[data-model=seasonal_naive] td.ratio")).to_have_text("1.000")


def test_quality_report_of_the_stored_data_on_demand(
    page: Page, forecast: tuple[ServiceUnderTest, str], trained: str
) -> None:
    svc, base = forecast
    sign_in(page, svc, base, trained)
    page.goto(base + "/sales/upload?lang=en")
    page.click("#check-stored")
    expect(page.locator("#quality")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#q-scope")).to_have_text("(all stored data, online orders included)")
    expect(page.locator("#q-series")).to_have_text("4")
    expect(page.locator("#q-unknown-stores")).to_have_text("None")


def test_replenishment_prefills_wms_stock_recommends_downloads_and_runs_the_simulation(
    page: Page, forecast: tuple[ServiceUnderTest, str], trained: str
) -> None:
    svc, base = forecast
    first = svc.client.get("/api/v1/series", headers=svc.headers(trained)).json()["items"][0]
    # The WMS counted the first series: its stock.changed event goes through the service's own handler.
    event = CloudEvent.create(
        type=STOCK_CHANGED,
        subject=first["sku"],
        tenant_id=trained,
        data={"store": first["store"], "sku": first["sku"], "on_hand": 37, "at": "2026-11-26T08:00:00+08:00"},
    )
    with svc.database.tenant_session(trained) as session, session.begin():
        on_stock_changed(session, event)
    sign_in(page, svc, base, trained)
    page.goto(base + "/replenishment?lang=en")
    rows = page.locator("#stock tbody tr")
    expect(rows).to_have_count(4)
    counted = page.locator(f"#stock tbody tr[data-store='{first['store']}'][data-sku='{first['sku']}'] .on-hand")
    expect(counted).to_have_value("37")
    expect(page.locator("#stock-source")).to_be_visible()
    rows.nth(1).locator(".on-hand").fill("5")
    page.click("#recommend")
    lines = page.locator("#lines tbody tr")
    expect(lines).to_have_count(4)
    expect(lines.first.locator("td").nth(2)).to_have_text("37")
    # Products and stores by name, the code beside it (was 11001010).
    expect(lines.first.locator("td").nth(1)).to_have_text(f"{first['product_name']}（{first['sku']}）")
    expect(lines.first.locator("td").nth(0)).to_contain_text(f"（{first['store']}）")
    expect(lines.nth(1).locator("td").nth(2)).to_have_text("5")

    with page.expect_download() as download_info:
        page.click("#download-csv")
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("store,sku,on_hand,on_order,expected_demand") and len(text) == 5
    # The table and its download are one recommendation: its KPI records are logged once.
    logs = svc.client.get("/api/v1/kpi/logs", params={"format": "jsonl"}, headers=svc.headers(trained)).text
    suggested = [line for line in logs.splitlines() if '"replenishment"' in line and '"suggested"' in line]
    assert len(suggested) == 4

    expect(page.locator("#simulation-none")).to_be_visible()
    page.click("#simulate")
    # Done, the page reloads and the server draws the result with its explanation.
    expect(page.locator("#sim-what")).to_be_visible(timeout=90_000)
    expect(page.locator("#simulation")).to_be_visible()
    expect(page.locator("#sim-cut")).to_contain_text("%")
    expect(page.locator("#sim-fill-policy")).to_contain_text("%")
    expect(page.locator("#sim-waste-policy")).to_have_text(re.compile(r"^\d+\.\d$"))
    expect(page.locator("#simulation-products tbody tr")).to_have_count(4)


def test_demo_merchant_with_an_old_upload_gets_a_consistent_simulation_in_zh_tw(
    page: Page, forecast: tuple[ServiceUnderTest, str]
) -> None:
    """Issue 13 item 1: the demo's sales up to yesterday plus the sample's 2024 sales. The sample's
    series have no sales in the replayed weeks: left out, not stocked and wasted (the −901.8% cut)."""
    svc, base = forecast
    tenant = svc.new_tenant()
    seed_demo(SimpleNamespace(database=svc.database, settings=SimpleNamespace(run_background=False)), tenant)
    old = svc.client.post(
        "/api/v1/sales/import",
        headers=svc.headers(tenant),
        files={"file": ("pos.csv", pos_slice(SAMPLE, stores=1, skus=2, days=120), "text/csv")},
    )
    assert old.status_code == 200, old.text
    sign_in(page, svc, base, tenant)
    page.goto(base + "/replenishment")
    page.fill("#simulation-form input[name=cover_days]", "14")
    page.click("#simulate")
    expect(page.locator("#sim-what")).to_be_visible(timeout=90_000)
    expect(page.locator("#sim-what")).to_contain_text("重播期間")
    expect(page.locator("#sim-left-out")).to_contain_text("另有 2 組")
    expect(page.locator("#sim-left-out")).to_contain_text("芝司樂原味高鈣起司250g（11001010）")
    expect(page.locator("#sim-rule-level")).to_contain_text("× 14")
    rows = page.locator("#simulation-products tbody tr")
    expect(rows).to_have_count(6)  # the demo's 2 stores × 3 products
    expect(rows.first).to_contain_text("示範台北店（90001）")
    expect(rows.first).to_contain_text("示範鮮乳936ml（D0001）")
    cut = float(page.locator("#sim-cut").inner_text().rstrip("%"))
    assert 0 <= cut < 100
    rule = float(page.locator("#sim-fill-rule").inner_text().rstrip("%"))
    policy = float(page.locator("#sim-fill-policy").inner_text().rstrip("%"))
    expect(page.locator("#sim-not-worse")).to_have_text("是" if policy >= rule else "否")
    waste = float(page.locator("#sim-waste-policy").inner_text())
    assert waste <= float(page.locator("#sim-waste-rule").inner_text()) + 1.0
    summary = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(tenant)).json()
    kpi = next(k for k in summary["kpis"] if k["code"] == "inventory_cut")
    assert round(kpi["value"], 1) == cut
    assert kpi["met"] == (cut >= 5.0 and policy >= rule)
    expect(page.locator("#sim-kpi")).to_contain_text("KPI 1 達成" if kpi["met"] else "KPI 1 未達成")
