import asyncio
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from delivery_broker_fakes.lalamove import FakeLalamove

from smartdist_delivery_broker.adapters import lalamove
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

TRIP = TripRequest(Place(25.034, 121.5645, "Taipei 101"), Place(25.0478, 121.517, "Taipei Main Station"), 5025)


def with_fake(
    test: Callable[[lalamove.LalamovePlatform, FakeLalamove], Awaitable[Any]], secret: str = "sk_test"
) -> Any:
    fake = FakeLalamove("pk_test", "sk_test")
    creds = lalamove.LalamoveCredentials("pk_test", secret, api_host=lalamove.SANDBOX_API_HOST)

    async def run() -> Any:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as client:
            return await test(lalamove.LalamovePlatform(creds, client, clock=lambda: fake.now), fake)

    return asyncio.run(run())


async def book(platform: lalamove.LalamovePlatform, reference: str = "d-1") -> Any:
    quote = await platform.quote(TRIP)
    stops = tuple(quote.raw["stop_ids"])
    return await platform.create(BookingRequest(TRIP, reference, quote.platform_quote_ref, stops))


def test_signed_quotation_gives_total_expiry_and_stop_ids() -> None:
    async def scenario(platform: lalamove.LalamovePlatform, fake: FakeLalamove) -> None:
        quote = await platform.quote(TRIP)
        assert quote.platform_fee == int(quote.raw["priceBreakdown"]["total"])
        assert quote.expires_at == fake.now.replace(microsecond=0) + timedelta(minutes=5)
        assert len(quote.raw["stop_ids"]) == 2 and quote.eta_minutes is None

    with_fake(scenario)


def test_bad_signature_is_refused() -> None:
    async def scenario(platform: lalamove.LalamovePlatform, fake: FakeLalamove) -> None:
        with pytest.raises(PlatformAuthFailed, match="Signature"):
            await platform.quote(TRIP)

    with_fake(scenario, secret="sk_wrong")


def test_order_on_quotation_then_cancel_while_assigning_driver() -> None:
    async def scenario(platform: lalamove.LalamovePlatform, fake: FakeLalamove) -> None:
        order = await book(platform)
        assert order.status is DeliveryStatus.PENDING and order.raw_status == "ASSIGNING_DRIVER"
        assert order.tracking_url
        cancelled = await platform.cancel(order.platform_ref)
        assert cancelled.status is DeliveryStatus.CANCELLED

    with_fake(scenario)


def test_cancel_after_pickup_is_forbidden() -> None:
    async def scenario(platform: lalamove.LalamovePlatform, fake: FakeLalamove) -> None:
        order = await book(platform)
        fake.now += timedelta(seconds=61)
        assert (await platform.get(order.platform_ref)).status is DeliveryStatus.PICKED_UP
        with pytest.raises(CancellationRefused) as err:
            await platform.cancel(order.platform_ref)
        assert err.value.code == "ERR_CANCELLATION_FORBIDDEN"

    with_fake(scenario)


def test_invalid_quotation_and_rate_limit_map_to_port_errors() -> None:
    async def scenario(platform: lalamove.LalamovePlatform, fake: FakeLalamove) -> None:
        with pytest.raises(PlatformRejected) as invalid:
            await platform.create(BookingRequest(TRIP, "x", "123", ("1", "2")))
        assert invalid.value.code == "ERR_INVALID_QUOTATION_ID"
        fake.rate_limit = len(fake.requests)
        with pytest.raises(PlatformRateLimited):
            await platform.quote(TRIP)

    with_fake(scenario)


def test_request_body_is_wrapped_in_data_with_string_coordinates() -> None:
    body = lalamove.quotation_request(TRIP, lalamove.LalamoveCredentials("k", "s"))
    stop = body["data"]["stops"][0]
    assert stop["coordinates"] == {"lat": "25.034000", "lng": "121.564500"}
    assert body["data"]["serviceType"] == "MOTORCYCLE" and body["data"]["language"] == "zh_TW"


def test_authorization_header_follows_the_sdk_signing_recipe() -> None:
    headers = lalamove.request_headers(
        lalamove.LalamoveCredentials("pk", "sk"), 1700000000000, "POST", "/v3/quotations", '{"data":{}}'
    )
    expected = hmac.new(
        b"sk", b'1700000000000\r\nPOST\r\n/v3/quotations\r\n\r\n{"data":{}}', hashlib.sha256
    ).hexdigest()
    assert headers["Authorization"] == f"hmac pk:1700000000000:{expected}"
    assert headers["Market"] == "TW"


CREDS = lalamove.LalamoveCredentials("pk_test", "sk_test")
PLATFORM = lalamove.LalamovePlatform(
    CREDS, httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(599)))
)


def envelope(
    status: str, *, compact: bool = True, api_key: str = "pk_test", event_type: str = "ORDER_STATUS_CHANGED"
) -> bytes:
    data = {"order": {"orderId": "3000000000000000001", "status": status}, "updatedAt": "2026-11-26T01:02:03.000Z"}
    signature = lalamove.webhook_signature("sk_test", 1764118923000, CREDS.webhook_path, data, compact=compact)
    return json.dumps(
        {
            "apiKey": api_key,
            "timestamp": 1764118923000,
            "signature": signature,
            "eventId": f"e-{status}",
            "eventType": event_type,
            "eventVersion": "v3",
            "data": data,
        }
    ).encode()


def test_webhook_verifies_in_both_serialisations_and_maps_statuses() -> None:
    [on_going] = PLATFORM.parse_webhook({}, envelope("ON_GOING"))
    assert on_going.status is DeliveryStatus.ASSIGNED and on_going.event_key == "e-ON_GOING"
    [completed] = PLATFORM.parse_webhook({}, envelope("COMPLETED", compact=False))
    assert completed.status is DeliveryStatus.DELIVERED
    assert completed.occurred_at == datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC)
    assert PLATFORM.parse_webhook({}, envelope("EXPIRED"))[0].status is DeliveryStatus.FAILED
    assert PLATFORM.parse_webhook({}, envelope("REJECTED"))[0].status is DeliveryStatus.FAILED
    assert PLATFORM.parse_webhook({}, envelope("X", event_type="WALLET_BALANCE_CHANGED"))[0].status is None


def test_webhook_with_foreign_api_key_or_bad_signature_is_refused_and_handshake_is_accepted() -> None:
    with pytest.raises(WebhookSignatureInvalid):
        PLATFORM.parse_webhook({}, envelope("COMPLETED", api_key="pk_other"))
    with pytest.raises(WebhookSignatureInvalid):
        PLATFORM.parse_webhook({}, envelope("PICKED_UP").replace(b"PICKED_UP", b"COMPLETED"))
    assert PLATFORM.parse_webhook({}, b"") == []


def test_lalamove_cancellation_window_is_five_minutes_after_acceptance() -> None:
    accepted = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert lalamove.cancellation_refusal("ASSIGNING_DRIVER", None, accepted) is None
    assert lalamove.cancellation_refusal("ON_GOING", accepted, accepted + timedelta(seconds=299)) is None
    assert lalamove.cancellation_refusal("ON_GOING", accepted, accepted + timedelta(minutes=5)) is not None
    assert lalamove.cancellation_refusal("PICKED_UP", accepted, accepted + timedelta(minutes=1)) is not None
