"""The consumer's market and the seller's desk in headless Chromium on a phone-sized screen:
the seller lists through the form, the consumer finds it nearby, reserves and gets a code and QR,
the seller verifies the code and the order is picked up. On the way the seller sets the bakery's
markdown template (the new listing starts from it) and lists a surprise bag with its worth."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from smartdist.testing.browser import live_server
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist_surplus_market.app import DEFINITION

pytestmark = pytest.mark.browser

PHONE = {
    "locale": "zh-TW",
    "timezone_id": "Asia/Taipei",
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    return PHONE


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceUnderTest, str]]:
    tmp: Path = tmp_path_factory.mktemp("market-pages")
    with (
        service_under_test(DEFINITION, f"sqlite:///{tmp / 'sm.db'}", None, tmp / "data") as svc,
        live_server(svc.client.app) as base,
    ):
        yield svc, base


def test_list_reserve_and_pick_up_on_phones(market: tuple[ServiceUnderTest, str], page: Page, browser: Browser) -> None:
    svc, base = market
    tenant = svc.new_tenant()
    seller_context = browser.new_context(**PHONE)
    seller_context.add_cookies([{"name": "smartdist_token", "value": svc.token(tenant, ["clerk"]), "url": base}])
    seller = seller_context.new_page()
    try:
        seller.goto(f"{base}/seller")
        # the bakery's markdown template: 40% off from 24 h; a new bakery listing starts from it
        seller.get_by_role("tab", name="降價範本").click()
        template = seller.locator("#template-form")
        template.locator("[name=percent_off]").first.fill("40")
        template.get_by_role("button", name="儲存範本").click()
        expect(seller.locator("#templates li", has_text="bakery")).to_contain_text("40% off")
        seller.get_by_role("tab", name="上架商品").click()
        form = seller.locator("#new-listing")
        form.locator("[name=title]").fill("肉桂捲 cinnamon roll")
        form.locator("[name=list_price]").fill("90")
        expect(form.locator(".step-price").first).to_have_text("NT$54")  # 40% off 90
        form.locator("[name=surprise_bag]").check()
        form.locator("[name=bag_value]").fill("200")
        form.get_by_role("button", name="上架", exact=True).click()
        expect(seller.locator("#done")).to_contain_text("肉桂捲")

        consumer_token, _ = svc.signer.issue(
            kind="consumer", subject="c-browser", tenant_id=None, roles=["consumer"], ttl_s=3600, name="小美"
        )
        page.add_init_script(f"localStorage.setItem('smartdist.consumer_token', '{consumer_token}')")
        page.goto(f"{base}/market?lat=25.0418&lng=121.5436")
        card = page.locator(".sm-card", has_text="肉桂捲")
        expect(card).to_be_visible()
        expect(card.locator(".sm-bag")).to_contain_text("NT$200")  # a surprise bag, with its worth
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
        page.get_by_role("tab", name="地圖").click()
        expect(page.locator(".listing-marker")).to_have_count(1)
        page.get_by_role("tab", name="清單").click()
        card.click()
        expect(page.locator("#bag-note")).to_contain_text("價值至少 NT$200")
        page.locator("#quantity").fill("2")
        page.locator("#reserve").click()
        code = page.locator("#pickup-code")
        expect(code).to_have_text(re.compile(r"^\d{6}$"))
        expect(page.locator("#reserved .sm-qr svg")).to_be_visible()
        pickup_code = code.inner_text()

        seller.get_by_role("tab", name="待取貨").click()
        row = seller.locator("#pickups li", has_text="肉桂捲")
        expect(row).to_be_visible()
        row.locator("[name=code]").fill(pickup_code)
        row.get_by_role("button", name="確認取貨").click()
        expect(seller.locator("#done")).to_contain_text("已完成取貨")
        expect(seller.locator("#no-pickups")).to_be_visible()

        page.get_by_role("tab", name="我的預訂").click()
        expect(page.locator("#mine li").first).to_contain_text("已取貨")
        rows = svc.client.get("/api/v1/reservations", headers=svc.headers(tenant, ["clerk"])).json()["items"]
        assert [r["status"] for r in rows] == ["picked_up"] and rows[0]["quantity"] == 2
    finally:
        seller_context.close()
