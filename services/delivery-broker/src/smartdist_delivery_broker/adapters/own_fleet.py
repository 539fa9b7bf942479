"""The merchant's own fleet behind the same port as the platforms: answers quotes at once from
the merchant's terms; a booking is handed to the dispatch service over the bus.

There is no HTTP call and no webhook: the booking's `delivery.requested` event (written by the
broker in the booking's transaction) is the request, and dispatch's `order.created`,
`route.published`, `stop.delivered` / `stop.failed`, `order.rejected` and `order.cancelled`
events are the status reports (`own_fleet/consumer.py`); a cancellation is asked with
`delivery.cancel_requested` (`own_fleet/service.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from smartdist_delivery_broker.adapters.dispatch import CapacityAnswer
from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    CancellationRefused,
    DeliveryStatus,
    PlatformDelivery,
    PlatformError,
    PlatformQuote,
    PlatformRejected,
    StatusUpdate,
    TripRequest,
    WebhookSignatureInvalid,
)
from smartdist_delivery_broker.own_fleet.domain import PROVIDER, OwnFleetTerms, dispatch_order_no, own_fleet_fee
from smartdist_delivery_broker.pricing import FeeQuote

REQUESTED = "requested"
# A cancellation is asked of dispatch over the bus and answered later (`own_fleet/service.py`);
# there is no synchronous call that could cancel.
CANCEL_REFUSAL = "own-fleet cancellations are asked of dispatch over the bus (POST /deliveries/{id}/cancel, 202)"


class OwnFleetCannotTake(PlatformError):
    """Dispatch says no van can take the trip in its shift (or cannot be asked): not offered."""


CapacityCheck = Callable[[TripRequest], Awaitable[CapacityAnswer]]


class OwnFleetPlatform:
    """One merchant's own fleet, with that merchant's terms; with `capacity`, dispatch is asked
    while quoting whether a van can take the trip within its shift."""

    provider = PROVIDER

    def __init__(
        self,
        terms: OwnFleetTerms,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        capacity: CapacityCheck | None = None,
    ):
        self.terms = terms
        self.clock = clock
        self.capacity = capacity

    def price(self, trip: TripRequest) -> FeeQuote:
        """Priced by the merchant's own cost, not the programme schedule (see `gather_quotes`)."""
        return own_fleet_fee(self.terms, trip.distance_m, trip.cod_amount, trip.scheduled_at or self.clock())

    async def quote(self, trip: TripRequest) -> PlatformQuote:
        # The route (and so the ETA) is only known once dispatch plans it; whether a van can take
        # it at all, dispatch says now.
        if self.capacity is not None:
            answer = await self.capacity(trip)
            if not answer.can_take:
                raise OwnFleetCannotTake(PROVIDER, answer.reason or "no van can take it", code=answer.reason_code)
        return PlatformQuote(provider=PROVIDER, platform_fee=self.terms.fee_twd, eta_minutes=None, expires_at=None)

    async def create(self, booking: BookingRequest) -> PlatformDelivery:
        if not booking.delivery_no:
            raise PlatformRejected(PROVIDER, "a delivery number is needed to hand the booking to dispatch")
        return PlatformDelivery(
            provider=PROVIDER,
            platform_ref=dispatch_order_no(booking.delivery_no),
            raw_status=REQUESTED,
            status=DeliveryStatus.PENDING,
            platform_fee=self.terms.fee_twd,
            updated_at=self.clock(),
            raw={"handed_to": "dispatch", "order_no": dispatch_order_no(booking.delivery_no)},
        )

    async def get(self, platform_ref: str) -> PlatformDelivery:
        raise PlatformRejected(PROVIDER, "own-fleet deliveries report over the bus; there is nothing to poll")

    async def cancel(self, platform_ref: str, reason: str = "") -> PlatformDelivery:
        raise CancellationRefused(PROVIDER, CANCEL_REFUSAL)

    def cancellation_refusal(self, raw_status: str, courier_accepted_at: datetime | None, now: datetime) -> str | None:
        return CANCEL_REFUSAL

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[StatusUpdate]:
        raise WebhookSignatureInvalid("the own fleet reports over the bus, not by webhook")
