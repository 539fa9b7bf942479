"""Courier positions: read from each platform's payload, and simulated along the trip by sandboxes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from smartdist_delivery_broker.adapters import lalamove, pandago, uber_direct
from smartdist_delivery_broker.adapters.port import BookingRequest, Place, TripRequest, coordinates
from smartdist_delivery_broker.adapters.sandbox import SandboxBehaviour, SandboxPlatform


def test_each_platforms_courier_location_shape_is_read() -> None:
    callback = {"order_id": "o1", "status": "PICKED_UP", "updated_at": 1764000000,
                "driver": {"id": "1", "name": "x", "location": {"latitude": 25.04, "longitude": 121.55}}}  # fmt: skip
    [update] = pandago.updates_from_callback(callback)
    assert (update.courier_lat, update.courier_lng) == (25.04, 121.55)
    courier_update = {"kind": "event.courier_update", "id": "evt_1", "delivery_id": "del_1",
                      "location": {"lat": 25.05, "lng": 121.53},
                      "data": {"id": "del_1", "status": "dropoff"}}  # fmt: skip
    [update] = uber_direct.updates_from_webhook(courier_update)
    assert update.status is None and (update.courier_lat, update.courier_lng) == (25.05, 121.53)
    hook = {"eventType": "ORDER_STATUS_CHANGED", "eventId": "e1",
            "data": {"order": {"orderId": "9", "status": "ON_GOING"},
                     "driver": {"driverId": "d", "coordinates": {"lat": "25.06", "lng": "121.50"}}}}  # fmt: skip
    [update] = lalamove.updates_from_webhook(hook)
    assert (update.courier_lat, update.courier_lng) == (25.06, 121.50)
    # No position, or a nonsense one, is simply not a position.
    assert pandago.updates_from_callback({"order_id": "o", "status": "NEW"})[0].courier_lat is None
    assert coordinates("x", 1) is None and coordinates(91, 0) is None and coordinates(0, 0) is None


def test_sandbox_courier_rides_to_the_pickup_then_along_the_line_to_the_dropoff() -> None:
    now = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    clock = [now]
    sandbox = SandboxPlatform("lalamove", SandboxBehaviour(step_s=10), clock=lambda: clock[0])
    trip = TripRequest(Place(25.00, 121.50), Place(25.06, 121.56), 8000)
    quote = asyncio.run(sandbox.quote(trip))
    booked = asyncio.run(sandbox.create(BookingRequest(trip, "ref", quote.platform_quote_ref, ("a", "b"))))
    order = sandbox.orders[booked.platform_ref]
    # ASSIGNING_DRIVER at 0 s, ON_GOING at 10 s, PICKED_UP at 20 s, COMPLETED at 30 s.
    assert order.courier_position("lalamove", now + timedelta(seconds=5)) is None
    assigned = order.courier_position("lalamove", now + timedelta(seconds=10))
    assert assigned is not None and assigned != (25.00, 121.50)
    assert order.courier_position("lalamove", now + timedelta(seconds=20)) == (25.00, 121.50)
    assert order.courier_position("lalamove", now + timedelta(seconds=25)) == (25.03, 121.53)
    assert order.courier_position("lalamove", now + timedelta(seconds=30)) == (25.06, 121.56)
    assert order.courier_position("lalamove", now + timedelta(seconds=31)) is None  # delivered

    clock[0] = now + timedelta(seconds=40)
    positions = [
        (u.raw_status, u.courier_lat)
        for hook in sandbox.due_webhooks()
        for u in sandbox.parse_webhook(hook.headers, hook.body)
    ]
    assert sorted(positions, key=lambda p: ["ASSIGNING_DRIVER", "ON_GOING", "PICKED_UP", "COMPLETED"].index(p[0])) == [
        ("ASSIGNING_DRIVER", None), ("ON_GOING", assigned[0]), ("PICKED_UP", 25.00), ("COMPLETED", 25.06)
    ]  # fmt: skip


def test_uber_sandbox_posts_courier_updates_between_steps_that_move_and_change_no_status() -> None:
    now = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    clock = [now]
    sandbox = SandboxPlatform("uber_direct", SandboxBehaviour(step_s=30), clock=lambda: clock[0])
    trip = TripRequest(Place(25.00, 121.50), Place(25.06, 121.56), 8000)
    quote = asyncio.run(sandbox.quote(trip))
    booked = asyncio.run(sandbox.create(BookingRequest(trip, "ref", quote.platform_quote_ref)))
    clock[0] = now + timedelta(minutes=10)
    updates = [u for hook in sandbox.due_webhooks() for u in sandbox.parse_webhook(hook.headers, hook.body)]
    moves = sorted((u for u in updates if u.raw_status == "event.courier_update"), key=lambda u: u.occurred_at)
    # Assigned at 30 s, delivered at 180 s: an update every 20 s in between (50, 70, …, 170 s).
    assert [int((u.occurred_at - now).total_seconds()) for u in moves] == list(range(50, 180, 20))
    assert all(u.status is None and u.platform_ref == booked.platform_ref for u in moves)
    positions = [(u.courier_lat, u.courier_lng) for u in moves]
    assert len(set(positions)) == len(positions)  # it moves
    assert len({u.event_key for u in moves}) == len(moves)
    assert sandbox.due_webhooks() == []  # each sent once
