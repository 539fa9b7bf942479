"""Lalamove API v3 adapter.

Shapes from the official `lalamove/delivery-nodejs-sdk` (auth.ts, http/base.ts, payload/*,
response/*, error.ts) and Lalamove's webhook tutorial; see README-adapters.md. Every request is
signed: `Authorization: hmac {key}:{ts_ms}:{hex HMAC-SHA256(secret, ts\\r\\nMETHOD\\r\\npath\\r\\n\\r\\nbody)}`
plus a `Market` header; bodies and answers are wrapped in `{"data": ...}`; money and
coordinates are strings. Cancel is allowed while ASSIGNING_DRIVER or within 5 minutes of a
driver accepting. Webhooks carry apiKey/timestamp/signature in the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

from smartdist_delivery_broker.adapters.http import HttpPlatform, send
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

PROVIDER = "lalamove"
CANCEL_GRACE = timedelta(minutes=5)

STATUS_MAP: dict[str, DeliveryStatus] = {
    "ASSIGNING_DRIVER": DeliveryStatus.PENDING,
    "ON_GOING": DeliveryStatus.ASSIGNED,
    "PICKED_UP": DeliveryStatus.PICKED_UP,
    "COMPLETED": DeliveryStatus.DELIVERED,
    "CANCELED": DeliveryStatus.CANCELLED,
    "REJECTED": DeliveryStatus.FAILED,
    "EXPIRED": DeliveryStatus.FAILED,
}


@dataclass(frozen=True)
class LalamoveCredentials:
    api_key: str
    api_secret: str
    market: str = "TW"  # the SDK's examples use "HK"; Taiwan's code follows the same pattern
    api_host: str = "https://rest.lalamove.com"
    service_type: str = "MOTORCYCLE"
    language: str = "zh_TW"
    webhook_path: str = "/delivery-broker/api/v1/webhooks/lalamove"


SANDBOX_API_HOST = "https://rest.sandbox.lalamove.com"


def request_signature(secret: str, timestamp_ms: int, method: str, path: str, body: str) -> str:
    raw = f"{timestamp_ms}\r\n{method.upper()}\r\n{path}\r\n\r\n{body}"
    return hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()


def request_headers(creds: LalamoveCredentials, timestamp_ms: int, method: str, path: str, body: str) -> dict[str, str]:
    signature = request_signature(creds.api_secret, timestamp_ms, method, path, body)
    return {
        "Authorization": f"hmac {creds.api_key}:{timestamp_ms}:{signature}",
        "Market": creds.market,
        "Content-Type": "application/json; charset=UTF-8",
    }


def _coordinates(place: Any) -> dict[str, str]:
    return {"lat": f"{place.lat:.6f}", "lng": f"{place.lng:.6f}"}


def quotation_request(trip: TripRequest, creds: LalamoveCredentials) -> dict[str, Any]:
    data: dict[str, Any] = {
        "serviceType": creds.service_type,
        "language": creds.language,
        "stops": [
            {"coordinates": _coordinates(trip.pickup), "address": trip.pickup.address or "pickup"},
            {"coordinates": _coordinates(trip.dropoff), "address": trip.dropoff.address or "dropoff"},
        ],
    }
    if trip.scheduled_at is not None:
        data["scheduleAt"] = trip.scheduled_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"data": data}


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        # Lalamove webhook timestamps are Unix milliseconds.
        return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _money(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quote_from_quotation(body: Mapping[str, Any]) -> PlatformQuote:
    data = body.get("data", body)
    breakdown = data.get("priceBreakdown") or {}
    stops = tuple(str(s["stopId"]) for s in data.get("stops", []) if "stopId" in s)
    return PlatformQuote(
        provider=PROVIDER,
        platform_fee=_money(breakdown.get("total")),
        eta_minutes=None,  # the quotation carries no ETA
        expires_at=_parse_time(data.get("expiresAt")),
        platform_quote_ref=data.get("quotationId"),
        raw={**dict(data), "stop_ids": list(stops)},
    )


def order_request(booking: BookingRequest) -> dict[str, Any]:
    trip = booking.trip
    if len(booking.platform_stop_refs) < 2 or not booking.platform_quote_ref:
        raise ValueError("a Lalamove order needs the quotationId and the quotation's two stopIds")
    sender_stop, recipient_stop = booking.platform_stop_refs[0], booking.platform_stop_refs[1]
    return {
        "data": {
            "quotationId": booking.platform_quote_ref,
            "sender": {
                "stopId": sender_stop,
                "name": trip.pickup.name or "Merchant",
                "phone": trip.pickup.phone or "+886200000000",
            },
            "recipients": [
                {
                    "stopId": recipient_stop,
                    "name": trip.dropoff.name or "Customer",
                    "phone": trip.dropoff.phone or "+886900000000",
                    "remarks": trip.dropoff.notes,
                }
            ],
            "isPODEnabled": True,
            "metadata": {"reference": booking.reference},
        }
    }


def map_status(raw_status: str) -> DeliveryStatus | None:
    return STATUS_MAP.get(raw_status)


def delivery_from_order(body: Mapping[str, Any]) -> PlatformDelivery:
    data = body.get("data", body)
    raw_status = str(data.get("status", ""))
    return PlatformDelivery(
        provider=PROVIDER,
        platform_ref=str(data["orderId"]),
        raw_status=raw_status,
        status=map_status(raw_status),
        platform_fee=_money((data.get("priceBreakdown") or {}).get("total")),
        tracking_url=data.get("shareLink"),
        raw=dict(data),
    )


def cancellation_refusal(raw_status: str, courier_accepted_at: datetime | None, now: datetime) -> str | None:
    """Lalamove: cancellable while ASSIGNING_DRIVER, or less than 5 minutes after a driver accepted."""
    if raw_status == "ASSIGNING_DRIVER":
        return None
    if raw_status == "ON_GOING" and courier_accepted_at is not None and now - courier_accepted_at < CANCEL_GRACE:
        return None
    return (
        f"Lalamove orders can only be cancelled while a driver is being assigned or within 5 minutes "
        f"of a driver accepting (status {raw_status})"
    )


def read_error(body: Any) -> tuple[str | None, str]:
    """`{"errors": [{"id", "message", "detail"}]}`, sometimes a single error object."""
    if isinstance(body, dict):
        errors = body.get("errors", body)
        if isinstance(errors, dict):
            errors = [errors]
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            message = "; ".join(str(e.get("message") or e.get("id")) for e in errors)
            return first.get("id"), message
        return None, str(body.get("message", ""))
    return None, str(body)[:200]


# --- webhooks ------------------------------------------------------------------------------


def _compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def webhook_signature(secret: str, timestamp: Any, path: str, data: Any, *, compact: bool = True) -> str:
    body = _compact(data) if compact else json.dumps(data, ensure_ascii=False)
    return request_signature(secret, timestamp, "POST", path, body)


def verify_webhook(payload: Mapping[str, Any], creds: LalamoveCredentials) -> bool:
    """The apiKey must be ours and the signature must match one of the two serialisations of `data`
    seen in the wild (the tutorial only shows its serialisation as a screenshot)."""
    if payload.get("apiKey") != creds.api_key:
        return False
    given = str(payload.get("signature", "")).lower()
    timestamp = payload.get("timestamp")
    data = payload.get("data")
    return any(
        hmac.compare_digest(given, webhook_signature(creds.api_secret, timestamp, creds.webhook_path, data, compact=c))
        for c in (True, False)
    )


def driver_position(data: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """`driver.coordinates{lat, lng}` (strings, as Lalamove writes coordinates) — the shape of
    GET /v3/orders/{id}/drivers/{driverId}; **assumption**: webhooks carry the same `driver` object."""
    location = (data.get("driver") or {}).get("coordinates") or {}
    found = coordinates(location.get("lat"), location.get("lng")) if isinstance(location, Mapping) else None
    return found if found is not None else (None, None)


def updates_from_webhook(payload: Mapping[str, Any]) -> list[StatusUpdate]:
    event_type = str(payload.get("eventType", ""))
    data = payload.get("data") or {}
    lat, lng = driver_position(data)
    order = data.get("order") or {}
    order_id = str(order.get("orderId") or data.get("orderId") or "")
    # "Order not guaranteed — sort by timestamp": the platform time orders the events.
    occurred_at = _parse_time(data.get("updatedAt")) or _parse_time(payload.get("timestamp")) or datetime.now(UTC)
    if event_type == "ORDER_STATUS_CHANGED":
        raw_status = str(order.get("status", ""))
        status = map_status(raw_status)
    elif event_type == "DRIVER_ASSIGNED":
        raw_status, status = "DRIVER_ASSIGNED", DeliveryStatus.ASSIGNED
    else:
        raw_status, status = event_type, None
    event_id = payload.get("eventId")
    return [
        StatusUpdate(
            provider=PROVIDER,
            platform_ref=order_id,
            raw_status=raw_status,
            status=status,
            occurred_at=occurred_at,
            event_key=str(event_id) if event_id else derived_event_key(PROVIDER, order_id, raw_status, occurred_at),
            raw=dict(payload),
            courier_lat=lat,
            courier_lng=lng,
        )
    ]


class LalamovePlatform(HttpPlatform):
    provider = PROVIDER
    window = cancellation_refusal
    webhook_problem = "Lalamove webhook apiKey/signature does not verify"
    creds: LalamoveCredentials

    async def _call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        text = "" if body is None else _compact(body)
        timestamp_ms = int(self.clock().timestamp() * 1000)
        return await send(
            self.client,
            PROVIDER,
            method,
            self.creds.api_host + path,
            headers=request_headers(self.creds, timestamp_ms, method, path, text),
            content=text.encode() if body is not None else None,
            read_error=read_error,
        )

    async def quote(self, trip: TripRequest) -> PlatformQuote:
        response = await self._call("POST", "/v3/quotations", quotation_request(trip, self.creds))
        return quote_from_quotation(response.json())

    async def create(self, booking: BookingRequest) -> PlatformDelivery:
        return delivery_from_order((await self._call("POST", "/v3/orders", order_request(booking))).json())

    async def get(self, platform_ref: str) -> PlatformDelivery:
        return delivery_from_order((await self._call("GET", f"/v3/orders/{platform_ref}")).json())

    async def _cancel(self, platform_ref: str, reason: str) -> PlatformDelivery | None:
        await self._call("DELETE", f"/v3/orders/{platform_ref}")
        return None  # the DELETE answers nothing; the order tells the new status

    def cancel_refused(self, exc: PlatformError) -> bool:
        return exc.code == "ERR_CANCELLATION_FORBIDDEN"

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[StatusUpdate]:
        if not body.strip():
            return []  # Lalamove's set-up handshake posts an empty body and expects 200
        return super().parse_webhook(headers, body)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> Any:
        payload = json.loads(body)
        return payload if verify_webhook(payload, self.creds) else None

    def webhook_updates(self, payload: Any) -> list[StatusUpdate]:
        return updates_from_webhook(payload)
