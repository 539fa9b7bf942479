"""Uber Direct (DaaS) API v1 adapter.

Shapes from developer.uber.com/docs/deliveries (Create Quote, Create/Get/Cancel Delivery,
delivery status webhook) and the `uber_api` Rust crate's copy of that reference; see
README-adapters.md. Auth: OAuth2 client credentials (scope `eats.deliveries`). Money is integer
minor units (1/100 of the currency). Webhooks are signed with `x-uber-signature` (older docs:
`X-Postmates-Signature`), hex HMAC-SHA256 of the raw body with the webhook signing key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smartdist_delivery_broker.adapters.http import OAuthPlatform
from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    DeliveryStatus,
    PlatformDelivery,
    PlatformError,
    PlatformQuote,
    StatusUpdate,
    TripRequest,
    coordinates,
    derived_event_key,
)

PROVIDER = "uber_direct"
SIGNATURE_HEADERS = ("x-uber-signature", "x-postmates-signature")
# Uber does not publish the cut-off; we follow delivery-apis.md §2.5: cancellable until the
# courier has the goods, `noncancelable_delivery` from pickup_complete on.
CANCELLABLE_STATUSES = frozenset({"pending", "pickup"})

STATUS_MAP: dict[str, DeliveryStatus] = {
    "pending": DeliveryStatus.PENDING,
    "pickup": DeliveryStatus.ASSIGNED,
    "pickup_complete": DeliveryStatus.PICKED_UP,
    "dropoff": DeliveryStatus.PICKED_UP,
    "delivered": DeliveryStatus.DELIVERED,
    "canceled": DeliveryStatus.CANCELLED,
    "returned": DeliveryStatus.RETURNED,
}


@dataclass(frozen=True)
class UberDirectCredentials:
    client_id: str
    client_secret: str
    customer_id: str
    webhook_signing_key: str
    api_host: str = "https://api.uber.com"
    token_url: str = "https://auth.uber.com/oauth/v2/token"
    scope: str = "eats.deliveries"

    @property
    def api_base(self) -> str:
        return f"{self.api_host}/v1/customers/{self.customer_id}"


def token_form(creds: UberDirectCredentials) -> dict[str, str]:
    return {
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "grant_type": "client_credentials",
        "scope": creds.scope,
    }


def token_from_response(body: Mapping[str, Any]) -> tuple[str, float]:
    return str(body["access_token"]), float(body.get("expires_in", 2592000))


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_rfc3339(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _address(place: Any) -> str:
    # A single-line address is accepted; coordinates are sent separately and win.
    return place.address or f"{place.lat},{place.lng}"


def quote_request(trip: TripRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "pickup_address": _address(trip.pickup),
        "dropoff_address": _address(trip.dropoff),
        "pickup_latitude": trip.pickup.lat,
        "pickup_longitude": trip.pickup.lng,
        "dropoff_latitude": trip.dropoff.lat,
        "dropoff_longitude": trip.dropoff.lng,
        "manifest_total_value": trip.goods_value * 100,
    }
    if trip.pickup.phone:
        body["pickup_phone_number"] = trip.pickup.phone
    if trip.dropoff.phone:
        body["dropoff_phone_number"] = trip.dropoff.phone
    if trip.scheduled_at is not None:
        body["pickup_ready_dt"] = _rfc3339(trip.scheduled_at)
    if trip.reference:
        body["external_store_id"] = trip.reference
    return body


def _major_units(minor: Any) -> int | None:
    return None if minor is None else round(int(minor) / 100)


def quote_from_response(body: Mapping[str, Any]) -> PlatformQuote:
    return PlatformQuote(
        provider=PROVIDER,
        platform_fee=_major_units(body.get("fee")),
        eta_minutes=body.get("duration"),
        expires_at=_parse_rfc3339(body.get("expires")),
        platform_quote_ref=body.get("id"),
        raw=dict(body),
    )


def delivery_request(booking: BookingRequest) -> dict[str, Any]:
    trip = booking.trip
    body: dict[str, Any] = {
        "quote_id": booking.platform_quote_ref,
        "pickup_name": trip.pickup.name or "Merchant",
        "pickup_address": _address(trip.pickup),
        "pickup_phone_number": trip.pickup.phone or "+886200000000",
        "pickup_latitude": trip.pickup.lat,
        "pickup_longitude": trip.pickup.lng,
        "dropoff_name": trip.dropoff.name or "Customer",
        "dropoff_address": _address(trip.dropoff),
        "dropoff_phone_number": trip.dropoff.phone or "+886900000000",
        "dropoff_latitude": trip.dropoff.lat,
        "dropoff_longitude": trip.dropoff.lng,
        "manifest_items": [{"name": booking.description[:100] or "goods", "quantity": 1, "size": "small"}],
        "manifest_reference": booking.reference,
        "manifest_total_value": trip.goods_value * 100,
        # Uber dedupes creates with the same key for 6 h: a retried booking cannot double-book.
        "idempotency_key": booking.reference,
        "external_id": booking.reference,
        "undeliverable_action": "return",
    }
    if trip.dropoff.notes:
        body["dropoff_notes"] = trip.dropoff.notes[:280]
    if trip.cod_amount > 0:
        # Not an Uber field: Uber Direct documents no cash collection. The programme lets Uber
        # carry COD up to 2,000 TWD, so we send it as a clearly marked extension (README).
        body["x_cod_amount"] = trip.cod_amount
    return {k: v for k, v in body.items() if v is not None}


def map_status(raw_status: str, delivery: Mapping[str, Any] | None = None) -> DeliveryStatus | None:
    status = STATUS_MAP.get(raw_status)
    if status is DeliveryStatus.CANCELLED and (delivery or {}).get("undeliverable_reason"):
        # Cancelled because the courier could not deliver: a failure, not the merchant's choice.
        return DeliveryStatus.FAILED
    return status


def courier_position(*locations: Any) -> tuple[float | None, float | None]:
    """The first valid `{lat, lng}` of: a courier_update's `location`, the Delivery's `courier.location`."""
    for location in locations:
        if isinstance(location, Mapping):
            found = coordinates(location.get("lat"), location.get("lng"))
            if found is not None:
                return found
    return None, None


def delivery_from_response(body: Mapping[str, Any]) -> PlatformDelivery:
    courier = body.get("courier") or {}
    raw_status = str(body.get("status", ""))
    lat, lng = courier_position(courier.get("location"))
    return PlatformDelivery(
        provider=PROVIDER,
        platform_ref=str(body["id"]),
        raw_status=raw_status,
        status=map_status(raw_status, body),
        platform_fee=_major_units(body.get("fee")),
        tracking_url=body.get("tracking_url"),
        courier_name=courier.get("name"),
        courier_phone=courier.get("phone_number"),
        updated_at=_parse_rfc3339(body.get("updated")),
        raw=dict(body),
        courier_lat=lat,
        courier_lng=lng,
    )


def cancellation_refusal(
    raw_status: str, courier_accepted_at: datetime | None = None, now: datetime | None = None
) -> str | None:
    if raw_status in CANCELLABLE_STATUSES:
        return None
    return f"Uber Direct deliveries cannot be cancelled once picked up (status {raw_status})"


def read_error(body: Any) -> tuple[str | None, str]:
    if isinstance(body, dict):
        return body.get("code"), str(body.get("message", ""))
    return None, str(body)[:200]


def webhook_signature(body: bytes, signing_key: str) -> str:
    return hmac.new(signing_key.encode(), body, hashlib.sha256).hexdigest()


def verify_webhook_signature(body: bytes, headers: Mapping[str, str], signing_key: str) -> bool:
    lowered = {k.lower(): v for k, v in headers.items()}
    expected = webhook_signature(body, signing_key)
    return any(
        hmac.compare_digest(expected, lowered[name].strip().lower()) for name in SIGNATURE_HEADERS if name in lowered
    )


def updates_from_webhook(payload: Mapping[str, Any]) -> list[StatusUpdate]:
    kind = payload.get("kind")
    data = payload.get("data") or {}
    delivery_id = str(payload.get("delivery_id") or data.get("id"))
    occurred_at = _parse_rfc3339(payload.get("created")) or _parse_rfc3339(data.get("updated")) or datetime.now(UTC)
    if kind == "event.delivery_status":
        raw_status = str(payload.get("status") or data.get("status"))
        status = map_status(raw_status, data)
        raw_status_label = f"{raw_status}:imminent" if data.get("courier_imminent") else raw_status
    else:
        # courier_update and other kinds carry no status change.
        raw_status_label, status = str(kind), None
    reason = data.get("undeliverable_reason") or (data.get("cancelation_reason") or {}).get("primary_reason") or ""
    lat, lng = courier_position(payload.get("location"), (data.get("courier") or {}).get("location"))
    return [
        StatusUpdate(
            provider=PROVIDER,
            platform_ref=delivery_id,
            raw_status=raw_status_label,
            status=status,
            occurred_at=occurred_at,
            event_key=str(payload.get("id") or derived_event_key(PROVIDER, delivery_id, raw_status_label, occurred_at)),
            detail=str(reason),
            raw=dict(payload),
            courier_lat=lat,
            courier_lng=lng,
        )
    ]


class UberDirectPlatform(OAuthPlatform):
    provider = PROVIDER
    window = cancellation_refusal
    read_error = read_error
    webhook_problem = "Uber Direct x-uber-signature does not match the body"
    creds: UberDirectCredentials

    def token_request(self) -> tuple[str, dict[str, str]]:
        return self.creds.token_url, token_form(self.creds)

    def token_answer(self, body: Mapping[str, Any]) -> tuple[str, float]:
        return token_from_response(body)

    async def quote(self, trip: TripRequest) -> PlatformQuote:
        return quote_from_response((await self._call("POST", "/delivery_quotes", quote_request(trip))).json())

    async def create(self, booking: BookingRequest) -> PlatformDelivery:
        return delivery_from_response((await self._call("POST", "/deliveries", delivery_request(booking))).json())

    async def get(self, platform_ref: str) -> PlatformDelivery:
        return delivery_from_response((await self._call("GET", f"/deliveries/{platform_ref}")).json())

    async def _cancel(self, platform_ref: str, reason: str) -> PlatformDelivery | None:
        return delivery_from_response((await self._call("POST", f"/deliveries/{platform_ref}/cancel")).json())

    def cancel_refused(self, exc: PlatformError) -> bool:
        return exc.code == "noncancelable_delivery"

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> Any:
        return json.loads(body) if verify_webhook_signature(body, headers, self.creds.webhook_signing_key) else None

    def webhook_updates(self, payload: Any) -> list[StatusUpdate]:
        return updates_from_webhook(payload)
