"""The PDA on a 360 px phone in headless Chromium: receive → put away → pick → ship, all by typing
into the scan field as a keyboard-wedge scanner does (code + Enter), one pick taken offline and
replayed once when the phone is back online; and the office page listing documents and stock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from smartdist.testing.browser import live_server
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist_wms.app import DEFINITION

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    return {
        "locale": "zh-TW",
        "timezone_id": "Asia/Taipei",
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
    }


@pytest.fixture(scope="module")
def wms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceUnderTest, str]]:
    tmp: Path = tmp_path_factory.mktemp("wms-pda")
    with (
        service_under_test(DEFINITION, f"sqlite:///{tmp / 'wms.db'}", None, tmp / "data") as svc,
        live_server(svc.client.app) as base,
    ):
        yield svc, base


def call(svc: ServiceUnderTest, tenant: str, method: str, path: str, body: Any = None) -> Any:
    r = svc.client.request(method, f"/api/v1{path}", json=body, headers=svc.headers(tenant))
    assert r.status_code < 300, r.text
    return r.json()


def scan(page: Page, code: str, qty: int | None = None) -> None:
    if qty is not None:
        page.fill("#qty", str(qty))
        page.press("#qty", "Enter")  # back to the scan field
    field = page.locator("#scan")
    expect(field).to_be_focused()
    field.press_sequentially(code)
    field.press("Enter")
    page.evaluate("() => window.PDA.idle()")


def test_receive_putaway_pick_ship_by_scanning(page: Page, wms: tuple[ServiceUnderTest, str]) -> None:
    svc, base = wms
    tenant = svc.new_tenant()
    call(svc, tenant, "POST", "/products", {"sku": "TEA-1", "name": "烏龍茶 600ml", "barcode": "4710088410011"})
    call(svc, tenant, "POST", "/locations", {"code": "A-01-01", "zone": "A", "sequence": 1})
    inbound = call(svc, tenant, "POST", "/inbound-orders", {"ref": "PO-77", "lines": [{"sku": "TEA-1", "qty": 6}]})
    page.context.add_cookies([{"name": "smartdist_token", "value": svc.token(tenant, ["clerk"]), "url": base}])
    page.goto(f"{base}/pda")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    # receive: choose the task and the document by scanning, then count 5 sound + 1 damaged
    scan(page, "receive")
    scan(page, "PO-77")
    scan(page, "4710088410011", qty=5)
    expect(page.locator("#message")).to_have_text("已收 5")
    page.click("#damaged")
    scan(page, "4710088410011", qty=1)
    expect(page.locator("#message")).to_have_text("已收 1")
    lines = call(svc, tenant, "GET", f"/inbound-orders/{inbound['id']}")["lines"]
    assert (lines[0]["received"], lines[0]["damaged"]) == (6, 1)

    # put away: item, then the suggested location
    page.click("text=返回")
    scan(page, "putaway")
    scan(page, "PO-77")
    expect(page.locator("#screen")).to_contain_text("待上架 5")
    scan(page, "TEA-1")
    expect(page.locator("#message")).to_have_text("建議儲位: A-01-01")
    scan(page, "A-01-01")
    expect(page.locator("#message")).to_have_text("已上架 5 到 A-01-01")
    assert call(svc, tenant, "GET", f"/inbound-orders/{inbound['id']}")["status"] == "completed"

    # the office allocates an order; the picker walks it
    out = call(svc, tenant, "POST", "/outbound-orders", {"ref": "SO-88", "lines": [{"sku": "TEA-1", "qty": 4}]})
    call(svc, tenant, "POST", f"/outbound-orders/{out['id']}/allocate")
    page.click("text=返回")
    scan(page, "pick")
    scan(page, "SO-88")
    expect(page.locator("#task .loc")).to_have_text("A-01-01")
    scan(page, "4710088410011")  # the item before the location: refused, nothing sent
    expect(page.locator("#message")).to_have_text("儲位錯誤：應為 A-01-01，掃到 4710088410011")
    scan(page, "A-01-01")
    scan(page, "9999999999999")  # an item that is not there: the server's 422, said plainly
    expect(page.locator("#message")).to_contain_text("unknown sku '9999999999999'")
    scan(page, "4710088410011", qty=2)
    expect(page.locator("#message")).to_have_text("已揀 2")

    # offline: the last pick waits on the phone and is sent once when the signal is back
    page.context.set_offline(True)
    scan(page, "4710088410011", qty=2)
    expect(page.locator("#pending-count")).to_have_text("1")
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#pending")).to_be_hidden()
    expect(page.locator("#done")).to_be_visible()
    order = call(svc, tenant, "GET", f"/outbound-orders/{out['id']}")
    assert order["status"] == "picked" and order["lines"][0]["picked"] == 4

    # ship: carrier chosen, tracking number scanned
    page.click("text=返回")
    scan(page, "ship")
    scan(page, "SO-88")
    page.select_option("#carrier", "新竹物流")
    page.locator("#scan").focus()
    scan(page, "HCT-123456")
    expect(page.locator("#message")).to_have_text("已出貨 · HCT-123456")
    order = call(svc, tenant, "GET", f"/outbound-orders/{out['id']}")
    assert (order["status"], order["carrier"], order["tracking_no"]) == ("shipped", "新竹物流", "HCT-123456")
    stock = call(svc, tenant, "GET", "/stock?sku=TEA-1")["items"]
    assert [(s["location"], s["on_hand"], s["allocated"]) for s in stock] == [("A-01-01", 1, 0)]

    # the office page lists the documents and the stock
    page.goto(f"{base}/office")
    expect(page.locator("section[data-kind=outbound-orders] tbody")).to_contain_text("SO-88")
    expect(page.locator("section[data-kind=inbound-orders] tbody")).to_contain_text("completed")
    expect(page.locator("section[data-kind=stock] tbody")).to_contain_text("A-01-01")
