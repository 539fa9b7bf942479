import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from delivery_broker_fakes.pandago import FakePandago

from smartdist_delivery_broker.adapters import pandago
from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    CancellationRefused,
    DeliveryStatus,
    Place,
    PlatformAuthFailed,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
    TripRequest,
    WebhookSignatureInvalid,
)

TRIP = TripRequest(Place(25.034, 121.5645, "Taipei 101"), Place(25.0478, 121.517, "Taipei Main Station"), 5025, 1200)
CLIENT_ID = "pandago:tw:00000000-0000-0000-0000-000000000001"


@lru_cache(maxsize=2)
def key_pair(n: int = 0) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def with_fake(test: Callable[[pandago.PandagoPlatform, FakePandago], Awaitable[Any]], *, signing_key: int = 0) -> Any:
    _, public = key_pair(0)
    fake = FakePandago(CLIENT_ID, "kid-1", public)
    creds = pandago.PandagoCredentials(
        client_id=CLIENT_ID,
        key_id="kid-1",
        private_key_pem=key_pair(signing_key)[0],
        api_host=pandago.SANDBOX_API_HOST,
        auth_host=pandago.SANDBOX_AUTH_HOST,
        country="sg",
        webhook_secret="cb-secret",
    )

    async def run() -> Any:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as client:
            return await test(pandago.PandagoPlatform(creds, client, clock=lambda: fake.now), fake)

    return asyncio.run(run())


def test_quote_signs_a_client_assertion_and_reuses_the_token() -> None:
    async def scenario(platform: pandago.PandagoPlatform, fake: FakePandago) -> None:
        first = await platform.quote(TRIP)
        second = await platform.quote(TRIP)
        assert first.platform_fee == second.platform_fee and first.platform_fee is not None
        assert first.eta_minutes is not None and first.eta_minutes > 0
        assert first.expires_at is None and first.platform_quote_ref is None
        assert fake.tokens_issued == 1
        assert ("POST", "/sg/api/v1/orders/fee") in fake.requests and (
            "POST",
            "/sg/api/v1/orders/time",
        ) in fake.requests

    with_fake(scenario)


def test_assertion_signed_with_an_unregistered_key_is_refused() -> None:
    async def scenario(platform: pandago.PandagoPlatform, fake: FakePandago) -> None:
        with pytest.raises(PlatformAuthFailed):
            await platform.quote(TRIP)

    with_fake(scenario, signing_key=1)


def test_expired_token_is_renewed_once() -> None:
    async def scenario(platform: pandago.PandagoPlatform, fake: FakePandago) -> None:
        await platform.quote(TRIP)
        fake.tokens.clear()  # pandago revoked or expired it
        assert (await platform.quote(TRIP)).platform_fee is not None
        assert fake.tokens_issued == 2

    with_fake(scenario)


def test_create_get_and_cancel_before_a_courier_accepts() -> None:
    async def scenario(platform: pandago.PandagoPlatform, fake: FakePandago) -> None:
        order = await platform.create(BookingRequest(TRIP, "d-1"))
        assert order.status is DeliveryStatus.PENDING and order.raw_status == "NEW"
        assert order.raw["payment_method"] == "CASH_ON_DELIVERY" and order.raw["amount"] == 1200
        assert (await platform.get(order.platform_ref)).platform_ref == order.platform_ref
        cancelled = await platform.cancel(order.platform_ref, "MISTAKE_ERROR")
        assert cancelled.status is DeliveryStatus.CANCELLED

    with_fake(scenario)


def test_cancel_after_courier_accepted_is_refused_with_409() -> None:
    async def scenario(platform: pandago.PandagoPlatform, fake: FakePandago) -> None:
        order = await platform.create(BookingRequest(TRIP, "d-2"))
        fake.now += timedelta(minutes=2)  # script: COURIER_ACCEPTED_DELIVERY at 120 s
        assert (await platform.get(order.platform_ref)).status is DeliveryStatus.ASSIGNED
        with pytest.raises(CancellationRefused, match="not cancellable"):
            await platform.cancel(order.platform_ref)

    with_fake(scenario)


def test_unknown_order_is_a_rejection() -> None:
    async def scenario(platform: pandago.PandagoPlatform, fake: FakePandago) -> None:
        with pytest.raises(PlatformRejected) as err:
            await platform.get("nope-000000")
        assert err.value.status_code == 404

    with_fake(scenario)


def test_rate_limit_server_error_and_422_array_map_to_port_errors() -> None:
    async def scenario(platform: pandago.PandagoPlatform, fake: FakePandago) -> None:
        await platform.quote(TRIP)
        fake.fail_next(422, [{"message": "No Branch found that is close enough to the given sender coordinates"}])
        with pytest.raises(PlatformRejected, match="No Branch found"):
            await platform.create(BookingRequest(TRIP, "d-3"))
        fake.fail_next(500, [{"message": "internal error"}])
        with pytest.raises(PlatformUnavailable):
            await platform.create(BookingRequest(TRIP, "d-4"))
        fake.rate_limit = len(fake.requests)
        with pytest.raises(PlatformRateLimited) as limited:
            await platform.create(BookingRequest(TRIP, "d-5"))
        assert limited.value.retry_after_s == 10

    with_fake(scenario)


def test_fake_validates_required_fields_like_pandago() -> None:
    async def scenario(platform: pandago.PandagoPlatform, fake: FakePandago) -> None:
        token = await platform.tokens.get()
        response = await platform.client.post(
            platform.creds.api_base + "/orders/fee",
            json={"sender": {}, "recipient": {}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 400 and "amount" in response.json()["message"]

    with_fake(scenario)


def test_estimate_request_carries_cod_as_cash_on_delivery_amount() -> None:
    body = pandago.estimate_request(TRIP)
    assert body["payment_method"] == "CASH_ON_DELIVERY" and body["amount"] == 1200
    prepaid = pandago.estimate_request(TripRequest(TRIP.pickup, TRIP.dropoff, 100, 0, goods_value=450))
    assert prepaid["payment_method"] == "PAID" and prepaid["amount"] == 450


def test_estimate_answers_are_read_in_both_documented_spellings() -> None:
    now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    example = pandago.quote_from_estimates(
        {"estimated_delivery_fee": 95.4}, {"estimated_delivery_time": "2026-11-26T01:25:00.000Z"}, now
    )
    schema = pandago.quote_from_estimates(
        {"estimate_delivery_fee": 95.4}, {"estimate_delivery_time": "2026-11-26T01:25:00Z"}, now
    )
    assert (example.platform_fee, example.eta_minutes) == (schema.platform_fee, schema.eta_minutes) == (95, 25)


def callback(status: str, **extra: Any) -> bytes:
    payload = {
        "order_id": "y0ud-000001",
        "client_order_id": "d-1",
        "status": status,
        "timeline": {},
        "driver": {},
        "created_at": 1764118800,
        "updated_at": 1764118860,
        **extra,
    }
    return json.dumps(payload).encode()


def platform_for_webhooks() -> pandago.PandagoPlatform:
    creds = pandago.PandagoCredentials(CLIENT_ID, "kid-1", "unused", webhook_secret="cb-secret")
    # Webhook parsing never sends; a transport that refuses to is enough.
    return pandago.PandagoPlatform(creds, httpx.AsyncClient(transport=httpx.MockTransport(refuse_network)))


def refuse_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"webhook parsing made a request to {request.url}")


def test_callback_signature_is_accepted_hex_or_base64_and_refused_otherwise() -> None:
    platform = platform_for_webhooks()
    body = callback("PICKED_UP")
    digest = hmac.new(b"cb-secret", body, hashlib.sha256).digest()
    for header in (digest.hex(), base64.b64encode(digest).decode()):
        [update] = platform.parse_webhook({"X-Signature-SHA256": header}, body)
        assert update.status is DeliveryStatus.PICKED_UP and update.platform_ref == "y0ud-000001"
    with pytest.raises(WebhookSignatureInvalid):
        platform.parse_webhook({"X-Signature-SHA256": "00" * 32}, body)
    with pytest.raises(WebhookSignatureInvalid):
        platform.parse_webhook({}, body)


def test_callback_statuses_map_to_the_lifecycle() -> None:
    platform = platform_for_webhooks()

    def parse(body: bytes) -> Any:
        return platform.parse_webhook({"X-Signature-SHA256": pandago.callback_signature(body, "cb-secret")}, body)[0]

    assert parse(callback("NEAR_VENDOR")).status is DeliveryStatus.ASSIGNED
    assert parse(callback("DELAYED")).status is None
    assert parse(callback("SOMETHING_NEW_NEXT_YEAR")).status is None
    no_courier = parse(callback("CANCELLED", cancellation={"source": "LOGISTICS", "reason": "NO_COURIER"}))
    assert no_courier.status is DeliveryStatus.FAILED and no_courier.detail == "LOGISTICS:NO_COURIER"
    by_client = parse(callback("CANCELLED", cancellation={"source": "CLIENT", "reason": "MISTAKE_ERROR"}))
    assert by_client.status is DeliveryStatus.CANCELLED
    assert parse(callback("RETURNED_TO_VENDOR")).status is DeliveryStatus.RETURNED
    # No event id in pandago callbacks: the same callback twice gets the same key.
    assert parse(callback("PICKED_UP")).event_key == parse(callback("PICKED_UP")).event_key


def test_pandago_cancellation_window_closes_when_a_courier_accepts() -> None:
    assert pandago.cancellation_refusal("WAITING_FOR_TRANSPORT") is None
    assert pandago.cancellation_refusal("COURIER_ACCEPTED_DELIVERY") is not None


def test_callbacks_are_refused_when_no_signing_secret_was_agreed() -> None:
    body = callback("DELIVERED")
    assert not pandago.verify_callback_signature(body, pandago.callback_signature(body, "x"), None)
