"""The virtual store's pages in headless Chromium against the real service (SQLite): the public
viewer renders real panoramas with Pannellum, hotspots open cards and switch scenes, a coupon goes
from a card into the wallet and is redeemed (and reversed) on the clerk's page; the editor places
a hotspot where the owner clicks."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat
from playwright.sync_api import Page, expect

from smartdist.testing.browser import live_server
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist_virtual_store.app import DEFINITION

pytestmark = pytest.mark.browser
STAFF = ("clerk",)
DATA = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "panoramas"


def _wait_ready(svc: ServiceUnderTest, h: dict[str, str], pid: str) -> None:
    deadline = time.monotonic() + 60
    while svc.client.get(f"/api/v1/panoramas/{pid}", headers=h).json()["status"] == "processing":
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A published store with two real scenes, a product card with a coupon and a scene link."""
    tmp: Path = tmp_path_factory.mktemp("virtual-store-pages")
    with (
        service_under_test(DEFINITION, f"sqlite:///{tmp / 'vs.db'}", None, tmp / "data") as svc,
        live_server(svc.client.app) as base,
    ):
        tenant = svc.new_tenant()
        h = svc.headers(tenant, STAFF)
        panoramas = []
        for name in ("egjs-view360-equi-room-2048x1024.jpg", "pannellum-examplepano-4096x2048.jpg"):
            r = svc.client.post("/api/v1/panoramas", headers=h, files={"file": (name, (DATA / name).read_bytes())})
            assert r.status_code == 202, r.text
            panoramas.append(r.json()["panorama_id"])
        for pid in panoramas:
            _wait_ready(svc, h, pid)
        store = svc.client.post("/api/v1/stores", headers=h, json={"name": "山城雜貨"}).json()
        room, summit = (
            svc.client.post(
                f"/api/v1/stores/{store['id']}/scenes", headers=h, json={"panorama_id": p, "name": n}
            ).json()
            for p, n in zip(panoramas, ("店內", "山頂"), strict=True)
        )
        now = datetime.now(UTC)
        campaign = svc.client.post(
            "/api/v1/campaigns",
            headers=h,
            json={
                "name": "滿千折百",
                "kind": "amount",
                "value": 100,
                "min_spend": 1000,
                "starts_at": (now - timedelta(days=1)).isoformat(),
                "ends_at": (now + timedelta(days=30)).isoformat(),
                "store_id": store["id"],
            },
        ).json()
        product = svc.client.post(
            f"/api/v1/scenes/{room['id']}/hotspots",
            headers=h,
            json={
                "kind": "product",
                "pitch": 0,
                "yaw": 0,
                "title": "手工茶葉罐",
                "text": "阿里山高山茶 150g",
                "price": 680,
                "shop_url": "https://shop.example.com/tea",
                "campaign_id": campaign["id"],
                "icon": "cart",
                "color": "#1f7a4d",
            },
        ).json()
        link = svc.client.post(
            f"/api/v1/scenes/{room['id']}/hotspots",
            headers=h,
            json={
                "kind": "scene",
                "pitch": -5,
                "yaw": 25,
                "title": "去山頂",
                "target_scene_id": summit["id"],
                "icon": "arrow",
            },
        ).json()
        assert svc.client.post(f"/api/v1/stores/{store['id']}/publish", headers=h).status_code == 200
        yield {
            "svc": svc,
            "base": base,
            "tenant": tenant,
            "store": store,
            "room": room,
            "summit": summit,
            "product": product,
            "link": link,
            "h": h,
        }


def _open_viewer(page: Page, shop: dict[str, Any], fragment: str = "") -> None:
    page.goto(f"{shop['base']}/stores/{shop['store']['id']}{fragment}")
    page.wait_for_function("window.vsViewer && window.vsViewer.isLoaded()", timeout=30_000)


def _shot(page: Page) -> Image.Image:
    return Image.open(io.BytesIO(page.locator("#pano").screenshot())).convert("RGB")


def test_the_viewer_renders_a_real_panorama_that_moves_when_dragged(page: Page, shop: dict[str, Any]) -> None:
    _open_viewer(page, shop)
    page.wait_for_timeout(800)  # the fade-in and the first tiles
    before = _shot(page)
    stat = ImageStat.Stat(before)
    assert max(stat.stddev) > 15, stat.stddev  # a photo, not a blank or single-colour canvas
    box = page.locator("#pano").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3  # clear of the hotspots
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 250, y + 40, steps=10)
    page.mouse.up()
    page.wait_for_timeout(800)
    after = _shot(page)
    diff = sum(abs(a - b) for a, b in zip(ImageStat.Stat(before).mean, ImageStat.Stat(after).mean, strict=True))
    changed = sum(
        1 for a, b in zip(before.resize((64, 32)).getdata(), after.resize((64, 32)).getdata(), strict=True) if a != b
    )
    assert changed > 500 or diff > 3, (changed, diff)
    yaw = page.evaluate("window.vsViewer.getYaw()")
    assert abs(yaw) > 5


def test_a_hotspot_opens_its_product_card(page: Page, shop: dict[str, Any]) -> None:
    _open_viewer(page, shop)
    page.locator(f"[data-hotspot='{shop['product']['id']}']").click()
    expect(page.locator("#card")).to_be_visible()
    expect(page.locator("#card-title")).to_have_text("手工茶葉罐")
    expect(page.locator("#card-price")).to_contain_text("680")
    expect(page.locator("#card-actions a")).to_have_attribute("href", "https://shop.example.com/tea")


def test_a_scene_link_switches_scene_and_the_deep_link_opens_it(page: Page, shop: dict[str, Any]) -> None:
    _open_viewer(page, shop)
    summit = shop["summit"]["id"]
    page.locator(f"[data-hotspot='{shop['link']['id']}']").click()
    page.wait_for_function(f"window.vsViewer.getScene() === '{summit}' && window.vsViewer.isLoaded()", timeout=30_000)
    assert page.evaluate("location.hash") == f"#scene={summit}"
    page.goto("about:blank")
    _open_viewer(page, shop, f"#scene={summit}")
    assert page.evaluate("window.vsViewer.getScene()") == summit
    report = shop["svc"].client.get(f"/api/v1/reports/stores/{shop['store']['id']}", headers=shop["h"]).json()
    assert report["views"] >= 2 and {h["hotspot_id"]: h["clicks"] for h in report["hotspots"]}[shop["link"]["id"]] >= 1


def test_a_coupon_claimed_from_a_card_shows_in_the_wallet_and_is_redeemed_once_at_the_counter(
    page: Page, shop: dict[str, Any]
) -> None:
    svc: ServiceUnderTest = shop["svc"]
    consumer = svc.token(None, ("consumer",), kind="consumer", subject="shopper-browser")
    page.add_init_script(f"localStorage.setItem('vs_consumer_token', {consumer!r})")
    _open_viewer(page, shop)
    page.locator(f"[data-hotspot='{shop['product']['id']}']").click()
    page.locator("#claim").click()
    code = page.locator("#claimed-code")
    expect(code).to_contain_text("VS-")
    claimed = code.text_content() or ""
    page.goto(f"{shop['base']}/wallet")
    coupon = page.locator(f".coupon[data-code='{claimed}']")
    expect(coupon).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.coupon img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    expect(coupon.locator("img.qr")).to_be_visible()
    expect(coupon.locator("img.barcode")).to_be_visible()

    page.context.add_cookies(
        [{"name": "smartdist_token", "value": svc.token(shop["tenant"], STAFF), "url": shop["base"]}]
    )
    page.goto(f"{shop['base']}/redeem")
    page.fill("#code", claimed.lower())
    page.keyboard.press("Enter")  # what a scanner sends after the code
    page.fill("#spend", "999")
    page.click("#redeem")
    expect(page.locator("#result .problem")).to_be_visible()  # below the 1000 minimum
    page.fill("#code", claimed)
    page.fill("#spend", "1500")
    page.click("#redeem")
    expect(page.locator("#result")).to_contain_text("100")
    expect(page.locator("#result")).to_contain_text("1400")
    page.fill("#code", claimed)
    page.fill("#spend", "1500")
    page.click("#redeem")
    expect(page.locator("#result .problem")).to_be_visible()  # the second scan is refused
    page.fill("#code", "")
    page.goto(f"{shop['base']}/wallet")
    expect(page.locator(f".coupon[data-code='{claimed}']")).to_have_attribute("data-status", "redeemed")
    page.goto(f"{shop['base']}/redeem")
    page.fill("#code", "VS-22222-22222")
    page.fill("#spend", "1500")
    page.click("#redeem")
    expect(page.locator("#result .problem")).to_be_visible()


def test_the_clerk_reverses_a_redemption_and_the_coupon_is_back(page: Page, shop: dict[str, Any]) -> None:
    svc: ServiceUnderTest = shop["svc"]
    campaign = shop["product"]["campaign_id"]
    claim = svc.client.post(
        f"/api/v1/campaigns/{campaign}/claims", headers=svc.headers(None, ("consumer",), kind="consumer", subject="rev")
    ).json()
    page.context.add_cookies(
        [{"name": "smartdist_token", "value": svc.token(shop["tenant"], STAFF), "url": shop["base"]}]
    )
    page.goto(f"{shop['base']}/redeem")
    page.fill("#code", claim["code"])
    page.fill("#spend", "2000")
    page.click("#redeem")
    page.click("#reverse")
    expect(page.locator("#result .reversed")).to_be_visible()
    wallet = svc.client.get("/api/v1/wallet", headers=svc.headers(None, ("consumer",), kind="consumer", subject="rev"))
    assert wallet.json()[0]["status"] == "claimed"


def test_scans_made_offline_are_redeemed_once_when_the_counter_is_back_online(page: Page, shop: dict[str, Any]) -> None:
    svc: ServiceUnderTest = shop["svc"]
    campaign = shop["product"]["campaign_id"]
    shopper = svc.headers(None, ("consumer",), kind="consumer", subject="offline-shopper")
    first, second = (
        svc.client.post(f"/api/v1/campaigns/{campaign}/claims", headers=shopper).json()["code"] for _ in range(2)
    )
    page.context.add_cookies(
        [{"name": "smartdist_token", "value": svc.token(shop["tenant"], STAFF), "url": shop["base"]}]
    )
    page.goto(f"{shop['base']}/redeem")
    page.context.set_offline(True)
    for code in (first, first, second):  # the first coupon is scanned twice while offline
        page.fill("#code", code)
        page.fill("#spend", "1200")
        page.click("#redeem")
        expect(page.locator("#result .queued")).to_be_visible()
    expect(page.locator("#queue-state")).to_contain_text("3")
    assert page.evaluate("JSON.parse(localStorage.getItem('smartdist.virtual-store.redeem-queue')).length") == 3
    page.context.set_offline(False)  # back online: the queue is redeemed in order, each result shown
    expect(page.locator("#results li")).to_have_count(3)
    expect(page.locator("#queue-state")).to_be_hidden()
    expect(page.locator(f"#results li[data-code='{first}'] .problem")).to_have_count(1)  # the repeat is refused
    expect(page.locator(f"#results li[data-code='{second}']")).to_contain_text("1100")
    wallet = {c["code"]: c["status"] for c in svc.client.get("/api/v1/wallet", headers=shopper).json()}
    assert wallet == {first: "redeemed", second: "redeemed"}


def test_the_owner_places_a_hotspot_by_clicking_on_the_panorama(page: Page, shop: dict[str, Any]) -> None:
    svc: ServiceUnderTest = shop["svc"]
    page.context.add_cookies(
        [{"name": "smartdist_token", "value": svc.token(shop["tenant"], ("owner",)), "url": shop["base"]}]
    )
    page.goto(f"{shop['base']}/stores/{shop['store']['id']}/edit")
    page.wait_for_function("window.vsEditor && window.vsEditor.isLoaded()", timeout=30_000)
    box = page.locator("#pano").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.3)
    expect(page.locator("#position")).not_to_have_value("")
    page.fill("#hotspot-form [name=title]", "新到貨")
    page.select_option("#hotspot-form [name=kind]", "info")
    page.click("#save")
    expect(page.locator("#form-result")).to_have_class("ok")
    scene = svc.client.get(f"/api/v1/stores/{shop['store']['id']}", headers=shop["h"]).json()["scenes"][0]
    placed = next(h for h in scene["hotspots"] if h["title"] == "新到貨")
    assert placed["yaw"] > 5 and placed["pitch"] > 2  # right of and above the centre, where the click landed
