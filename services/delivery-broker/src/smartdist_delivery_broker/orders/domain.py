"""The normalised delivery lifecycle and exactly-once application of platform status updates.

pending → assigned → picked_up → delivered, with exits cancelled, failed and returned.
Platforms deliver webhooks at least once and in no guaranteed order, so every update is judged
by three things: its event key (seen before → duplicate), the rank of its normalised status
(lower than where we are → stale, never a step back) and its platform timestamp (the only way a
step back is allowed: a driver change, assigned → pending, that happened after the assignment).

A milestone we skipped because a later one arrived first (picked_up before assigned) is still
recorded in the history when it turns up — marked late — so no status change is lost, but the
current status never moves backwards and no status change is announced twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from smartdist.problems import Conflict, NotFound, Problem, Unauthorized
from smartdist_delivery_broker.adapters.port import (
    DeliveryStatus,
    PlatformError,
    PlatformUnavailable,
    StatusUpdate,
)

RANK: Mapping[DeliveryStatus, int] = MappingProxyType(
    {
        DeliveryStatus.PENDING: 0,
        DeliveryStatus.ASSIGNED: 1,
        DeliveryStatus.PICKED_UP: 2,
        DeliveryStatus.DELIVERED: 3,
        DeliveryStatus.CANCELLED: 3,
        DeliveryStatus.FAILED: 3,
        DeliveryStatus.RETURNED: 4,
    }
)
TERMINAL = frozenset(
    {DeliveryStatus.DELIVERED, DeliveryStatus.CANCELLED, DeliveryStatus.FAILED, DeliveryStatus.RETURNED}
)
# Goods come back after a cancellation or failure in flight; after delivery nothing follows.
FINAL = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.RETURNED})


class Outcome(StrEnum):
    APPLIED = "applied"  # the current status changed: announce it
    BACKFILLED = "backfilled"  # a skipped milestone arrived late: history only
    UNCHANGED = "unchanged"  # same normalised status (e.g. NEW then RECEIVED): raw status kept
    INFORMATIONAL = "informational"  # ETA / courier position / unknown raw status
    STALE = "stale"  # older than what we know: ignored
    CONFLICT = "conflict"  # a second, different terminal status: first one stands
    DUPLICATE = "duplicate"  # this exact event was already processed


@dataclass(frozen=True)
class StatusChange:
    status: DeliveryStatus
    previous: DeliveryStatus | None
    occurred_at: datetime
    raw_status: str
    event_key: str
    late: bool = False


@dataclass(frozen=True)
class DeliveryState:
    status: DeliveryStatus
    status_at: datetime
    raw_status: str | None = None
    courier_accepted_at: datetime | None = None
    seen_event_keys: frozenset[str] = frozenset()
    history: tuple[StatusChange, ...] = ()

    @classmethod
    def booked(cls, at: datetime, raw_status: str | None = None) -> DeliveryState:
        start = StatusChange(DeliveryStatus.PENDING, None, at, raw_status or "booked", "booked")
        return cls(DeliveryStatus.PENDING, at, raw_status, history=(start,))

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def reached(self, status: DeliveryStatus) -> bool:
        return any(change.status is status for change in self.history)


@dataclass(frozen=True)
class ApplyResult:
    outcome: Outcome
    state: DeliveryState
    change: StatusChange | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _may_advance(current: DeliveryStatus, new: DeliveryStatus) -> bool:
    if current in FINAL:
        return False
    if current in (DeliveryStatus.CANCELLED, DeliveryStatus.FAILED):
        return new is DeliveryStatus.RETURNED
    return RANK[new] > RANK[current]


def apply_status_update(state: DeliveryState, update: StatusUpdate) -> ApplyResult:
    """Apply one platform update exactly once; the state is immutable, a new one is returned."""
    if update.event_key in state.seen_event_keys:
        return ApplyResult(Outcome.DUPLICATE, state)
    seen = replace(state, seen_event_keys=state.seen_event_keys | {update.event_key})
    new = update.status
    if new is None:
        return ApplyResult(Outcome.INFORMATIONAL, seen)

    current = state.status
    if new is current:
        if update.occurred_at > state.status_at:
            seen = replace(seen, raw_status=update.raw_status, status_at=update.occurred_at)
        return ApplyResult(Outcome.UNCHANGED, seen)

    if _may_advance(current, new):
        change = StatusChange(new, current, update.occurred_at, update.raw_status, update.event_key)
        accepted = update.occurred_at if new is DeliveryStatus.ASSIGNED else seen.courier_accepted_at
        return ApplyResult(
            Outcome.APPLIED,
            replace(
                seen,
                status=new,
                status_at=update.occurred_at,
                raw_status=update.raw_status,
                courier_accepted_at=accepted,
                history=seen.history + (change,),
            ),
            change,
        )

    # Driver change: the platform is looking for a courier again, after the assignment we hold.
    if current is DeliveryStatus.ASSIGNED and new is DeliveryStatus.PENDING and update.occurred_at > state.status_at:
        change = StatusChange(new, current, update.occurred_at, update.raw_status, update.event_key)
        return ApplyResult(
            Outcome.APPLIED,
            replace(
                seen,
                status=new,
                status_at=update.occurred_at,
                raw_status=update.raw_status,
                courier_accepted_at=None,
                history=seen.history + (change,),
            ),
            change,
        )

    if not state.reached(new) and RANK[new] < RANK[current] and update.occurred_at <= state.status_at:
        change = StatusChange(new, None, update.occurred_at, update.raw_status, update.event_key, late=True)
        history = tuple(sorted(seen.history + (change,), key=lambda c: (RANK[c.status], c.occurred_at)))
        return ApplyResult(Outcome.BACKFILLED, replace(seen, history=history), change)

    if new in TERMINAL and current in TERMINAL:
        return ApplyResult(
            Outcome.CONFLICT,
            seen,
            notes=(f"{new} reported after {current}; {current} stands",),
        )

    return ApplyResult(Outcome.STALE, seen)


def cancellation_refusal(
    state: DeliveryState,
    platform_refusal: str | None,
) -> str | None:
    """Why the merchant cannot cancel now: the order is over, or the platform's window is closed."""
    if state.is_terminal:
        return f"the delivery is already {state.status}"
    return platform_refusal


class DeliveryNotFound(NotFound):
    """No delivery with that id for this tenant."""


class PlatformRefused(Problem):
    status = 502
    title = "Delivery platform refused the request"


class PlatformDown(Problem):
    status = 503
    title = "Delivery platform unavailable"


class CancellationNotAllowed(Problem):
    status = 409
    title = "Delivery can no longer be cancelled"


class SubsidyWouldBeOverspent(Problem):
    status = 409
    title = "Booking would pass the subsidy cap"


class BookingInProgress(Conflict):
    title = "Booking still being placed"


class NotRebookable(Conflict):
    title = "Delivery cannot be booked again"


class WebhookRejected(Unauthorized):
    title = "Webhook signature does not verify"


class UnknownDelivery(NotFound):
    """A webhook for an order we do not (yet) hold; answered 404 so the platform retries."""


class NoSandbox(Conflict):
    """Sandbox operations on a service that talks to live platforms."""


def platform_problem(exc: PlatformError) -> Problem:
    """What the merchant sees of a platform's refusal or outage."""
    params = {"provider": exc.provider, "reason": exc.reason}
    if isinstance(exc, PlatformUnavailable):
        return PlatformDown(
            f"{exc.provider}: {exc.reason}", code="broker.platform.down", params=params, provider=exc.provider
        )
    return PlatformRefused(
        f"{exc.provider}: {exc.reason}",
        code="broker.platform.refused",
        params=params,
        provider=exc.provider,
        platform_code=exc.code,
    )


def cancellation_problem(refusal: str, status: str) -> Problem:
    """The 409 for a refused cancellation: the delivery is over, or the platform's window closed."""
    if refusal.startswith("the delivery is already"):
        return CancellationNotAllowed(refusal, code="broker.cancel.ended", params={"status": status})
    return CancellationNotAllowed(refusal, code="broker.cancel.window_closed", params={"reason": refusal})


def delivery_number(order_id: str, at: datetime) -> str:
    # new_id() starts with a timestamp; its random tail keeps numbers of one day apart.
    return f"DR{at:%Y%m%d}-{order_id[-8:].upper()}"
