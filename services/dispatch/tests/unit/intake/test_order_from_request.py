"""A broker booking on the own fleet -> the dispatch order it becomes, or why it cannot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from smartdist_dispatch.config import IntakeSettings
from smartdist_dispatch.intake.consumer import RequestNotAcceptable, order_from_request

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def request(**changes: Any) -> dict[str, Any]:
    return {
        "delivery_id": "0192abc",
        "delivery_no": "DR20261126-ABCD1234",
        "provider": "own_fleet",
        "pickup": {"lat": 25.04, "lng": 121.54, "address": "忠孝東路四段 100 號", "contact_name": "Store",
                   "contact_phone": "+886227001234"},
        "dropoff": {"lat": 25.05, "lng": 121.52, "address": "台北車站", "contact_name": "林小姐",
                    "contact_phone": "+886912345678"},
        "cod_amount": 800,
        "scheduled_at": None,
        "notes": "2F",
    } | changes  # fmt: skip


def test_booking_becomes_an_order_numbered_from_the_delivery_with_cash_and_a_window_from_now() -> None:
    order = order_from_request(request(), NOW, IntakeSettings(window_hours=3))
    assert order.order_no == "BRK-DR20261126-ABCD1234"
    assert (order.customer_name, order.phone, order.address) == ("林小姐", "+886912345678", "台北車站")
    assert (order.lat, order.lng, order.cash_to_collect_twd) == (25.05, 121.52, 800)
    assert order.time_windows == [[NOW, NOW + timedelta(hours=3)]]  # [start, end]
    assert "delivery-broker 0192abc (DR20261126-ABCD1234)" in order.notes and "2F" in order.notes
    assert "pickup: 忠孝東路四段 100 號" in order.notes


def test_scheduled_pickup_starts_the_window() -> None:
    order = order_from_request(request(scheduled_at="2026-11-27T10:00:00+08:00"), NOW, IntakeSettings())
    start, end = order.time_windows[0]
    assert start == datetime(2026, 11, 27, 2, 0, tzinfo=UTC) and end - start == timedelta(hours=4)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"dropoff": {"lat": 125.0, "lng": 121.5}}, "dropoff.lat"),
        ({"dropoff": {"lat": 25.0, "lng": None}}, "dropoff.lng"),
        ({"delivery_no": ""}, "delivery_no is missing"),
        ({"dropoff": None}, "dropoff is missing"),
        ({"cod_amount": -5}, "cod_amount"),
        ({"scheduled_at": "tomorrow"}, "scheduled_at"),
        ({"scheduled_at": "2026-11-27T10:00:00"}, "no UTC offset"),
    ],
)
def test_a_booking_dispatch_cannot_take_says_which_field(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(RequestNotAcceptable, match=reason):
        order_from_request(request(**changes), NOW, IntakeSettings())
