import asyncio
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from delivery_broker_fakes.uber_direct import FakeUberDirect

from smartdist_delivery_broker.adapters import uber_direct
from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    CancellationRefused,
    DeliveryStatus,
    Place,
    PlatformAuthFailed,
    PlatformRateLimited,
    PlatformRejected,
    TripRequest,
    WebhookSignatureInvalid,
)

TRIP = TripRequest(
    Place(25.034, 121.5645, "Taipei 101"), Place(25.0478, 121.517, "Taipei Main Station"), 5025, 800, goods_value=450
)


def with_fake(
    test: Callable[[uber_direct.UberDirectPlatform, FakeUberDirect], Awaitable[Any]], secret: str = "s3cret"
) -> Any:
    fake = FakeUberDirect("client-1", "s3cret", "cus_42")
    creds = uber_direct.UberDirectCredentials("client-1", secret, "cus_42", webhook_signing_key="whk")

    async def run() -> Any:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as client:
            return await test(uber_direct.UberDirectPlatform(creds, client, clock=lambda: fake.now), fake)

    return asyncio.run(run())


def test_quote_returns_fee_in_major_units_with_id_and_expiry() -> None:
    async def scenario(platform: uber_direct.UberDirectPlatform, fake: FakeUberDirect) -> None:
        quote = await platform.quote(TRIP)
        assert quote.platform_quote_ref and quote.platform_quote_ref.startswith("dqt_")
        assert quote.raw["fee"] == quote.platform_fee * 100  # type: ignore[operator]
        assert quote.expires_at == fake.now + timedelta(minutes=15)
        assert quote.eta_minutes == quote.raw["duration"]
        await platform.quote(TRIP)
        assert fake.tokens_issued == 1

    with_fake(scenario)


def test_wrong_client_secret_is_an_auth_failure() -> None:
    async def scenario(platform: uber_direct.UberDirectPlatform, fake: FakeUberDirect) -> None:
        with pytest.raises(PlatformAuthFailed) as err:
            await platform.quote(TRIP)
        assert err.value.code == "invalid_client"

    with_fake(scenario, secret="wrong")


def book(platform: uber_direct.UberDirectPlatform, reference: str) -> Any:
    async def go() -> Any:
        quote = await platform.quote(TRIP)
        return await platform.create(BookingRequest(TRIP, reference, quote.platform_quote_ref))

    return go()


def test_create_on_a_quote_then_cancel_while_pending() -> None:
    async def scenario(platform: uber_direct.UberDirectPlatform, fake: FakeUberDirect) -> None:
        delivery = await book(platform, "d-1")
        assert delivery.platform_ref.startswith("del_") and delivery.status is DeliveryStatus.PENDING
        assert delivery.tracking_url
        cancelled = await platform.cancel(delivery.platform_ref)
        assert cancelled.status is DeliveryStatus.CANCELLED and cancelled.raw_status == "canceled"

    with_fake(scenario)


def test_retried_create_with_same_idempotency_key_is_refused_as_duplicate() -> None:
    async def scenario(platform: uber_direct.UberDirectPlatform, fake: FakeUberDirect) -> None:
        await book(platform, "d-1")
        with pytest.raises(PlatformRejected) as err:
            await book(platform, "d-1")
        assert err.value.code == "duplicate_delivery" and err.value.status_code == 409

    with_fake(scenario)


def test_expired_and_used_quotes_are_refused() -> None:
    async def scenario(platform: uber_direct.UberDirectPlatform, fake: FakeUberDirect) -> None:
        quote = await platform.quote(TRIP)
        await platform.create(BookingRequest(TRIP, "a", quote.platform_quote_ref))
        with pytest.raises(PlatformRejected) as used:
            await platform.create(BookingRequest(TRIP, "b", quote.platform_quote_ref))
        assert used.value.code == "used_quote"
        late = await platform.quote(TRIP)
        fake.now += timedelta(minutes=16)
        with pytest.raises(PlatformRejected) as expired:
            await platform.create(BookingRequest(TRIP, "c", late.platform_quote_ref))
        assert expired.value.code == "expired_quote"

    with_fake(scenario)


def test_cancel_after_pickup_is_noncancelable() -> None:
    async def scenario(platform: uber_direct.UberDirectPlatform, fake: FakeUberDirect) -> None:
        delivery = await book(platform, "d-1")
        fake.now += timedelta(seconds=95)  # Robo Courier cadence: picked up at +90 s
        assert (await platform.get(delivery.platform_ref)).status is DeliveryStatus.PICKED_UP
        with pytest.raises(CancellationRefused) as err:
            await platform.cancel(delivery.platform_ref)
        assert err.value.code == "noncancelable_delivery"

    with_fake(scenario)


def test_customer_rate_limit_and_unknown_delivery() -> None:
    async def scenario(platform: uber_direct.UberDirectPlatform, fake: FakeUberDirect) -> None:
        with pytest.raises(PlatformRejected) as missing:
            await platform.get("del_nope")
        assert missing.value.code == "delivery_not_found"
        fake.rate_limit = len(fake.requests)
        with pytest.raises(PlatformRateLimited) as limited:
            await platform.quote(TRIP)
        assert limited.value.code == "customer_limited" and limited.value.retry_after_s == 10

    with_fake(scenario)


def test_delivery_request_uses_idempotency_key_and_marks_cod_as_an_extension() -> None:
    body = uber_direct.delivery_request(BookingRequest(TRIP, "d-9", "dqt_1"))
    assert body["idempotency_key"] == "d-9" and body["quote_id"] == "dqt_1"
    assert body["manifest_total_value"] == 45_000 and body["x_cod_amount"] == 800
    no_cod = uber_direct.delivery_request(BookingRequest(TripRequest(TRIP.pickup, TRIP.dropoff, 10, 0), "d-10"))
    assert "x_cod_amount" not in no_cod and "quote_id" not in no_cod


def webhook(status: str, **data: Any) -> bytes:
    return json.dumps(
        {
            "id": f"evt_{status}",
            "kind": "event.delivery_status",
            "status": status,
            "created": "2026-11-26T01:02:03.000Z",
            "delivery_id": "del_abc",
            "data": {"id": "del_abc", "status": status, **data},
        }
    ).encode()


PLATFORM = uber_direct.UberDirectPlatform(
    uber_direct.UberDirectCredentials("c", "s", "cus", webhook_signing_key="whk"),
    httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(599))),
)


def signed(body: bytes, header: str = "x-uber-signature") -> dict[str, str]:
    return {header: hmac.new(b"whk", body, hashlib.sha256).hexdigest()}


def test_webhook_signature_accepts_both_header_names_and_rejects_tampering() -> None:
    body = webhook("pickup_complete")
    for header in ("x-uber-signature", "X-Postmates-Signature"):
        [update] = PLATFORM.parse_webhook(signed(body, header), body)
        assert update.status is DeliveryStatus.PICKED_UP and update.event_key == "evt_pickup_complete"
    with pytest.raises(WebhookSignatureInvalid):
        PLATFORM.parse_webhook(signed(body), body.replace(b"pickup_complete", b"delivered"))


def test_webhook_statuses_map_to_the_lifecycle() -> None:
    def parse(body: bytes) -> Any:
        return PLATFORM.parse_webhook(signed(body), body)[0]

    assert parse(webhook("pickup", courier_imminent=True)).raw_status == "pickup:imminent"
    assert parse(webhook("dropoff")).status is DeliveryStatus.PICKED_UP
    assert parse(webhook("canceled")).status is DeliveryStatus.CANCELLED
    assert parse(webhook("canceled", undeliverable_reason="customer_unavailable")).status is DeliveryStatus.FAILED
    assert parse(webhook("returned")).status is DeliveryStatus.RETURNED
    courier = json.dumps(
        {"kind": "event.courier_update", "delivery_id": "del_abc", "location": {}, "data": {}}
    ).encode()
    assert parse(courier).status is None
