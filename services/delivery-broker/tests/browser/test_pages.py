"""The merchant's booking page, order board and history, and the consumer's tracking page, in
headless Chromium against the real service (SQLite, sandbox platforms)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent
from smartdist.testing.browser import live_server
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import Settings as BrokerPlatformSettings
from smartdist_delivery_broker.quotes.service import QuotingContext

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceUnderTest, str]]:
    """One service for the module (each test works in its own new tenant), so migrations run once."""
    tmp_path: Path = tmp_path_factory.mktemp("broker-pages")
    with service_under_test(DEFINITION, f"sqlite:///{tmp_path / 'broker.db'}", None, tmp_path / "data") as svc:
        # Sandboxes answer at once so the page never waits on simulated latency.
        registry = PlatformRegistry(BrokerPlatformSettings(sandbox_quote_latency_s=0, quote_deadline_s=1.0))
        svc.client.app.state.delivery_quoting = QuotingContext(registry)
        with live_server(svc.client.app) as base:
            yield svc, base


def sign_in(page: Page, svc: ServiceUnderTest, base: str) -> str:
    tenant = svc.new_tenant()
    page.context.add_cookies([{"name": "smartdist_token", "value": svc.token(tenant, ["owner"]), "url": base}])
    return tenant


def book_through_api(svc: ServiceUnderTest, headers: dict[str, str], provider: str) -> dict[str, Any]:
    """Quote Taipei 101 -> Taipei Main Station and book ``provider``, as an integrator would."""
    quotes = svc.client.post(
        "/api/v1/quotes",
        headers=headers,
        json={
            "pickup": {"lat": 25.0340, "lng": 121.5645},
            "dropoff": {"lat": 25.0478, "lng": 121.5170},
            "cod_amount": 0,
        },
    ).json()
    answer = svc.client.post(
        "/api/v1/deliveries",
        headers=headers,
        json={
            "quote_set_id": quotes["quote_set_id"],
            "provider": provider,
            "pickup_contact": {"name": "Store", "phone": "+886223456789"},
            "dropoff_contact": {"name": "Customer", "phone": "+886912345678"},
        },
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@contextmanager
def uber_courier_steps_every(svc: ServiceUnderTest, seconds: float) -> Iterator[None]:
    """The Uber Direct sandbox's courier moves every ``seconds`` instead of 30 s, for one test."""
    uber = next(p for p in svc.client.app.state.delivery_quoting.registry.sandboxes() if p.provider == "uber_direct")
    uber.behaviour.step_s = seconds
    try:
        yield
    finally:
        uber.behaviour.step_s = 30.0


def test_merchant_compares_quotes_books_the_recommended_platform_and_sees_it_on_the_board(
    page: Page, broker: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = broker
    sign_in(page, svc, base)
    page.goto(base + "/?lang=en")
    expect(page.locator("#subsidy-cap")).to_have_text("30000")
    expect(page.locator("#subsidy-remaining")).to_have_text("30000")

    page.fill("input[name=cod_amount]", "500")
    page.click("#compare")
    rows = page.locator("#quotes tbody tr")
    expect(rows).to_have_count(3)
    recommended = page.locator("#quotes tbody tr.recommended")
    expect(recommended).to_have_count(1)
    expect(recommended).to_contain_text("recommended")
    provider = recommended.get_attribute("data-provider")
    assert provider in {"pandago", "uber_direct", "lalamove"}
    # Taipei 101 → Taipei Main Station is 5,025 m by haversine, 6 started km:
    # 85 + 10 + 10 + 15 + 15 + 15 = 150, plus 30 COD fee where the platform carries COD (not Lalamove).
    expect(page.locator("#distance")).to_contain_text("5.0 km")
    expect(page.locator("#quotes tr[data-provider=pandago] .fee")).to_have_text("180")
    expect(page.locator("#quotes tr[data-provider=lalamove] .fee")).to_have_text("150")
    expect(recommended.locator(".eta")).to_contain_text("min")

    page.fill("input[name=pickup_name]", "Store")
    page.fill("input[name=pickup_phone]", "+886223456789")
    page.fill("input[name=dropoff_name]", "Customer")
    page.fill("input[name=dropoff_phone]", "+886912345678")
    page.fill("input[name=reference]", "POS-42")
    recommended.locator("button.book").click()
    expect(page.locator("#booked")).to_be_visible()
    expect(page.locator("#booked-status")).to_have_text("Finding a courier")
    no = page.locator("#booked-no").inner_text()
    assert no.startswith("DR")
    fee = int(page.locator("#booked-fee").inner_text())
    expect(page.locator("#subsidy-spent")).to_have_text(str(fee))
    expect(page.locator("#subsidy-remaining")).to_have_text(str(30000 - fee))

    page.click("text=Open the order board")
    expect(page).to_have_url(base + "/deliveries")
    board_row = page.locator("#board tbody tr")
    expect(board_row).to_have_count(1)
    expect(board_row).to_contain_text(no)
    expect(board_row).to_contain_text("POS-42")
    expect(board_row.locator(".status")).to_have_text("Finding a courier")
    expect(board_row.locator(".eta")).to_have_text(re.compile(r"\d{1,2}:\d{2}"))

    board_row.locator("a.history").click()
    expect(page.locator("#no")).to_have_text(no)
    expect(page.locator("#history tbody tr[data-status=pending]")).to_have_count(1)
    # The platform's own status column is named for what it is (it was headed "raw").
    expect(page.locator("#history thead th").nth(2)).to_have_text("Status as the platform reported it")


def test_merchant_cancels_a_pending_delivery_from_the_board(page: Page, broker: tuple[ServiceUnderTest, str]) -> None:
    svc, base = broker
    tenant = sign_in(page, svc, base)
    headers = svc.headers(tenant, ["owner"])
    booked = book_through_api(svc, headers, "lalamove")
    assert booked["status"] == "pending", booked
    page.goto(base + "/deliveries?lang=en")
    row = page.locator(f"#board tbody tr[data-delivery-id='{booked['id']}']")
    row.locator("button.cancel").click()
    expect(row.locator(".status")).to_have_text("Cancelled")
    expect(row.locator("button.cancel")).to_have_count(0)
    assert svc.client.get("/api/v1/subsidy", headers=headers).json()["spent"] == 0


def test_consumer_tracking_page_shows_status_and_platform_without_sign_in(
    page: Page, broker: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = broker
    tenant = svc.new_tenant()
    headers = svc.headers(tenant, ["owner"])
    delivery = book_through_api(svc, headers, "pandago")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + f"/track/{delivery['id']}?lang=en")
    expect(page.locator("#status")).to_have_text("Finding a courier")
    expect(page.locator("#provider")).to_have_text("foodpanda pandago")
    expect(page.locator("#no")).to_have_text(delivery["no"])
    assert delivery["eta_at"] is not None
    expect(page.locator("#eta")).to_have_attribute("data-eta", delivery["eta_at"])
    expect(page.locator("#eta-line")).to_be_visible()
    expect(page.locator("#timeline li")).to_have_count(4)
    expect(page.locator("#timeline li.reached")).to_have_count(1)
    expect(page.locator("#timeline li.reached")).to_have_attribute("data-status", "pending")
    expect(page.locator("header nav")).not_to_contain_text("API")
    # Nothing the consumer should not see: no fee, no names or phones.
    expect(page.locator("main")).not_to_contain_text("Customer")
    expect(page.locator("main")).not_to_contain_text("+886")

    page.goto(base + "/track/no-such-delivery?lang=en")
    expect(page.locator("#problem")).to_have_text("No such delivery")


def test_cod_over_ubers_cap_shows_ubers_reason_and_no_book_button(
    page: Page, broker: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = broker
    sign_in(page, svc, base)
    page.goto(base + "/?lang=en")
    page.fill("input[name=cod_amount]", "3000")
    page.click("#compare")
    uber = page.locator("#quotes tr[data-provider=uber_direct]")
    expect(uber).to_have_class("unavailable")
    expect(uber.locator(".reason")).to_have_text("COD amount 3000 TWD is over the platform's cap of 2000 TWD")
    expect(uber.locator("button.book")).to_have_count(0)
    expect(page.locator("#quotes tr[data-provider=pandago] button.book")).to_have_count(1)
    expect(page.locator("#quotes tr.recommended")).not_to_have_attribute("data-provider", "uber_direct")


def test_booking_page_sends_a_signed_out_merchant_to_sign_in(page: Page, broker: tuple[ServiceUnderTest, str]) -> None:
    _, base = broker
    page.goto(base + "/deliveries")
    expect(page).to_have_url(base + "/signin?next=/deliveries")


def test_booking_with_a_bad_phone_shows_the_problem_naming_the_field_and_books_nothing(
    page: Page, broker: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = broker
    tenant = sign_in(page, svc, base)
    page.goto(base + "/")  # zh-TW: the field by its label, no developer English
    page.click("#compare")
    page.fill("input[name=pickup_name]", "Store")
    page.fill("input[name=pickup_phone]", "+886223456789")
    page.fill("input[name=dropoff_name]", "Customer")
    page.fill("input[name=dropoff_phone]", "call me")
    page.locator("#quotes tr[data-provider=lalamove] button.book").click()
    expect(page.locator("#problem")).to_contain_text("收件人 電話：")
    expect(page.locator("#problem")).not_to_contain_text("dropoff_contact")
    assert not re.search(r"[A-Za-z]{4,}", page.locator("#problem").inner_text()), page.locator("#problem").inner_text()
    expect(page.locator("#booked")).to_be_hidden()
    listed = svc.client.get("/api/v1/deliveries", headers=svc.headers(tenant, ["owner"])).json()
    assert listed["items"] == []


def test_order_board_follows_a_courier_without_reloading(page: Page, broker: tuple[ServiceUnderTest, str]) -> None:
    svc, base = broker
    tenant = sign_in(page, svc, base)
    headers = svc.headers(tenant, ["owner"])
    with uber_courier_steps_every(svc, 0.4):
        booked = book_through_api(svc, headers, "uber_direct")
        page.goto(base + "/deliveries?lang=en&refresh_s=1")
        expect(page.locator(".lead")).to_have_text("Refreshes every 1 seconds")
        row = page.locator(f"#board tbody tr[data-delivery-id='{booked['id']}']")
        expect(row).to_have_attribute("data-status", "delivered", timeout=10_000)
        expect(row.locator(".status")).to_have_text("Delivered")
        expect(row.locator("button.cancel")).to_have_count(0)


def test_tracking_map_shows_pickup_dropoff_and_a_courier_that_moves_with_the_sandbox(
    page: Page, broker: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = broker
    headers = svc.headers(svc.new_tenant(), ["owner"])
    with uber_courier_steps_every(svc, 1.5):
        delivery = book_through_api(svc, headers, "uber_direct")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(base + f"/track/{delivery['id']}?lang=en&refresh_s=1")
        expect(page.locator("#no-tiles")).to_be_visible()  # no tile server here: markers on a plain map
        expect(page.locator("#map path.pickup-marker")).to_have_count(1)
        expect(page.locator("#map path.dropoff-marker")).to_have_count(1)
        # The courier is assigned after one step and appears; at the next step it has moved.
        expect(page.locator("#map path.courier-marker")).to_have_count(1, timeout=10_000)
        box = page.locator("#map")
        first = (box.get_attribute("data-courier-lat"), box.get_attribute("data-courier-lng"))
        assert first[0] is not None and first[1] is not None
        marker_first = page.locator("#map path.courier-marker").get_attribute("d") or ""
        expect(box).not_to_have_attribute("data-courier-lat", first[0], timeout=10_000)
        expect(page.locator("#map path.courier-marker")).not_to_have_attribute("d", marker_first)
        if os.environ.get("SMARTDIST_SCREENSHOTS"):
            page.screenshot(path=os.environ["SMARTDIST_SCREENSHOTS"] + "/track.png", full_page=True)
        expect(page.locator("#courier-note")).to_contain_text("Courier position as of")
        # Delivered: the courier's position is no longer shown.
        expect(page.locator("#status")).to_have_attribute("data-status", "delivered", timeout=20_000)
        expect(page.locator("#map path.courier-marker")).to_have_count(0)


def test_owner_offers_the_own_fleet_and_books_it_from_the_quote_comparison(
    page: Page, broker: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = broker
    tenant = sign_in(page, svc, base)
    page.goto(base + "/own-fleet?lang=en")
    form = page.locator("#own-fleet-form")
    expect(form).to_have_attribute("data-loaded", "true")
    expect(page.locator("input[name=enabled]")).not_to_be_checked()
    page.check("input[name=enabled]")
    page.fill("input[name=fee_twd]", "65")
    page.fill("input[name=max_distance_m]", "6000")
    page.fill("input[name=service_start]", "00:00")
    page.fill("input[name=service_end]", "00:00")
    page.click("#save")
    expect(page.locator("#saved")).to_have_text("Saved")
    expect(page.locator("#problem")).to_have_text("")

    page.goto(base + "/?lang=en")
    page.click("#compare")
    own = page.locator("#quotes tr[data-provider=own_fleet]")
    expect(own).to_contain_text("Our own fleet")
    expect(own).to_contain_text("65")
    expect(page.locator("#quotes tr.recommended")).to_have_attribute("data-provider", "own_fleet")
    page.fill("input[name=pickup_name]", "Store")
    page.fill("input[name=pickup_phone]", "+886223456789")
    page.fill("input[name=dropoff_name]", "Customer")
    page.fill("input[name=dropoff_phone]", "+886912345678")
    own.locator("button.book").click()
    expect(page.locator("#booked-provider")).to_have_text("Our own fleet")
    expect(page.locator("#booked-fee")).to_have_text("65")
    delivery = svc.client.get("/api/v1/deliveries", headers=svc.headers(tenant, ["owner"])).json()["items"][0]
    assert delivery["provider"] == "own_fleet" and delivery["platform_ref"] == "BRK-" + delivery["no"]
    assert svc.client.get("/api/v1/subsidy", headers=svc.headers(tenant, ["owner"])).json()["spent"] == 0
    # Cancelled from the board: asked of dispatch, the status stays until dispatch answers.
    page.goto(base + "/deliveries?lang=en&refresh_s=1")
    row = page.locator(f"#board tbody tr[data-delivery-id='{delivery['id']}']")
    expect(row).to_have_attribute("data-status", "pending")
    row.locator("button.cancel").click()
    expect(row.locator(".cancel-asked")).to_have_text("Cancellation asked of dispatch; waiting for its answer")
    expect(row.locator("button.cancel")).to_have_count(0)  # no second ask while one is open
    expect(row).to_have_attribute("data-status", "pending")
    expect(page.locator("#problem")).to_have_text("")
    # Dispatch refuses (its driver is at the door): the board shows why, and the merchant may ask again.
    with svc.database.tenant_transaction(tenant) as session:
        [asked] = [CloudEvent.from_json(r.payload) for r in session.scalars(select(OutboxEvent).where(
            OutboxEvent.type == "smartdist.delivery-broker.delivery.cancel_requested"))]  # fmt: skip
    refusal = CloudEvent.create(
        type="smartdist.dispatch.order.cancel_refused", subject=None, tenant_id=tenant, source="/smartdist/dispatch",
        data={"order_no": delivery["platform_ref"], "source_ref": delivery["id"], "status": "arrived",
              "reason": "the driver has arrived at the stop", "requested_at": asked.data["requested_at"]},
    )  # fmt: skip
    with svc.database.tenant_transaction(tenant) as session:
        DEFINITION.subscriptions[refusal.type](session, refusal)
    expect(row.locator(".cancel-refused")).to_have_text("Dispatch could not cancel: the driver has arrived at the stop")
    expect(row).to_have_attribute("data-status", "pending")
    expect(row.locator("button.cancel")).to_have_count(1)


def test_tracking_map_follows_the_own_fleet_van_from_dispatchs_positions(
    page: Page, broker: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = broker
    tenant = svc.new_tenant()
    headers = svc.headers(tenant, ["owner"])
    terms = {"enabled": True, "fee_twd": 60, "service_start": "00:00", "service_end": "00:00"}
    assert svc.client.put("/api/v1/own-fleet", json=terms, headers=headers).status_code == 200
    delivery = book_through_api(svc, headers, "own_fleet")
    order_no = delivery["platform_ref"]

    def from_dispatch(type_: str, data: dict[str, Any]) -> None:
        event = CloudEvent.create(type=type_, subject=None, data=data, tenant_id=tenant, source="/smartdist/dispatch")
        with svc.database.tenant_transaction(tenant) as session:
            DEFINITION.subscriptions[type_](session, event)

    from_dispatch("smartdist.dispatch.route.published",
                  {"route_id": 4, "driver_id": 2, "stops": [{"order_no": order_no, "eta": None}]})  # fmt: skip
    position = {"route_id": 4, "driver_id": 2, "lat": 25.0360, "lng": 121.5600, "order_nos": [order_no],
                "recorded_at": "2026-11-26T08:00:00+00:00"}  # fmt: skip
    from_dispatch("smartdist.dispatch.route.position", position)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + f"/track/{delivery['id']}?lang=en&refresh_s=1")
    box = page.locator("#map")
    expect(page.locator("#map path.courier-marker")).to_have_count(1)
    expect(box).to_have_attribute("data-courier-lat", "25.036")
    # The driver's next GPS batch: the van moves on the consumer's map without a reload.
    from_dispatch("smartdist.dispatch.route.position",
                  position | {"lat": 25.0420, "lng": 121.5400, "recorded_at": "2026-11-26T08:01:00+00:00"})  # fmt: skip
    expect(box).to_have_attribute("data-courier-lat", "25.042", timeout=10_000)
    expect(box).to_have_attribute("data-courier-lng", "121.54")


def test_history_filters_by_platform_and_pages_back(page: Page, broker: tuple[ServiceUnderTest, str]) -> None:
    svc, base = broker
    tenant = sign_in(page, svc, base)
    headers = svc.headers(tenant, ["owner"])
    booked = [book_through_api(svc, headers, provider) for provider in ("pandago", "lalamove", "uber_direct")]
    page.goto(base + "/deliveries?lang=en&page_size=2&refresh_s=300")
    rows = page.locator("#board tbody tr")
    expect(rows).to_have_count(2)  # the newest two; the oldest is one "load more" away
    page.click("#more")
    expect(rows).to_have_count(3)
    expect(page.locator("#more")).to_be_hidden()
    page.select_option("#filters select[name=provider]", "lalamove")
    page.click("#filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-delivery-id", booked[1]["id"])
    # A day with no deliveries (Taiwan time) shows the empty board.
    page.select_option("#filters select[name=provider]", "")
    page.fill("#filters input[name=from]", "2020-01-01")
    page.fill("#filters input[name=to]", "2020-01-02")
    page.click("#filters button[type=submit]")
    expect(rows).to_have_count(0)
    expect(page.locator("#empty")).to_be_visible()


def test_dispatchs_refusal_of_an_own_fleet_booking_shows_on_the_board_and_one_click_books_a_platform(
    page: Page, broker: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = broker
    tenant = sign_in(page, svc, base)
    headers = svc.headers(tenant, ["owner"])
    terms = {"enabled": True, "fee_twd": 60, "service_start": "00:00", "service_end": "00:00"}
    assert svc.client.put("/api/v1/own-fleet", json=terms, headers=headers).status_code == 200
    delivery = book_through_api(svc, headers, "own_fleet")
    rejected = CloudEvent.create(
        type="smartdist.dispatch.order.rejected", subject=None, tenant_id=tenant, source="/smartdist/dispatch",
        data={"order_no": delivery["platform_ref"], "source_ref": delivery["id"], "reason_code": "shift_over",
              "reason": "No route can take these orders - time_window"},
    )  # fmt: skip
    with svc.database.tenant_transaction(tenant) as session:
        DEFINITION.subscriptions[rejected.type](session, rejected)
    page.goto(base + "/deliveries?refresh_s=1")  # zh-TW, the default
    row = page.locator(f"#board tbody tr[data-delivery-id='{delivery['id']}']")
    expect(row).to_have_attribute("data-status", "failed")
    expect(row.locator(".dispatch-refusal")).to_have_text("派遣系統無法配送：自有車隊的班次已結束，無法在班內送達")
    row.locator("button.rebook").click()
    expect(row.locator("a.rebooked")).to_have_text("已改由平台配送")
    expect(row.locator("button.rebook")).to_have_count(0)
    expect(page.locator("#problem")).to_have_text("")
    items = svc.client.get("/api/v1/deliveries", headers=headers).json()["items"]
    [again] = [d for d in items if d["id"] != delivery["id"]]
    assert again["provider"] in ("pandago", "uber_direct", "lalamove") and again["status"] == "pending"
    expect(page.locator(f"#board tbody tr[data-delivery-id='{again['id']}']")).to_have_count(1)
