"""The broker adapter speaks the broker's REST API: quotes, then a booking of the recommended platform."""

from __future__ import annotations

import json

import httpx
import pytest

from smartdist_surplus_market.adapters.delivery_broker import (
    BookingFailed,
    DeliveryRequest,
    HttpDeliveryBroker,
    Party,
    Place,
    schedule_fee,
)

REQUEST = DeliveryRequest(
    tenant_id="t1",
    reference="r-1",
    pickup=Place(25.03, 121.56, "倉庫"),
    dropoff=Place(25.05, 121.52, "家"),
    pickup_contact=Party("供應商", "0223456789"),
    dropoff_contact=Party("小美", "0912345678"),
    goods_value=600,
    description="牛奶 x 2 箱",
)


def test_books_in_one_instant_call_and_a_retry_sends_the_same_request() -> None:
    seen: list[tuple[str, dict[str, object], dict[str, str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, json.loads(request.content), dict(request.headers)))
        return httpx.Response(201, json={"id": "d1", "provider": "lalamove", "status": "pending", "fee": 120})

    broker = HttpDeliveryBroker(
        "http://h/delivery-broker/", lambda t: f"tok-{t}", transport=httpx.MockTransport(handler)
    )
    booking = broker.book(REQUEST)
    assert (booking.delivery_id, booking.provider, booking.status, booking.fee) == ("d1", "lalamove", "pending", 120)
    broker.book(REQUEST)  # a retry: same body, same Idempotency-Key, so the broker replays its booking
    (path, book, headers), (path2, book2, headers2) = seen
    assert path == path2 == "/delivery-broker/api/v1/deliveries/instant"
    assert book == book2 and headers["idempotency-key"] == headers2["idempotency-key"] == "sm-r-1"
    assert book["pickup"] == {"lat": 25.03, "lng": 121.56, "address": "倉庫"}
    assert book["dropoff"] == {"lat": 25.05, "lng": 121.52, "address": "家"}
    assert book["reference"] == "r-1" and book["goods_value"] == 600 and book["cod_amount"] == 0
    assert book["dropoff_contact"] == {"name": "小美", "phone": "0912345678"}
    assert headers["authorization"] == "Bearer tok-t1"


def test_nothing_available_or_broker_down_is_a_booking_failure() -> None:
    def none_available(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            409,
            json={"title": "Platform cannot take this delivery", "detail": "No platform can take this delivery.",
                  "reasons": {"pandago": "over 8 km"}},
        )  # fmt: skip

    with pytest.raises(BookingFailed, match="over 8 km"):
        HttpDeliveryBroker("http://h", lambda t: "x", transport=httpx.MockTransport(none_available)).book(REQUEST)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(BookingFailed, match="unreachable"):
        HttpDeliveryBroker("http://h", lambda t: "x", transport=httpx.MockTransport(down)).book(REQUEST)


def test_sandbox_prices_by_the_published_schedule() -> None:
    assert [schedule_fee(m) for m in (800, 2000, 3000, 3400, 8000, 9500)] == [85, 95, 105, 120, 180, 240]
