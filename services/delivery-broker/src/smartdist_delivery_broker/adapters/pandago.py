"""foodpanda pandago API v1 adapter.

Shapes from the pandago Swagger 2.0 spec ("pandago API" v1.1.0) as copied in NavanithanS/pandago-php
`pandago.yaml`; see README-adapters.md for every source. Auth: OAuth2 client credentials with a
signed RS256 JWT client assertion (private_key_jwt). Estimate = two calls (`/orders/fee` and
`/orders/time`), no quote id and no expiry. Cancel only before a courier accepts the order.
Callbacks carry an optional `X-Signature-SHA256` HMAC of the raw body.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

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

PROVIDER = "pandago"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SIGNATURE_HEADER = "x-signature-sha256"

# "An order is only cancellable when it has not been accepted by a courier."
CANCELLABLE_STATUSES = frozenset({"NEW", "RECEIVED", "WAITING_FOR_TRANSPORT"})
CLIENT_CANCEL_REASONS = frozenset({"DELIVERY_ETA_TOO_LONG", "MISTAKE_ERROR", "REASON_UNKNOWN"})
# Logistics-side cancellations that mean "the platform could not do it", not "someone changed
# their mind" (delivery-apis.md §5.2).
FAILURE_REASONS = frozenset(
    {
        "NO_COURIER",
        "OUTSIDE_SERVICE_HOURS",
        "OUTSIDE_DELIVERY_AREA",
        "UNABLE_TO_FIND",
        "UNABLE_TO_PAY",
        "COURIER_ACCIDENT",
        "BAD_WEATHER",
        "TECHNICAL_PROBLEM",
        "COURIER_UNREACHABLE",
    }
)

STATUS_MAP: dict[str, DeliveryStatus | None] = {
    "NEW": DeliveryStatus.PENDING,
    "RECEIVED": DeliveryStatus.PENDING,
    "WAITING_FOR_TRANSPORT": DeliveryStatus.PENDING,
    "ASSIGNED_TO_TRANSPORT": DeliveryStatus.ASSIGNED,
    "COURIER_ACCEPTED_DELIVERY": DeliveryStatus.ASSIGNED,
    "NEAR_VENDOR": DeliveryStatus.ASSIGNED,
    "PICKED_UP": DeliveryStatus.PICKED_UP,
    "COURIER_LEFT_VENDOR": DeliveryStatus.PICKED_UP,
    "NEAR_CUSTOMER": DeliveryStatus.PICKED_UP,
    "DELIVERED": DeliveryStatus.DELIVERED,
    "RETURNED_TO_VENDOR": DeliveryStatus.RETURNED,
    "DELAYED": None,  # ETA update only
}


@dataclass(frozen=True)
class PandagoCredentials:
    client_id: str  # e.g. "pandago:tw:00000000-..."
    key_id: str
    private_key_pem: str  # RSA-2048; pandago holds the public half
    scope: str = "pandago.api.tw.*"
    country: str = "tw"
    api_host: str = "https://pandago-api-apse.deliveryhero.io"
    auth_host: str = "https://sts.deliveryhero.io"
    audience: str = "https://sts.deliveryhero.io"
    webhook_secret: str | None = None
    # pandago fees are major currency units; TWD has no minor unit in practice.

    @property
    def api_base(self) -> str:
        return f"{self.api_host}/{self.country}/api/v1"


SANDBOX_API_HOST = "https://pandago-api-sandbox.deliveryhero.io"
SANDBOX_AUTH_HOST = "https://sts-st.deliveryhero.io"


# --- translate: auth -----------------------------------------------------------------------


def client_assertion(creds: PandagoCredentials, now: datetime, jti: str, lifetime_s: int = 300) -> str:
    """The RS256 JWT that proves who we are to the token endpoint."""
    claims = {
        "iss": creds.client_id,
        "sub": creds.client_id,
        "jti": jti,
        "exp": int(now.timestamp()) + lifetime_s,
        "aud": creds.audience,
    }
    return jwt.encode(claims, creds.private_key_pem, algorithm="RS256", headers={"kid": creds.key_id, "typ": "JWT"})


def token_form(creds: PandagoCredentials, now: datetime, jti: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": creds.client_id,
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": client_assertion(creds, now, jti),
        "scope": creds.scope,
    }


def token_from_response(body: Mapping[str, Any]) -> tuple[str, float]:
    # The spec types expires_in as a string of seconds.
    return str(body["access_token"]), float(body.get("expires_in", 3600))


# --- translate: orders ---------------------------------------------------------------------


def _location(place: Any) -> dict[str, Any]:
    return {"address": place.address or f"{place.lat},{place.lng}", "latitude": place.lat, "longitude": place.lng}


def estimate_request(trip: TripRequest) -> dict[str, Any]:
    """EstimateOrderRequest: the same body for /orders/fee and /orders/time."""
    return {
        "client_order_id": trip.reference or None,
        "sender": {
            "name": trip.pickup.name or "Merchant",
            "phone_number": trip.pickup.phone or "+886200000000",
            "location": _location(trip.pickup),
        },
        "recipient": {"location": _location(trip.dropoff)},
        "payment_method": "CASH_ON_DELIVERY" if trip.cod_amount > 0 else "PAID",
        "coldbag_needed": False,
        # `amount` is the order value, and what the courier collects on COD.
        "amount": trip.cod_amount if trip.cod_amount > 0 else trip.goods_value,
        "description": "goods",
    }


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def quote_from_estimates(fee_body: Mapping[str, Any], time_body: Mapping[str, Any], now: datetime) -> PlatformQuote:
    """Join the two estimate answers; the schema and the example spell the fields differently."""
    fee = fee_body.get("estimated_delivery_fee", fee_body.get("estimate_delivery_fee"))
    delivery_at = _iso(time_body.get("estimated_delivery_time") or time_body.get("estimate_delivery_time"))
    eta = None if delivery_at is None else max(0, round((delivery_at - now).total_seconds() / 60))
    return PlatformQuote(
        provider=PROVIDER,
        platform_fee=None if fee is None else round(float(fee)),
        eta_minutes=eta,
        expires_at=None,  # pandago estimates carry no expiry; the broker's own TTL applies
        platform_quote_ref=None,
        raw={"fee": dict(fee_body), "time": dict(time_body)},
    )


def order_request(booking: BookingRequest) -> dict[str, Any]:
    trip = booking.trip
    body = estimate_request(trip)
    body["client_order_id"] = booking.reference
    body["description"] = booking.description[:200]
    body["recipient"] = {
        "name": trip.dropoff.name or "Customer",
        "phone_number": trip.dropoff.phone or "+886900000000",
        "location": _location(trip.dropoff),
        "notes": trip.dropoff.notes,
    }
    if trip.scheduled_at is not None:
        # preordered_for is the *delivery* time, unix seconds, 55 min .. 2 days ahead.
        body["preordered_for"] = int(trip.scheduled_at.timestamp())
    return body


def map_status(raw_status: str, cancellation: Mapping[str, Any] | None = None) -> DeliveryStatus | None:
    if raw_status == "CANCELLED":
        reason = (cancellation or {}).get("reason")
        source = (cancellation or {}).get("source")
        if source == "LOGISTICS" and reason in FAILURE_REASONS:
            return DeliveryStatus.FAILED
        return DeliveryStatus.CANCELLED
    # "Please accept other statuses that are not currently listed": unknown -> no transition.
    return STATUS_MAP.get(raw_status)


def _unix(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return datetime.fromtimestamp(float(value), UTC)


def driver_position(body: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """`driver.location{latitude, longitude}`, present only while a driver is active."""
    location = (body.get("driver") or {}).get("location") or {}
    found = coordinates(location.get("latitude"), location.get("longitude"))
    return found if found is not None else (None, None)


def delivery_from_order(body: Mapping[str, Any]) -> PlatformDelivery:
    driver = body.get("driver") or {}
    raw_status = str(body.get("status", ""))
    fee = body.get("delivery_fee")
    lat, lng = driver_position(body)
    return PlatformDelivery(
        provider=PROVIDER,
        platform_ref=str(body["order_id"]),
        raw_status=raw_status,
        status=map_status(raw_status, body.get("cancellation")),
        platform_fee=None if fee is None else round(float(fee)),
        tracking_url=body.get("tracking_link") or None,
        courier_name=driver.get("name") or None,
        courier_phone=driver.get("phone_number") or None,
        updated_at=_unix(body.get("updated_at")),
        raw=dict(body),
        courier_lat=lat,
        courier_lng=lng,
    )


def cancellation_refusal(
    raw_status: str, courier_accepted_at: datetime | None = None, now: datetime | None = None
) -> str | None:
    """Why pandago would refuse a cancellation now, or None when it is still allowed."""
    if raw_status in CANCELLABLE_STATUSES:
        return None
    return f"pandago orders can only be cancelled before a courier accepts them (status {raw_status})"


def read_error(body: Any) -> tuple[str | None, str]:
    """`{"message": ...}` or, on 422/500, an array of them."""
    if isinstance(body, list):
        return None, "; ".join(str(item.get("message", item)) for item in body if isinstance(item, dict))
    if isinstance(body, dict):
        return None, str(body.get("message", ""))
    return None, str(body)[:200]


# --- webhooks ------------------------------------------------------------------------------


def callback_signature(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of the raw body (what pandago's sample verifier checks)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_callback_signature(body: bytes, header: str | None, secret: str | None) -> bool:
    """Accept both encodings: the text says base64, the sample Go verifier decodes hex."""
    if secret is None:
        # pandago signs only when a secret was agreed with its ops team; without one a forged
        # callback looks like a real one, so we refuse it (GET /orders/{id} still works).
        return False
    if not header:
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    candidates: list[bytes] = []
    with contextlib.suppress(ValueError):
        candidates.append(bytes.fromhex(header))
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.b64decode(header, validate=True))
    return any(hmac.compare_digest(digest, c) for c in candidates)


def updates_from_callback(payload: Mapping[str, Any]) -> list[StatusUpdate]:
    raw_status = str(payload["status"])
    occurred_at = _unix(payload.get("updated_at")) or datetime.now(UTC)
    order_id = str(payload["order_id"])
    cancellation = payload.get("cancellation")
    detail = ""
    if cancellation:
        detail = f"{cancellation.get('source', '')}:{cancellation.get('reason', '')}"
    lat, lng = driver_position(payload)
    return [
        StatusUpdate(
            provider=PROVIDER,
            platform_ref=order_id,
            raw_status=raw_status,
            status=map_status(raw_status, cancellation),
            occurred_at=occurred_at,
            # No event id in pandago callbacks: dedupe on (order, status, updated_at).
            event_key=derived_event_key(PROVIDER, order_id, raw_status, occurred_at),
            detail=detail,
            raw=dict(payload),
            courier_lat=lat,
            courier_lng=lng,
        )
    ]


# --- the adapter ---------------------------------------------------------------------------


class PandagoPlatform(OAuthPlatform):
    """pandago over HTTP."""

    provider = PROVIDER
    window = cancellation_refusal
    read_error = read_error
    webhook_problem = "pandago X-Signature-SHA256 does not match the body"
    creds: PandagoCredentials

    def token_request(self) -> tuple[str, dict[str, str]]:
        return f"{self.creds.auth_host}/oauth2/token", token_form(self.creds, self.clock(), uuid.uuid4().hex)

    def token_answer(self, body: Mapping[str, Any]) -> tuple[str, float]:
        return token_from_response(body)

    async def quote(self, trip: TripRequest) -> PlatformQuote:
        body = estimate_request(trip)
        fee, timing = await asyncio.gather(
            self._call("POST", "/orders/fee", body), self._call("POST", "/orders/time", body)
        )
        return quote_from_estimates(fee.json(), timing.json(), self.clock())

    async def create(self, booking: BookingRequest) -> PlatformDelivery:
        response = await self._call("POST", "/orders", order_request(booking))
        return delivery_from_order(response.json())

    async def get(self, platform_ref: str) -> PlatformDelivery:
        return delivery_from_order((await self._call("GET", f"/orders/{platform_ref}")).json())

    async def _cancel(self, platform_ref: str, reason: str) -> PlatformDelivery | None:
        reason_code = reason if reason in CLIENT_CANCEL_REASONS else "REASON_UNKNOWN"
        await self._call("DELETE", f"/orders/{platform_ref}", {"reason": reason_code})
        return None  # the DELETE answers nothing; the order tells the new status

    def cancel_refused(self, exc: PlatformError) -> bool:
        return exc.status_code == 409

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> Any:
        lowered = {k.lower(): v for k, v in headers.items()}
        if not verify_callback_signature(body, lowered.get(SIGNATURE_HEADER), self.creds.webhook_secret):
            return None
        return json.loads(body)

    def webhook_updates(self, payload: Any) -> list[StatusUpdate]:
        return updates_from_callback(payload)
