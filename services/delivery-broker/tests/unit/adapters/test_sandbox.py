import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    CancellationRefused,
    DeliveryStatus,
    Place,
    TripRequest,
    WebhookSignatureInvalid,
)
from smartdist_delivery_broker.adapters.sandbox import CourierScenario, SandboxBehaviour, SandboxPlatform
from smartdist_delivery_broker.orders.domain import DeliveryState, Outcome, apply_status_update

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TRIP = TripRequest(Place(25.034, 121.5645), Place(25.0478, 121.517), 5025, cod_amount=300)


class ManualClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def book(platform: SandboxPlatform, reference: str = "d1"):  # type: ignore[no-untyped-def]
    quote = asyncio.run(platform.quote(TRIP))
    booking = BookingRequest(TRIP, reference, quote.platform_quote_ref, tuple(quote.raw.get("stop_ids", ())))
    return asyncio.run(platform.create(booking))


FINAL = {
    ("pandago", CourierScenario.DELIVER): DeliveryStatus.DELIVERED,
    ("pandago", CourierScenario.FAIL): DeliveryStatus.FAILED,
    ("pandago", CourierScenario.RETURN): DeliveryStatus.RETURNED,
    ("pandago", CourierScenario.DELAYED): DeliveryStatus.DELIVERED,
    ("uber_direct", CourierScenario.DELIVER): DeliveryStatus.DELIVERED,
    ("uber_direct", CourierScenario.FAIL): DeliveryStatus.FAILED,
    ("uber_direct", CourierScenario.RETURN): DeliveryStatus.RETURNED,
    ("lalamove", CourierScenario.DELIVER): DeliveryStatus.DELIVERED,
    ("lalamove", CourierScenario.FAIL): DeliveryStatus.FAILED,
    ("lalamove", CourierScenario.RETURN): DeliveryStatus.CANCELLED,
}


@pytest.mark.parametrize(("provider", "scenario"), sorted(FINAL))
def test_sandbox_courier_webhooks_drive_the_order_to_the_scenario_end_whatever_their_order(
    provider: str, scenario: CourierScenario
) -> None:
    clock = ManualClock()
    platform = SandboxPlatform(
        provider,
        SandboxBehaviour(scenario=scenario, duplicate_probability=0.6, reorder=True, webhook_delay_s=20, seed=7),
        clock,
    )
    delivery = book(platform)
    assert delivery.status is DeliveryStatus.PENDING
    clock.now = T0 + timedelta(hours=1)
    webhooks = platform.due_webhooks()
    assert len(webhooks) > len(platform.orders[delivery.platform_ref].script)  # duplicates happened
    state = DeliveryState.booked(T0)
    changes = 0
    for hook in webhooks:
        for upd in platform.parse_webhook(hook.headers, hook.body):
            assert upd.platform_ref == delivery.platform_ref
            result = apply_status_update(state, upd)
            state = result.state
            changes += result.outcome is Outcome.APPLIED
    assert state.status is FINAL[(provider, scenario)]
    statuses = [c.status for c in state.history]
    assert len(statuses) == len(set(statuses))
    assert asyncio.run(platform.get(delivery.platform_ref)).status is FINAL[(provider, scenario)]
    assert platform.due_webhooks() == []  # each step is sent once per run (plus duplicates)


def test_sandbox_webhooks_are_signed_and_tampering_is_caught() -> None:
    for provider in ("pandago", "uber_direct", "lalamove"):
        clock = ManualClock()
        platform = SandboxPlatform(provider, SandboxBehaviour(), clock)
        book(platform)
        clock.now = T0 + timedelta(minutes=1)
        hook = platform.due_webhooks()[0]
        tampered = (
            hook.body.replace(b"ASSIGNING_DRIVER", b"COMPLETED")
            .replace(b"NEW", b"DELIVERED")
            .replace(b'"pending"', b'"delivered"')
        )
        assert tampered != hook.body
        with pytest.raises(WebhookSignatureInvalid):
            platform.parse_webhook(hook.headers, tampered)


@pytest.mark.parametrize(
    ("provider", "open_until_s", "closed_at_s"),
    [("pandago", 60, 90), ("uber_direct", 60, 90), ("lalamove", 30 + 299, 30 + 301)],
)
def test_sandbox_enforces_each_platforms_cancellation_window(
    provider: str, open_until_s: int, closed_at_s: int
) -> None:
    clock = ManualClock()
    platform = SandboxPlatform(provider, SandboxBehaviour(step_s=30), clock)
    first = book(platform, "a")
    clock.now = T0 + timedelta(seconds=open_until_s)
    # Lalamove's ON_GOING lasts only one 30 s step in the script: stretch it for this check.
    if provider == "lalamove":
        platform.orders[first.platform_ref].script = platform.orders[first.platform_ref].script[:2]
    cancelled = asyncio.run(platform.cancel(first.platform_ref, "MISTAKE_ERROR"))
    assert cancelled.status is DeliveryStatus.CANCELLED

    clock.now = T0
    second = book(platform, "b")
    if provider == "lalamove":
        platform.orders[second.platform_ref].script = platform.orders[second.platform_ref].script[:2]
    clock.now = T0 + timedelta(seconds=closed_at_s)
    with pytest.raises(CancellationRefused):
        asyncio.run(platform.cancel(second.platform_ref))


def test_booking_twice_with_the_same_reference_returns_the_same_order() -> None:
    platform = SandboxPlatform("uber_direct", SandboxBehaviour(), ManualClock())
    quote = asyncio.run(platform.quote(TRIP))
    booking = BookingRequest(TRIP, "same", quote.platform_quote_ref)
    first = asyncio.run(platform.create(booking))
    second = asyncio.run(platform.create(booking))
    assert first.platform_ref == second.platform_ref and len(platform.orders) == 1
