"""The one interface every delivery platform adapter implements, and the models it speaks.

Adding a platform means one module that implements :class:`DeliveryPlatform`: pure translate
functions (our model <-> their JSON), a send step over httpx, their authentication, webhook
signature check and status mapping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class DeliveryStatus(StrEnum):
    """The broker's one lifecycle, normalised across platforms (SPEC §4.D)."""

    PENDING = "pending"
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    FAILED = "failed"
    RETURNED = "returned"


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    address: str = ""
    name: str = ""
    phone: str = ""
    notes: str = ""


@dataclass(frozen=True)
class TripRequest:
    """What a quote is asked for."""

    pickup: Place
    dropoff: Place
    distance_m: int
    cod_amount: int = 0
    goods_value: int = 0
    scheduled_at: datetime | None = None
    reference: str = ""


@dataclass(frozen=True)
class PlatformQuote:
    """A platform's own answer to a quote request (its fee is informative; the programme fee rules)."""

    provider: str
    platform_fee: int | None
    eta_minutes: int | None
    expires_at: datetime | None
    platform_quote_ref: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BookingRequest:
    """What a booking is placed with: the trip plus the platform quote it was priced on."""

    trip: TripRequest
    reference: str  # our delivery id, used as the platform's client reference / idempotency key
    platform_quote_ref: str | None = None
    platform_stop_refs: tuple[str, ...] = ()
    description: str = "goods"
    delivery_no: str = ""  # our delivery number (DR…), for platforms that show it


@dataclass(frozen=True)
class PlatformDelivery:
    """A platform's view of one delivery."""

    provider: str
    platform_ref: str
    raw_status: str
    status: DeliveryStatus | None  # None: a raw status we do not know yet (no transition)
    platform_fee: int | None = None
    tracking_url: str | None = None
    courier_name: str | None = None
    courier_phone: str | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    courier_lat: float | None = None
    courier_lng: float | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """One status change reported by a platform (webhook or poll), normalised."""

    provider: str
    platform_ref: str
    raw_status: str
    status: DeliveryStatus | None  # None: informational (ETA, courier position) or unknown status
    occurred_at: datetime
    event_key: str
    detail: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)
    # Where the courier was at `occurred_at`, when the platform says (pandago driver.location,
    # Uber courier.location / courier_update, Lalamove driver coordinates).
    courier_lat: float | None = None
    courier_lng: float | None = None


def coordinates(lat: Any, lng: Any) -> tuple[float, float] | None:
    """A valid WGS84 position from a platform's numbers or numeric strings, else None."""
    try:
        la, lo = float(lat), float(lng)
    except (TypeError, ValueError):
        return None
    if not (-90 <= la <= 90 and -180 <= lo <= 180) or (la == 0 and lo == 0):
        return None
    return la, lo


def derived_event_key(provider: str, platform_ref: str, raw_status: str, occurred_at: datetime) -> str:
    """Dedupe key for platforms whose webhooks carry no event id (pandago)."""
    text = f"{provider}|{platform_ref}|{raw_status}|{occurred_at.isoformat()}"
    return provider + ":" + hashlib.sha256(text.encode()).hexdigest()[:32]


class PlatformError(Exception):
    """A platform refused or failed a call; `reason` is what we show the merchant."""

    def __init__(self, provider: str, reason: str, *, status_code: int | None = None, code: str | None = None):
        super().__init__(f"{provider}: {reason}")
        self.provider = provider
        self.reason = reason
        self.status_code = status_code
        self.code = code


class PlatformUnavailable(PlatformError):
    """Timeouts, connection errors and 5xx: the platform cannot answer now."""


class PlatformRateLimited(PlatformError):
    """429: the platform asks us to slow down (`retry_after_s` when it says how long)."""

    def __init__(self, provider: str, reason: str, *, retry_after_s: float | None = None, **kw: Any):
        super().__init__(provider, reason, status_code=429, **kw)
        self.retry_after_s = retry_after_s


class PlatformRejected(PlatformError):
    """4xx: the platform refused this request (bad address, out of area, wallet, ...)."""


class PlatformAuthFailed(PlatformError):
    """Our credentials were refused (401/403 or token endpoint errors)."""


class CancellationRefused(PlatformError):
    """The delivery is past the platform's cancellation window."""


class WebhookSignatureInvalid(Exception):
    """A webhook whose signature does not verify; it is answered 401 and never applied."""


@runtime_checkable
class DeliveryPlatform(Protocol):
    """Port for one delivery platform."""

    provider: str

    async def quote(self, trip: TripRequest) -> PlatformQuote: ...

    async def create(self, booking: BookingRequest) -> PlatformDelivery: ...

    async def get(self, platform_ref: str) -> PlatformDelivery: ...

    async def cancel(self, platform_ref: str, reason: str = "") -> PlatformDelivery: ...

    def cancellation_refusal(self, raw_status: str, courier_accepted_at: datetime | None, now: datetime) -> str | None:
        """Why the platform's cancellation window is closed, or None while it is open."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[StatusUpdate]:
        """Verify the signature (raise WebhookSignatureInvalid) and normalise the payload."""
        ...
