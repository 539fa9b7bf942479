"""Couriers for outbound orders through the delivery broker's public REST API (SPEC §5 flow 3).

Port ``DeliveryBroker``; ``HttpDeliveryBroker`` books with one ``POST {base}/api/v1/deliveries/instant``
(every platform quoted, the cheapest available booked unless the merchant named one) with
``Idempotency-Key: wms:<outbound ref>``, so a retry after a timeout or a crash gets the first
booking back instead of a second courier; ``SandboxDeliveryBroker`` answers the same way with no
network, for tests and a warehouse running without the broker. The broker's
``delivery.status_changed`` events then move the order's ``delivery.status``
(deliveries/consumer.py).

Errors: ``BrokerUnavailable`` (network, 5xx, 429: worth retrying with the same key) and
``BookingRefused`` (4xx: no platform can take it, bad address, no permission: retrying the
same request would not help).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    address: str = ""


@dataclass(frozen=True)
class Party:
    name: str
    phone: str


@dataclass(frozen=True)
class CourierRequest:
    tenant_id: str
    reference: str
    idempotency_key: str
    pickup: Place
    dropoff: Place
    pickup_contact: Party
    dropoff_contact: Party
    cod_amount: int = 0
    goods_value: int = 0
    description: str = "goods"
    provider: str | None = None


@dataclass(frozen=True)
class Booking:
    delivery_id: str
    no: str | None
    provider: str
    status: str
    fee: int | None
    tracking_url: str | None = None


class BrokerUnavailable(Exception):
    """The broker did not answer, or answered 5xx / 429: try again later with the same key."""


class BookingRefused(Exception):
    """The broker refused the booking (no platform can take it, invalid request, no permission)."""


class DeliveryBroker(Protocol):
    name: str

    def book(self, request: CourierRequest) -> Booking: ...


def _point(place: Place) -> dict[str, Any]:
    point: dict[str, Any] = {"lat": place.lat, "lng": place.lng}
    if place.address:
        point["address"] = place.address[:500]
    return point


def booking_body(request: CourierRequest) -> dict[str, Any]:
    """The instant booking's JSON: the same request gives the same body (the key's replay needs it)."""
    body: dict[str, Any] = {
        "pickup": _point(request.pickup),
        "dropoff": _point(request.dropoff),
        "pickup_contact": {"name": request.pickup_contact.name[:100], "phone": request.pickup_contact.phone},
        "dropoff_contact": {"name": request.dropoff_contact.name[:100], "phone": request.dropoff_contact.phone},
        "cod_amount": request.cod_amount,
        "goods_value": request.goods_value,
        "reference": request.reference[:100],
        "description": request.description[:200],
    }
    if request.provider:
        body["selection"] = "preference"
        body["preferred_providers"] = [request.provider]
    return body


class HttpDeliveryBroker:
    name = "broker"

    def __init__(
        self,
        base_url: str,
        token_for: Callable[[str], str],
        *,
        timeout_s: float = 20.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token_for = token_for
        self._timeout_s = timeout_s
        self._transport = transport

    def book(self, request: CourierRequest) -> Booking:
        headers = {
            "Authorization": f"Bearer {self._token_for(request.tenant_id)}",
            "Idempotency-Key": request.idempotency_key,
        }
        try:
            with httpx.Client(base_url=self.base_url, timeout=self._timeout_s, transport=self._transport) as client:
                answer = client.post("/api/v1/deliveries/instant", json=booking_body(request), headers=headers)
        except httpx.HTTPError as exc:
            raise BrokerUnavailable(f"the delivery broker is unreachable: {exc}") from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            raise BrokerUnavailable(f"the delivery broker answered {answer.status_code}: {answer.text[:300]}")
        if answer.status_code not in (200, 201):
            raise BookingRefused(f"the delivery broker answered {answer.status_code}: {answer.text[:300]}")
        body = answer.json()
        return Booking(
            delivery_id=str(body["id"]),
            no=body.get("no"),
            provider=str(body["provider"]),
            status=str(body["status"]),
            fee=body.get("fee"),
            tracking_url=body.get("tracking_url"),
        )


def schedule_fee(distance_m: int) -> int:
    """The programme's published schedule (SPEC §4.D), for the sandbox's answer."""
    fee = 85
    for k in range(2, math.ceil(distance_m / 1000) + 1):
        fee += 10 if k <= 3 else 15 if k <= 8 else 30
    return fee


def haversine_m(a: Place, b: Place) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lng - a.lng)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


@dataclass
class SandboxDeliveryBroker:
    """Books at once on a simulated platform, one booking per idempotency key, like the broker."""

    name: str = "sandbox"
    booked: dict[str, Booking] = field(default_factory=dict)
    requests: list[CourierRequest] = field(default_factory=list)
    fail_next: list[Exception] = field(default_factory=list)

    def book(self, request: CourierRequest) -> Booking:
        self.requests.append(request)
        if self.fail_next:
            raise self.fail_next.pop(0)
        key = f"{request.tenant_id}/{request.idempotency_key}"
        if key not in self.booked:
            distance = round(haversine_m(request.pickup, request.dropoff))
            provider = request.provider or ("lalamove" if distance > 8000 else "pandago")
            self.booked[key] = Booking(
                delivery_id="sbx-" + secrets.token_hex(8),
                no=None,
                provider=provider,
                status="pending",
                fee=schedule_fee(distance),
            )
        return self.booked[key]
