"""The console's acceptance evidence pack on the demo: the PDF's text says exactly what each
service's KPI API answers for the same period; downloads, baselines, and the pages in Chromium."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from smartdist.catalog import SERVICE_ORDER
from smartdist.config import PlatformSettings
from smartdist.console import DEMO_EMAIL, DEMO_PASSWORD
from smartdist.demo import build_demo_app
from smartdist.testing.browser import live_server
from smartdist.timeparams import TAIPEI

pytestmark = pytest.mark.slow

TODAY = datetime.now(TAIPEI).date()
PERIOD = {"from": (TODAY - timedelta(days=59)).isoformat(), "to": TODAY.isoformat()}
HEADINGS = (
    "驗收佐證資料",
    "一、計畫目標",
    "二、作業流程",
    "三、店家與顧客如何使用",
    "四、服務架構",
    "五、KPI 達成情形",
)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = build_demo_app(PlatformSettings(data_dir=tmp_path_factory.mktemp("evidence"), log_json=False))
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def merchant(base: str) -> httpx.Client:
    answer = httpx.post(f"{base}/api/v1/auth/token", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    token = answer.json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_states_what_every_kpi_endpoint_answers_for_the_period(merchant: httpx.Client) -> None:
    answer = merchant.get("/acceptance.pdf", params=PERIOD)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"] == "application/pdf"
    assert "smartdist-acceptance-" in answer.headers["content-disposition"]
    text = squeeze("".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages))
    for heading in HEADINGS:
        assert squeeze(heading) in text, heading
    total = 0.0
    for name in SERVICE_ORDER:
        summary = merchant.get(f"/{name}/api/v1/kpi/summary", params=PERIOD).json()
        for kpi in summary["kpis"]:
            shown = "尚無法計算" if kpi["value"] is None else f"{kpi['value']}{kpi['unit']}"
            assert squeeze(shown) in text, (name, kpi)
            assert kpi["code"] in text, (name, kpi["code"])
        assert f"{summary['co2e_kg']}kgCO2e" in text, (name, summary["co2e_kg"])
        total += summary["co2e_kg"]
    assert f"{round(total, 3)}kgCO2e" in text
    assert "2.263" in text and "0.0076" in text  # the emission factors used are printed


def test_the_kpi_log_downloads_hold_every_record_of_the_period(merchant: httpx.Client) -> None:
    records = merchant.get("/dispatch/api/v1/kpi/logs", params={**PERIOD, "format": "jsonl"}).text.splitlines()
    assert records, "the demo has dispatch KPI records"
    download = merchant.get("/acceptance/kpi-log.xlsx", params={**PERIOD, "service": "dispatch"})
    workbook = load_workbook(io.BytesIO(download.content))
    rows = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:4] == ("tenant_id", "service", "doc_type", "doc_no")
    assert [row[3] for row in rows[1:]] == [json.loads(line)["doc_no"] for line in records]
    csv_answer = merchant.get("/acceptance/kpi-log.csv", params={**PERIOD, "service": "dispatch"})
    assert len(csv_answer.text.strip().splitlines()) == len(records) + 1
    assert merchant.get("/acceptance/kpi-log.csv", params={**PERIOD, "service": "nope"}).status_code == 404


def test_a_wrong_period_is_refused_in_the_merchants_words(merchant: httpx.Client) -> None:
    answer = merchant.get("/acceptance", params={"from": "2026-12-01", "to": "2026-11-01"})
    assert answer.status_code == 400
    assert "期間不正確" in answer.text


def test_signed_out_the_pack_asks_for_sign_in(base: str) -> None:
    answer = httpx.get(f"{base}/acceptance.pdf", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin?next=/acceptance.pdf")


def test_a_baseline_entered_in_the_console_reaches_its_service_and_a_bad_one_changes_nothing(
    merchant: httpx.Client,
) -> None:
    form = {"service": "wms", "code": "paper_minutes_per_document", "value": "18.5", "note": "30 張抽樣"}
    answer = merchant.post("/acceptance/baselines", data=form, follow_redirects=False)
    assert answer.status_code == 303 and "saved=" in answer.headers["location"]
    stored = {b["code"]: b["value"] for b in merchant.get("/wms/api/v1/kpi/baselines").json()}
    assert stored["paper_minutes_per_document"] == 18.5
    for bad in ("-1", "abc", "nan"):
        answer = merchant.post("/acceptance/baselines", data={**form, "value": bad}, follow_redirects=False)
        assert "failed=" in answer.headers["location"], bad
    stored = {b["code"]: b["value"] for b in merchant.get("/wms/api/v1/kpi/baselines").json()}
    assert stored["paper_minutes_per_document"] == 18.5


@pytest.mark.browser
def test_merchant_reads_the_pack_downloads_the_pdf_and_enters_a_baseline(page: Page, base: str, tmp_path: Path) -> None:
    page.goto(f"{base}/acceptance")
    page.fill("input[name=email]", DEMO_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/acceptance")
    expect(page.locator("h1")).to_have_text("驗收佐證資料")
    expect(page.locator("#overview-table tbody tr")).to_have_count(2 * len(SERVICE_ORDER))
    expect(page.locator("section.service-evidence")).to_have_count(len(SERVICE_ORDER))
    # The PDF is made on request from every service's figures: allow it a while on a busy machine.
    with page.expect_download(timeout=90_000) as download:
        page.click("#pdf", no_wait_after=True)
    assert download.value.suggested_filename.endswith(".pdf")
    page.click("text=輸入導入前基準值")
    target = page.locator("#dispatch-manual_planning_minutes_per_day")
    expect(target.locator(".how")).to_contain_text("如何量測")
    target.locator("input[name=value]").fill("95")
    target.locator("button").click()
    expect(page.locator("#saved")).to_contain_text("已儲存")
    expect(page.locator("#dispatch-manual_planning_minutes_per_day input[name=value]")).to_have_value("95.0")
