"""The driver's phone app in headless Chromium: the console's sign-in, today's stops, arrive and deliver
with a drawn signature, fail with a reason, then a delivery taken offline and synced exactly once.

The platform runs as in the demo (console at /, dispatch under /dispatch) on SQLite, and the day is
built through the public API as a merchant would: depot, van, driver with a login, orders, plan, publish.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smartdist.auth.keys import load_keys
from smartdist.auth.tokens import TokenSigner
from smartdist.bus.backends import make_backend
from smartdist.bus.models import OutboxEvent
from smartdist.config import PlatformSettings
from smartdist.console import IDENTITY, create_console_app
from smartdist.identity import service as identity
from smartdist.kpi import KpiRecord
from smartdist.runtime import ServiceRuntime
from smartdist.testing.browser import live_server
from smartdist.timeparams import TAIPEI
from smartdist.web.app import create_service_app
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.routes.models import GpsBreadcrumb, Route, RouteNotice, StopProof

pytestmark = pytest.mark.browser

DRIVER_EMAIL, DRIVER_PASSWORD = "driver.chen@example.tw", "route-66-ok"


@dataclass
class Platform:
    base: str
    console: ServiceRuntime
    dispatch: ServiceRuntime
    signer: TokenSigner
    tenant_id: str = ""
    owner_key: str = ""


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir: Path = tmp_path_factory.mktemp("driver-app")
    settings = PlatformSettings(
        data_dir=data_dir, log_json=False, run_background=False, jobs_backend="inprocess", bus_backend="embedded"
    )
    keys, backend = load_keys(settings), make_backend(settings)
    console = ServiceRuntime(IDENTITY, settings, bus_backend=backend, keys=keys)
    dispatch = ServiceRuntime(DEFINITION, settings, bus_backend=backend, keys=keys)
    app = create_console_app(console, [], manage_lifecycle=False)
    app.mount("/dispatch", create_service_app(dispatch, manage_lifecycle=False))
    console.start()
    dispatch.start()
    try:
        assert keys.private_pem is not None
        with live_server(app) as base:
            yield Platform(base, console, dispatch, TokenSigner(keys.private_pem))
    finally:
        dispatch.stop()
        console.stop()
        backend.close()


def set_up_todays_route(platform: Platform, email: str = DRIVER_EMAIL) -> dict[str, Any]:
    """A new merchant: a van, its driver with a login, three orders for today (S-2 with cash), planned and
    published. ``platform`` then speaks for this merchant (tenant id, owner key)."""
    with platform.console.database.system_transaction() as session:
        tenant = identity.create_tenant(session, platform.signer, name="陳記蔬果")
    platform.tenant_id, platform.owner_key = tenant.tenant_id, tenant.api_key
    with httpx.Client(
        base_url=platform.base, headers={"Authorization": f"Bearer {platform.owner_key}"}, timeout=30
    ) as owner:
        user = owner.post(
            "/api/v1/users",
            json={"email": email, "name": "陳司機", "password": DRIVER_PASSWORD, "roles": ["driver"]},
        )
        assert user.status_code == 201, user.text
        api = "/dispatch/api/v1"

        def post(path: str, body: dict[str, Any], expected: int = 201) -> dict[str, Any]:
            answer = owner.post(api + path, json=body)
            assert answer.status_code == expected, answer.text
            return dict(answer.json())

        depot = post("/depots", {"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57})
        van = post(
            "/vehicles",
            {
                "code": "V1",
                "kind": "van",
                "capacity_weight_kg": 800,
                "capacity_volume_l": 3000,
                "capacity_boxes": 50,
                "depot_id": depot["id"],
            },
        )
        post(
            "/drivers",
            {
                "code": "DR1",
                "name": "陳司機",
                "phone": "0912000111",
                "user_subject": user.json()["id"],
                "vehicle_id": van["id"],
            },
        )
        day = datetime.now(TAIPEI).date().isoformat()
        window = [[f"{day}T08:00:00+08:00", f"{day}T18:00:00+08:00"]]
        for no, (lat, lng), cash in (
            ("S-1", (25.079, 121.575), 0),
            ("S-2", (25.070, 121.580), 300),
            ("S-3", (25.062, 121.560), 0),
        ):
            post(
                "/orders",
                {
                    "order_no": no,
                    "customer_name": f"客戶 {no}",
                    "phone": "02-2345-6789",
                    "address": f"台北市內湖區 {no} 號",
                    "lat": lat,
                    "lng": lng,
                    "time_windows": window,
                    "boxes": 1,
                    "cash_to_collect_twd": cash,
                },
            )
        job = post("/plans", {"plan_date": day, "depot_id": depot["id"], "time_limit_s": 1}, expected=202)
        deadline = time.monotonic() + 60
        while (state := owner.get(f"{api}/jobs/{job['job_id']}").json())["status"] not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
        assert state["status"] == "succeeded", state
        published = post(f"/plans/{state['result']['plan_id']}/publish", {}, expected=200)
    assert [len(r["stops"]) for r in published["routes"]] == [3]
    return published["routes"][0]


def stop_statuses(platform: Platform) -> dict[str, str]:
    with httpx.Client(base_url=platform.base, headers={"Authorization": f"Bearer {platform.owner_key}"}) as owner:
        plans = owner.get("/dispatch/api/v1/plans").json()["items"]
        plan = owner.get(f"/dispatch/api/v1/plans/{plans[-1]['id']}").json()
    return {s["order_no"]: s["status"] for r in plan["routes"] for s in r["stops"]}


def draw_signature(page: Page, card: Any) -> None:
    box = card.locator("canvas.signature").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 60)
    page.mouse.down()
    for k in range(1, 12):
        page.mouse.move(box["x"] + 20 + k * 18, box["y"] + 60 + (25 if k % 2 else -25), steps=2)
    page.mouse.up()


def test_driver_signs_in_works_the_route_and_syncs_an_offline_delivery_once(page: Page, platform: Platform) -> None:
    route = set_up_todays_route(platform)
    order = [s["order_no"] for s in route["stops"]]
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(platform.base + "/dispatch/driver")
    expect(page).to_have_url(platform.base + "/signin?next=/dispatch/driver")
    page.fill("input[name=email]", DRIVER_EMAIL)
    page.fill("input[name=password]", DRIVER_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(platform.base + "/dispatch/driver")

    cards = page.locator("article.stop")
    expect(cards).to_have_count(3)
    expect(page.locator("html")).to_have_attribute("lang", "zh-TW")
    assert [cards.nth(k).get_attribute("data-order-no") for k in range(3)] == order
    first = page.locator(f"article.stop[data-order-no='{order[0]}']")
    expect(first.locator("a.navigate")).to_have_attribute(
        "href", f"https://www.google.com/maps/dir/?api=1&destination={route_point(route, order[0])}"
    )
    expect(first.locator("a.call")).to_have_attribute("href", "tel:0223456789")
    expect(page.locator("article.stop[data-order-no='S-2'] .cash")).to_contain_text("300")

    # Arrive, then deliver with a signature drawn on the pad (and the cash where there is some).
    first.locator("button.action-arrive").click()
    expect(first).to_have_attribute("data-status", "arrived")
    first.locator("button.action-deliver").click()
    first.locator("input[name=recipient_name]").fill("王小明")
    draw_signature(page, first)
    first.locator("button.confirm-deliver").click()
    expect(first).to_have_attribute("data-status", "delivered")

    # Fail the second with a reason from the picker.
    second = page.locator(f"article.stop[data-order-no='{order[1]}']")
    second.locator("button.action-fail").click()
    second.locator("select[name=reason_code]").select_option("nobody_home")
    second.locator("button.confirm-fail").click()
    expect(second).to_have_attribute("data-status", "failed")
    expect(page.locator("#pending")).to_be_hidden()
    assert stop_statuses(platform) == {order[0]: "delivered", order[1]: "failed", order[2]: "pending"}

    # No signal: the delivery waits on the phone, counted, and shows as done.
    page.context.set_offline(True)
    third = page.locator(f"article.stop[data-order-no='{order[2]}']")
    third.locator("button.action-deliver").click()
    if order[2] == "S-2":
        third.locator("input[name=cash_collected_twd]").fill("300")
    third.locator("button.confirm-deliver").click()
    expect(page.locator("#pending")).to_be_visible()
    expect(page.locator("#pending-count")).to_have_text("1")
    expect(page.locator("#net")).to_be_visible()
    expect(third).to_have_attribute("data-status", "delivered")
    assert stop_statuses(platform)[order[2]] == "pending"
    # A reload without signal still opens the day: the page from the service worker's cache,
    # the route from the phone, the waiting action still counted.
    page.reload()
    expect(page.locator("article.stop")).to_have_count(3)
    expect(page.locator("#pending-count")).to_have_text("1")
    expect(third).to_have_attribute("data-status", "delivered")
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    # Back online: the queue drains and the server holds the delivery exactly once.
    page.context.set_offline(False)
    expect(page.locator("#pending")).to_be_hidden(timeout=15_000)
    expect(page.locator(".route-status")).to_have_text("已完成")
    assert stop_statuses(platform) == {order[0]: "delivered", order[1]: "failed", order[2]: "delivered"}
    with platform.dispatch.database.tenant_transaction(platform.tenant_id) as session:
        delivered = [
            json.loads(e.payload)["data"]["order_no"]
            for e in session.scalars(select(OutboxEvent).where(OutboxEvent.type == "smartdist.dispatch.stop.delivered"))
        ]
        kpi_delivered = session.scalars(
            select(KpiRecord.doc_no).where(KpiRecord.doc_type == "delivery_order", KpiRecord.status == "delivered")
        ).all()
        completed = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "smartdist.dispatch.route.completed")
        ).all()
    assert sorted(delivered) == sorted([order[0], order[2]])
    assert sorted(kpi_delivered) == sorted([order[0], order[2]])
    assert len(completed) == 1
    # The drawn signature reached the server as a PNG proof of the first stop.
    with httpx.Client(base_url=platform.base, headers={"Authorization": f"Bearer {platform.owner_key}"}) as owner:
        today = owner.get("/dispatch/api/v1/driver/routes/today", params={"driver_id": route["driver_id"]}).json()
        stop = next(s for s in today["routes"][0]["stops"] if s["order_no"] == order[0])
        assert [p["kind"] for p in stop["proofs"]] == ["signature"] and stop["recipient_name"] == "王小明"
        image = owner.get(f"/dispatch/api/v1/driver/stops/{stop['id']}/proofs/{stop['proofs'][0]['id']}")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def route_point(route: dict[str, Any], order_no: str) -> str:
    """The stop's coordinates as the navigation link carries them."""
    places = {"S-1": "25.079,121.575", "S-2": "25.07,121.58", "S-3": "25.062,121.56"}
    return places[order_no]


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    """A phone in Taipei that lets the page read its position."""
    return {
        "locale": "zh-TW",
        "timezone_id": "Asia/Taipei",
        "viewport": {"width": 390, "height": 844},
        "permissions": ["geolocation"],
        "geolocation": {"latitude": 25.0712, "longitude": 121.5779, "accuracy": 12},
    }


def test_driver_acknowledges_a_route_change_sends_gps_and_attaches_a_photo_in_english(
    page: Page, platform: Platform, tmp_path: Path
) -> None:
    route = set_up_todays_route(platform, email="driver.lin@example.tw")
    with platform.dispatch.database.tenant_transaction(platform.tenant_id) as session:
        stored = session.get(Route, route["id"])
        assert stored is not None
        stored.revision = 2
        session.add(RouteNotice(route_id=route["id"], kind="rush_inserted", message="Rush order R-9 added", revision=2))
    page.context.add_cookies([{"name": "smartdist_lang", "value": "en", "url": platform.base}])
    page.goto(platform.base + "/dispatch/driver")
    page.fill("input[name=email]", "driver.lin@example.tw")
    page.fill("input[name=password]", DRIVER_PASSWORD)
    page.click("button[type=submit]")

    notice = page.locator(".notice")
    expect(notice).to_contain_text("Rush order R-9 added")
    expect(notice).to_contain_text("revision 2")
    notice.locator("button.ack").click()
    expect(page.locator(".notice")).to_have_count(0)

    # The phone's position is buffered and sent as one batch to the route.
    expect(page.locator("#gps")).to_have_text("GPS on")
    page.evaluate("window.SmartDistDriver.sendBreadcrumbs()")

    # A photo taken with the camera input goes up with the delivery.
    photo = tmp_path / "door.png"
    Image.new("RGB", (2400, 1200), "orange").save(photo)
    next_up = page.locator("article.stop").first
    order_no = next_up.get_attribute("data-order-no")
    card = page.locator(f"article.stop[data-order-no='{order_no}']")
    card.locator("button.action-deliver").click()
    expect(card.locator("input[name=photo]")).to_have_attribute("capture", "environment")
    card.locator("input[name=photo]").set_input_files(str(photo))
    card.locator("button.confirm-deliver").click()
    expect(card).to_have_attribute("data-status", "delivered")
    expect(card.locator(".status")).to_have_text("Delivered")
    expect(page.locator("#pending")).to_be_hidden()
    # Done, it folds away below the stops still to do; the next one is now first.
    expect(page.locator("details.finished-stops summary")).to_have_text("Finished stops (1)")
    expect(page.locator("article.stop").first).not_to_have_attribute("data-order-no", order_no or "")

    deadline = time.monotonic() + 10
    while True:
        with platform.dispatch.database.tenant_transaction(platform.tenant_id) as session:
            acked = session.scalars(select(RouteNotice.acknowledged_at)).one()
            crumbs = session.scalars(select(GpsBreadcrumb).where(GpsBreadcrumb.route_id == route["id"])).all()
            proofs = session.scalars(select(StopProof)).all()
            if acked and crumbs and proofs:
                break
        assert time.monotonic() < deadline, (acked, crumbs, proofs)
        time.sleep(0.2)
    assert (round(crumbs[0].lat, 4), round(crumbs[0].lng, 4)) == (25.0712, 121.5779)
    assert [(p.kind, p.content_type) for p in proofs] == [("photo", "image/jpeg")]


def test_owner_picks_a_driver_and_sees_their_day(page: Page, platform: Platform) -> None:
    set_up_todays_route(platform, email="driver.wu@example.tw")
    page.context.add_cookies([{"name": "smartdist_token", "value": platform.owner_key, "url": platform.base}])
    page.goto(platform.base + "/dispatch/driver?lang=en")
    picker = page.locator("#driver-picker a")
    expect(picker).to_have_count(1)
    expect(picker).to_have_text("DR1 · 陳司機")
    picker.click()
    expect(page).to_have_url(re.compile(r"/dispatch/driver\?lang=en&driver_id=\d+$"))
    expect(page.locator("article.stop")).to_have_count(3)
