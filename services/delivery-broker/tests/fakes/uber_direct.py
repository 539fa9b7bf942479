"""Fake Uber Direct (DaaS) API: OAuth token, delivery quotes, deliveries, cancel."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    CancellationRefused,
    Place,
    PlatformRejected,
    TripRequest,
)
from smartdist_delivery_broker.adapters.sandbox import SandboxBehaviour, SandboxPlatform
from smartdist_delivery_broker.pricing import trip_distance_m

from .base import FakePlatformControls

REQUIRED_DELIVERY_FIELDS = (
    "pickup_name",
    "pickup_address",
    "pickup_phone_number",
    "dropoff_name",
    "dropoff_address",
    "dropoff_phone_number",
    "manifest_items",
)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _rfc3339(value: Any) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeUberDirect(FakePlatformControls):
    def __init__(self, client_id: str, client_secret: str, customer_id: str):
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.customer_id = customer_id
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.used_quotes: set[str] = set()
        self.by_idempotency_key: dict[str, str] = {}
        self.sandbox = SandboxPlatform("uber_direct", SandboxBehaviour(quote_latency_s=0), self.clock)
        base = "/v1/customers/{customer_id}"
        self.app = Starlette(
            routes=[
                Route("/oauth/v2/token", self.token, methods=["POST"]),
                Route(base + "/delivery_quotes", self.quote, methods=["POST"]),
                Route(base + "/deliveries", self.create, methods=["POST"]),
                Route(base + "/deliveries/{delivery_id}", self.get, methods=["GET"]),
                Route(base + "/deliveries/{delivery_id}/cancel", self.cancel, methods=["POST"]),
            ]
        )

    async def token(self, request: Request) -> Response:
        if (blocked := await self.gate(request, {"error": "rate_limited"})) is not None:
            return blocked
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("scope") != "eats.deliveries":
            return JSONResponse({"error": "invalid_scope"}, status_code=400)
        token = uuid.uuid4().hex
        self.tokens.add(token)
        self.tokens_issued += 1
        return JSONResponse(
            {"access_token": token, "expires_in": 2592000, "token_type": "Bearer", "scope": "eats.deliveries"}
        )

    async def _authorised(self, request: Request) -> Response | None:
        if (
            blocked := await self.gate(request, {"code": "customer_limited", "message": "Customer rate limit exceeded"})
        ) is not None:
            return blocked
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return _error(401, "unauthorized", "The supplied OAuth token is invalid")
        if request.path_params["customer_id"] != self.customer_id:
            return _error(404, "customer_not_found", "Customer does not exist")
        return None

    @staticmethod
    def _trip(body: dict[str, Any]) -> TripRequest | None:
        try:
            pickup = Place(float(body["pickup_latitude"]), float(body["pickup_longitude"]), body["pickup_address"])
            dropoff = Place(float(body["dropoff_latitude"]), float(body["dropoff_longitude"]), body["dropoff_address"])
        except (KeyError, TypeError, ValueError):
            return None
        return TripRequest(pickup, dropoff, trip_distance_m(pickup.lat, pickup.lng, dropoff.lat, dropoff.lng))

    async def quote(self, request: Request) -> Response:
        if (denied := await self._authorised(request)) is not None:
            return denied
        body = await request.json()
        if not body.get("pickup_address") or not body.get("dropoff_address"):
            return _error(400, "invalid_params", "pickup_address and dropoff_address are required")
        trip = self._trip(body)
        if trip is None:
            return _error(400, "unknown_location", "The specified location was not understood")
        if trip.distance_m > 40_000:
            return _error(400, "address_undeliverable", "The specified location is not in a deliverable area")
        quote = await self.sandbox.quote(trip)
        now = self.clock()
        pickup_duration = max(1, (quote.eta_minutes or 20) - max(1, round(trip.distance_m / 1000 * 2.4)))
        return JSONResponse(
            {
                "kind": "delivery_quote",
                "id": quote.platform_quote_ref,
                "created": _rfc3339(now),
                "expires": _rfc3339(quote.expires_at),
                "fee": (quote.platform_fee or 0) * 100,
                "currency_type": "TWD",
                "dropoff_eta": _rfc3339(now + timedelta(minutes=quote.eta_minutes or 0)),
                "duration": quote.eta_minutes,
                "pickup_duration": pickup_duration,
                "dropoff_deadline": _rfc3339(now + timedelta(minutes=60)),
            }
        )

    async def create(self, request: Request) -> Response:
        if (denied := await self._authorised(request)) is not None:
            return denied
        body = await request.json()
        missing = [k for k in REQUIRED_DELIVERY_FIELDS if not body.get(k)]
        if missing:
            return _error(400, "invalid_params", f"missing required field(s): {', '.join(missing)}")
        key = body.get("idempotency_key")
        if key and key in self.by_idempotency_key:
            return _error(409, "duplicate_delivery", "An active delivery like this already exists")
        quote_id = body.get("quote_id")
        if quote_id in self.used_quotes:
            return _error(400, "used_quote", "The quote has already been used")
        trip = self._trip(body)
        if trip is None:
            return _error(400, "unknown_location", "The specified location was not understood")
        try:
            delivery = await self.sandbox.create(BookingRequest(trip, key or uuid.uuid4().hex, quote_id))
        except PlatformRejected as exc:
            code = "expired_quote" if exc.code == "expired_quote" else "invalid_params"
            return _error(400, code, exc.reason)
        self.used_quotes.add(quote_id)
        if key:
            self.by_idempotency_key[key] = delivery.platform_ref
        return JSONResponse(self.sandbox.order_document(delivery.platform_ref))

    async def get(self, request: Request) -> Response:
        if (denied := await self._authorised(request)) is not None:
            return denied
        try:
            return JSONResponse(self.sandbox.order_document(request.path_params["delivery_id"]))
        except PlatformRejected:
            return _error(404, "delivery_not_found", "The requested delivery does not exist")

    async def cancel(self, request: Request) -> Response:
        if (denied := await self._authorised(request)) is not None:
            return denied
        delivery_id = request.path_params["delivery_id"]
        try:
            await self.sandbox.cancel(delivery_id)
        except PlatformRejected:
            return _error(404, "delivery_not_found", "The requested delivery does not exist")
        except CancellationRefused:
            return _error(400, "noncancelable_delivery", "Delivery cannot be cancelled")
        return JSONResponse(self.sandbox.order_document(delivery_id))
