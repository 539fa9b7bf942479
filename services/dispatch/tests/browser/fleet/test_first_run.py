"""A new merchant's first run in headless Chromium (zh-TW): the board says what to set up, the fleet
page creates the depot, van and driver (and imports a sheet), and then planning works."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from smartdist.testing.browser import live_server
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.orders.spreadsheet import LOCAL_ZONE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dispatch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceUnderTest, str]]:
    tmp_path: Path = tmp_path_factory.mktemp("dispatch-first-run")
    url = f"sqlite:///{tmp_path / 'dispatch.db'}"
    with service_under_test(DEFINITION, url, None, tmp_path / "data") as svc, live_server(svc.client.app) as base:
        yield svc, base


def test_fresh_tenant_sets_up_depot_van_and_driver_from_the_pages_then_plans(
    page: Page, dispatch: tuple[ServiceUnderTest, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    svc, base = dispatch
    monkeypatch.setenv("SMARTDIST_DISPATCH_GEOCODER", "sandbox")  # addresses without coordinates
    tenant = svc.new_tenant()
    page.context.add_cookies([{"name": "smartdist_token", "value": svc.token(tenant, ["dispatcher"]), "url": base}])
    day = (datetime.now(LOCAL_ZONE).date() + timedelta(days=1)).isoformat()

    page.goto(f"{base}/board?date={day}")
    setup = page.locator("#setup-needed")
    expect(setup).to_be_visible()
    expect(setup.locator(".no-depot")).to_contain_text("還沒有倉庫")
    setup.locator("a").click()

    expect(page.locator("h1")).to_have_text("車隊設定：倉庫、車輛與司機")
    expect(page.locator("body")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#depots .empty")).to_be_visible()
    depot = page.locator("#depots form.row-form")
    depot.locator("[name=code]").fill("D1")
    depot.locator("[name=name]").fill("內湖倉")
    depot.locator("[name=address]").fill("臺北市信義區市府路1號")  # no coordinates: geocoded
    depot.locator("button.save").click()
    expect(page.locator("#depots tbody tr")).to_have_count(1)
    expect(page.locator("#depots tbody tr td[data-field=lat]")).to_have_text("25.0375")
    expect(page.locator("#first-run li[data-step=depot]")).to_have_attribute("data-done", "true")

    van = page.locator("#vehicles form.row-form")
    van.locator("[name=code]").fill("V1")
    expect(van.locator("[name=depot_id] option:checked")).to_contain_text("D1")
    van.locator("button.save").click()
    expect(page.locator("#vehicles tbody tr td[data-field=depot_id]")).to_have_text("D1")

    driver = page.locator("#drivers form.row-form")
    driver.locator("[name=code]").fill("DR1")
    driver.locator("[name=name]").fill("王小明")
    driver.locator("[name=vehicle_id]").select_option(label="V1")
    driver.locator("button.save").click()
    expect(page.locator("#drivers tbody tr td[data-field=vehicle_id]")).to_have_text("V1")
    # Edit: the phone number added later.
    page.locator("#drivers tbody tr[data-code=DR1] button.edit").click()
    driver.locator("[name=phone]").fill("0912345678")
    driver.locator("button.save").click()
    expect(page.locator("#drivers tbody tr[data-code=DR1] td[data-field=phone]")).to_have_text("0912345678")
    # Import: a sheet with a bad row stores nothing and names the row; a good one stores its rows.
    sheet = page.locator("#drivers form.import-form input[type=file]")
    sheet.set_input_files({"name": "d.csv", "mimeType": "text/csv", "buffer": b"code,name\nDR2,\n"})
    page.locator("#drivers form.import-form button").click()
    bad_row = page.locator("#drivers .import-errors tbody tr[data-row='2'] td")
    expect(bad_row).to_have_text(["2", "name", "必填"])  # in zh-TW, once, not "Field required"
    expect(page.locator("#drivers .import-summary")).to_have_text("有 1 列資料有問題，整份檔案都沒有匯入。")
    sheet.set_input_files({"name": "d.csv", "mimeType": "text/csv", "buffer": "code,name\nDR2,李小華\n".encode()})
    page.locator("#drivers form.import-form button").click()
    expect(page.locator("#drivers tbody tr")).to_have_count(2)
    expect(page.locator("#first-run li[data-done=true]")).to_have_count(3)

    headers = svc.headers(tenant, ("dispatcher",))
    window = [[f"{day}T09:00:00+08:00", f"{day}T17:00:00+08:00"]]
    too_big = {"order_no": "BIG", "customer_name": "大宗", "lat": 25.07, "lng": 121.58, "time_windows": window}
    assert svc.client.post("/api/v1/orders", json=too_big | {"boxes": 80}, headers=headers).status_code == 201
    page.goto(f"{base}/board?date={day}")
    expect(page.locator("#setup-needed")).to_be_hidden()
    # One order by its address from the board (the van takes 50 boxes, BIG has 80).
    page.locator("#new-order summary").click()
    form = page.locator("#order-form")
    form.locator("[name=order_no]").fill("A-1")
    form.locator("[name=customer_name]").fill("林小姐")
    form.locator("[name=address]").fill("臺北市月球路1號")
    form.locator("#create-order").click()
    expect(page.locator("#problem")).to_contain_text("找不到地址「臺北市月球路1號」的位置")
    form.locator("[name=address]").fill("台北市中正區北平西路3號")
    form.locator("#create-order").click()
    expect(page.locator("#notice")).to_have_text("已新增訂單 A-1")
    expect(page.locator("#waiting tbody tr")).to_have_count(2)
    page.fill("input[name=time_limit_s]", "1")
    page.click("#start-planning")
    expect(page.locator("#plan-job")).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(page.locator(".stop-card")).to_have_count(1)
    # Why BIG was left out, and the job's stage, in words (not "(capacity)" or "storing the plan").
    expect(page.locator("#unassigned")).to_have_text("無法排入： BIG（貨量超過任何一台車的載重、容積或箱數）")
    expect(page.locator("#plan-job .job-message")).to_have_text("儲存路線計畫：1 條路線")
