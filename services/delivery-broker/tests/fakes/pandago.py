"""Fake pandago API v1 (Swagger 2.0 "pandago API" v1.1.0) and its STS token endpoint."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from smartdist_delivery_broker.adapters.pandago import CLIENT_ASSERTION_TYPE, CLIENT_CANCEL_REASONS
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

PAYMENT_METHODS = {"PAID", "CASH_ON_DELIVERY"}


class FakePandago(FakePlatformControls):
    def __init__(self, client_id: str, key_id: str, public_key_pem: str, audience: str = "https://sts.deliveryhero.io"):
        super().__init__()
        self.client_id = client_id
        self.key_id = key_id
        self.public_key_pem = public_key_pem
        self.audience = audience
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.sandbox = SandboxPlatform("pandago", SandboxBehaviour(quote_latency_s=0), self.clock)
        self.app = Starlette(
            routes=[
                Route("/oauth2/token", self.token, methods=["POST"]),
                Route("/{country}/api/v1/orders/fee", self.fee, methods=["POST"]),
                Route("/{country}/api/v1/orders/time", self.time, methods=["POST"]),
                Route("/{country}/api/v1/orders", self.create, methods=["POST"]),
                Route("/{country}/api/v1/orders/{order_id}", self.get, methods=["GET"]),
                Route("/{country}/api/v1/orders/{order_id}", self.cancel, methods=["DELETE"]),
            ]
        )

    # --- auth ------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        if (blocked := await self.gate(request, {"error": "rate_limited"})) is not None:
            return blocked
        form = await request.form()
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        assertion = str(form.get("client_assertion", ""))
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, self.public_key_pem, algorithms=["RS256"], audience=self.audience)
        except jwt.PyJWTError as exc:
            return JSONResponse({"error": "invalid_client", "error_description": str(exc)}, status_code=401)
        if (
            header.get("kid") != self.key_id
            or claims.get("iss") != self.client_id
            or claims.get("sub") != self.client_id
        ):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "unknown client or key"}, status_code=401
            )
        if not claims.get("jti") or form.get("client_id") != self.client_id:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        token = uuid.uuid4().hex
        self.tokens.add(token)
        self.tokens_issued += 1
        return JSONResponse({"access_token": token, "expires_in": "3600"})

    async def _authorised(self, request: Request) -> Response | None:
        if (blocked := await self.gate(request, {"message": "Rate limit exceeded"})) is not None:
            return blocked
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        return None

    # --- estimate --------------------------------------------------------------------------

    @staticmethod
    def _validate(body: Any, full: bool) -> tuple[TripRequest | None, Response | None]:
        if not isinstance(body, dict):
            return None, JSONResponse({"message": "invalid payload"}, status_code=400)
        missing = [k for k in ("sender", "recipient", "payment_method", "amount", "description") if k not in body]
        if missing:
            return None, JSONResponse({"message": f"missing required field(s): {', '.join(missing)}"}, status_code=400)
        if body["payment_method"] not in PAYMENT_METHODS:
            return None, JSONResponse({"message": "payment_method must be PAID or CASH_ON_DELIVERY"}, status_code=400)
        if len(str(body["description"])) > 200:
            return None, JSONResponse({"message": "description is longer than 200 characters"}, status_code=400)
        try:
            s, r = body["sender"]["location"], body["recipient"]["location"]
            sender = Place(float(s["latitude"]), float(s["longitude"]), s.get("address", ""))
            recipient = Place(float(r["latitude"]), float(r["longitude"]), r.get("address", ""))
        except (KeyError, TypeError, ValueError):
            return None, JSONResponse(
                {"message": "sender and recipient need location.latitude/longitude"}, status_code=400
            )
        if full and not all(k in body["recipient"] for k in ("name", "phone_number")):
            return None, JSONResponse({"message": "recipient name and phone_number are required"}, status_code=400)
        if sender.lat == 0 and sender.lng == 0:
            return None, JSONResponse(
                [{"message": "No Branch found that is close enough to the given sender coordinates"}], status_code=422
            )
        distance = trip_distance_m(sender.lat, sender.lng, recipient.lat, recipient.lng)
        cod = int(body["amount"]) if body["payment_method"] == "CASH_ON_DELIVERY" else 0
        return TripRequest(sender, recipient, distance, cod, reference=str(body.get("client_order_id") or "")), None

    async def fee(self, request: Request) -> Response:
        if (denied := await self._authorised(request)) is not None:
            return denied
        trip, error = self._validate(await request.json(), full=False)
        if error is not None:
            return error
        quote = await self.sandbox.quote(trip)  # type: ignore[arg-type]
        # The spec's example spells it `estimated_delivery_fee`, the schema `estimate_delivery_fee`.
        return JSONResponse(
            {"client_order_id": trip.reference, "estimated_delivery_fee": float(quote.platform_fee or 0)}
        )  # type: ignore[union-attr]

    async def time(self, request: Request) -> Response:
        if (denied := await self._authorised(request)) is not None:
            return denied
        trip, error = self._validate(await request.json(), full=False)
        if error is not None:
            return error
        quote = await self.sandbox.quote(trip)  # type: ignore[arg-type]
        now = self.clock()
        fmt = lambda t: t.isoformat(timespec="milliseconds").replace("+00:00", "Z")  # noqa: E731
        return JSONResponse(
            {
                "client_order_id": trip.reference,  # type: ignore[union-attr]
                "estimate_pickup_time": fmt(now + timedelta(minutes=8)),
                "estimate_delivery_time": fmt(now + timedelta(minutes=quote.eta_minutes or 30)),
            }
        )

    # --- orders ----------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        if (denied := await self._authorised(request)) is not None:
            return denied
        body = await request.json()
        trip, error = self._validate(body, full=True)
        if error is not None:
            return error
        reference = str(body.get("client_order_id") or uuid.uuid4().hex)
        delivery = await self.sandbox.create(BookingRequest(trip, reference))  # type: ignore[arg-type]
        return JSONResponse(self.sandbox.order_document(delivery.platform_ref), status_code=201)

    async def get(self, request: Request) -> Response:
        if (denied := await self._authorised(request)) is not None:
            return denied
        try:
            return JSONResponse(self.sandbox.order_document(request.path_params["order_id"]))
        except PlatformRejected:
            return JSONResponse({"message": "Order not found"}, status_code=404)

    async def cancel(self, request: Request) -> Response:
        if (denied := await self._authorised(request)) is not None:
            return denied
        body = await request.json() if await request.body() else {}
        reason = body.get("reason")
        if reason not in CLIENT_CANCEL_REASONS:
            return JSONResponse(
                {"message": "reason is required: DELIVERY_ETA_TOO_LONG, MISTAKE_ERROR or REASON_UNKNOWN"},
                status_code=400,
            )
        try:
            await self.sandbox.cancel(request.path_params["order_id"], reason)
        except PlatformRejected:
            return JSONResponse({"message": "Order not found"}, status_code=404)
        except CancellationRefused:
            return JSONResponse({"message": "Order is not cancellable"}, status_code=409)
        return Response(status_code=204)
