"""Home delivery of supplier orders through the delivery broker's public REST API (SPEC §5 flow 4).

Port ``DeliveryBroker``; ``HttpDeliveryBroker`` quotes every platform and books the cheapest
available one in one ``POST {base}/api/v1/deliveries/instant`` (the reservation id is both the
``reference`` and the ``Idempotency-Key``, and the body depends only on the reservation, so a
retry books nothing twice); ``SandboxDeliveryBroker`` answers the same way with no network, for
tests and a service running without the broker. Bookings are made after the reservation
commits (reservations/jobs.py), never inside its transaction. The broker's
``delivery.status_changed`` events then move the reservation's ``delivery.status`` (reservations/consumer.py).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from smartdist_surplus_market.listings.geo import haversine_m


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
class DeliveryRequest:
    tenant_id: str
    reference: str
    pickup: Place
    dropoff: Place
    pickup_contact: Party
    dropoff_contact: Party
    goods_value: int
    description: str


@dataclass(frozen=True)
class Booking:
    delivery_id: str
    provider: str
    status: str
    fee: int | None
    tracking_url: str | None = None


class BookingFailed(Exception):
    """The broker could not book a courier (no platform available, broker down, refused)."""


class DeliveryBroker(Protocol):
    name: str

    def book(self, request: DeliveryRequest) -> Booking: ...


def _point(place: Place) -> dict[str, Any]:
    point: dict[str, Any] = {"lat": place.lat, "lng": place.lng}
    if place.address:
        point["address"] = place.address[:500]
    return point


class HttpDeliveryBroker:
    name = "broker"

    def __init__(
        self,
        base_url: str,
        token_for: Callable[[str], str],
        *,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token_for = token_for
        self._timeout_s = timeout_s
        self._transport = transport

    def book(self, request: DeliveryRequest) -> Booking:
        """One ``POST /deliveries/instant`` (quote every platform, book the cheapest available).

        The body depends only on the request, so a retry of the same reservation sends the same
        body under the same Idempotency-Key and the broker answers with the first booking."""
        headers = {"Authorization": f"Bearer {self._token_for(request.tenant_id)}"}
        try:
            with httpx.Client(
                base_url=self.base_url, timeout=self._timeout_s, headers=headers, transport=self._transport
            ) as client:
                booked = client.post(
                    "/api/v1/deliveries/instant",
                    headers={"Idempotency-Key": idempotency_key(request.reference)},
                    json=instant_body(request),
                )
                if booked.status_code not in (200, 201):
                    raise BookingFailed(f"booking answered {booked.status_code}: {_reason(booked)}")
                body = booked.json()
        except httpx.HTTPError as exc:
            raise BookingFailed(f"the delivery broker is unreachable: {exc}") from exc
        return Booking(
            delivery_id=str(body["id"]),
            provider=str(body["provider"]),
            status=str(body["status"]),
            fee=body.get("fee"),
            tracking_url=body.get("tracking_url"),
        )


def idempotency_key(reference: str) -> str:
    """The reservation id is the booking's Idempotency-Key: a retry books nothing twice."""
    return f"sm-{reference}"


def instant_body(request: DeliveryRequest) -> dict[str, Any]:
    return {
        "pickup": _point(request.pickup),
        "dropoff": _point(request.dropoff),
        "pickup_contact": {"name": request.pickup_contact.name[:100], "phone": request.pickup_contact.phone},
        "dropoff_contact": {"name": request.dropoff_contact.name[:100], "phone": request.dropoff_contact.phone},
        "cod_amount": 0,
        "reference": request.reference,
        "goods_value": request.goods_value,
        "description": request.description[:200],
    }


def _reason(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:200]
    if isinstance(body, dict):
        text = str(body.get("detail") or body.get("title") or body)
        reasons = body.get("reasons")
        if isinstance(reasons, dict) and reasons:
            text += " (" + "; ".join(f"{k}: {v}" for k, v in reasons.items()) + ")"
        return text[:300]
    return str(body)[:200]


def schedule_fee(distance_m: int) -> int:
    """The programme's published schedule (SPEC §4.D), for the sandbox's answer."""
    fee = 85
    for k in range(2, math.ceil(distance_m / 1000) + 1):
        fee += 10 if k <= 3 else 15 if k <= 8 else 30
    return fee


class SandboxDeliveryBroker:
    """Books at once on a simulated platform; statuses then arrive as broker events."""

    name = "sandbox"

    def __init__(self) -> None:
        self.booked: list[DeliveryRequest] = []
        self.fail_next: str | None = None
        self.on_book: Callable[[DeliveryRequest], None] | None = None  # tests look at the world mid-call
        self._by_key: dict[str, Booking] = {}

    def book(self, request: DeliveryRequest) -> Booking:
        if self.on_book is not None:
            self.on_book(request)
        if self.fail_next:
            reason, self.fail_next = self.fail_next, None
            raise BookingFailed(reason)
        key = idempotency_key(request.reference)
        if key in self._by_key:  # the broker's Idempotency-Key: the first booking again
            return self._by_key[key]
        self.booked.append(request)
        distance = round(haversine_m(request.pickup.lat, request.pickup.lng, request.dropoff.lat, request.dropoff.lng))
        provider = "lalamove" if distance > 8000 else "pandago"
        booking = Booking(
            delivery_id="sbx-" + secrets.token_hex(8), provider=provider, status="pending", fee=schedule_fee(distance)
        )
        self._by_key[key] = booking
        return booking
