"""The own fleet's answer to a quote: its own fee, reach, COD and service hours; pure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from smartdist_delivery_broker.adapters.own_fleet import OwnFleetPlatform
from smartdist_delivery_broker.adapters.port import BookingRequest, CancellationRefused, Place, TripRequest
from smartdist_delivery_broker.adapters.sandbox import SandboxBehaviour, SandboxPlatform
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms, clock_time, dispatch_order_no, own_fleet_fee
from smartdist_delivery_broker.quotes.domain import gather_quotes

NOON_TAIPEI = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
TERMS = OwnFleetTerms(enabled=True, fee_twd=60, max_distance_m=5000, cod_allowed=False)


def test_fee_is_the_merchants_own_cost_whatever_the_distance() -> None:
    for distance in (0, 4999, 5000):
        quote = own_fleet_fee(TERMS, distance, 0, NOON_TAIPEI)
        assert quote.available and quote.fee == 60 and quote.fee_breakdown == {"base": 60, "distance": 0, "cod": 0}


def test_every_limit_that_applies_is_named() -> None:
    quote = own_fleet_fee(TERMS, 5001, 300, datetime(2026, 11, 27, 14, 30, tzinfo=UTC))  # 22:30 in Taipei
    assert not quote.available and quote.reason is not None
    assert "trip of 5001 m is over the own fleet's reach of 5000 m" in quote.reason
    assert "does not collect cash on delivery" in quote.reason
    assert "pickup at 22:30 is outside the own fleet's service hours 09:00–21:00" in quote.reason


@pytest.mark.parametrize(
    ("start", "end", "local_hour", "open_"),
    [("09:00", "21:00", 8, False), ("09:00", "21:00", 9, True), ("09:00", "21:00", 21, False),
     ("22:00", "06:00", 23, True), ("22:00", "06:00", 5, True), ("22:00", "06:00", 12, False),
     ("00:00", "00:00", 3, True)],
)  # fmt: skip
def test_service_hours_in_taipei_time_also_past_midnight(start: str, end: str, local_hour: int, open_: bool) -> None:
    terms = OwnFleetTerms(enabled=True, fee_twd=1, service_start=start, service_end=end)
    at = datetime(2026, 11, 27, (local_hour - 8) % 24, 0, tzinfo=UTC)
    assert terms.in_service(at) is open_


def test_clock_times_are_24_hour() -> None:
    assert clock_time("23:59").hour == 23
    with pytest.raises(ValueError):
        clock_time("24:00")


def test_own_fleet_answers_at_once_beside_the_platforms_and_is_booked_as_a_dispatch_order() -> None:
    trip = TripRequest(Place(25.03, 121.56), Place(25.05, 121.52), 4000, scheduled_at=NOON_TAIPEI)
    own = OwnFleetPlatform(TERMS)
    slow = SandboxPlatform("pandago", SandboxBehaviour(quote_latency_s=0.05))
    answer = asyncio.run(gather_quotes(trip, [slow, own], deadline_s=1.0))
    mine = answer.quote_for("own_fleet")
    assert mine is not None and mine.available and mine.fee == 60 and mine.expires_at is not None
    assert answer.recommended == "own_fleet"

    booked = asyncio.run(own.create(BookingRequest(trip, "delivery-id", delivery_no="DR20261127-00000001")))
    assert booked.platform_ref == dispatch_order_no("DR20261127-00000001") == "BRK-DR20261127-00000001"
    assert booked.status is not None and booked.status.value == "pending"
    with pytest.raises(CancellationRefused):
        asyncio.run(own.cancel(booked.platform_ref))
