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


def test_quotes_then_books_the_recommended_platform() -> None:
    seen: list[tuple[str, dict[str, object], dict[str, str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, json.loads(request.content), dict(request.headers)))
        if request.url.path.endswith("/quotes"):
            return httpx.Response(
                200, json={"quote_set_id": "qs1", "recommended": "lalamove", "distance_m": 4100, "quotes": []}
            )
        return httpx.Response(201, json={"id": "d1", "provider": "lalamove", "status": "pending", "fee": 120})

    broker = HttpDeliveryBroker(
        "http://h/delivery-broker/", lambda t: f"tok-{t}", transport=httpx.MockTransport(handler)
    )
    booking = broker.book(REQUEST)
    assert (booking.delivery_id, booking.provider, booking.status, booking.fee) == ("d1", "lalamove", "pending", 120)
    (q_path, quote, q_headers), (b_path, book, b_headers) = seen
    assert q_path == "/delivery-broker/api/v1/quotes" and b_path == "/delivery-broker/api/v1/deliveries"
    assert quote == {
        "pickup": {"lat": 25.03, "lng": 121.56, "address": "倉庫"},
        "dropoff": {"lat": 25.05, "lng": 121.52, "address": "家"},
        "cod_amount": 0,
    }
    assert book["quote_set_id"] == "qs1" and book["provider"] == "lalamove" and book["reference"] == "r-1"
    assert book["dropoff_contact"] == {"name": "小美", "phone": "0912345678"}
    assert q_headers["authorization"] == "Bearer tok-t1" and b_headers["idempotency-key"] == "sm-r-1"


def test_nothing_available_or_broker_down_is_a_booking_failure() -> None:
    def none_available(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "quote_set_id": "qs",
                "recommended": None,
                "quotes": [{"provider": "pandago", "reason": "over 8 km"}],
            },
        )

    with pytest.raises(BookingFailed, match="over 8 km"):
        HttpDeliveryBroker("http://h", lambda t: "x", transport=httpx.MockTransport(none_available)).book(REQUEST)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(BookingFailed, match="unreachable"):
        HttpDeliveryBroker("http://h", lambda t: "x", transport=httpx.MockTransport(down)).book(REQUEST)


def test_sandbox_prices_by_the_published_schedule() -> None:
    assert [schedule_fee(m) for m in (800, 2000, 3000, 3400, 8000, 9500)] == [85, 95, 105, 120, 180, 240]
