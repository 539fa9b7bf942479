"""Fake Lalamove API v3: HMAC-signed requests, quotations, orders, cancel."""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from smartdist_delivery_broker.adapters.lalamove import request_signature
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

SERVICE_TYPES = {"MOTORCYCLE", "SEDAN", "VAN", "COURIER", "MPV", "TRUCK175"}


def _errors(status: int, error_id: str, message: str, detail: str | None = None) -> JSONResponse:
    error: dict[str, Any] = {"id": error_id, "message": message}
    if detail:
        error["detail"] = detail
    return JSONResponse({"errors": [error]}, status_code=status)


def _iso(value: Any) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeLalamove(FakePlatformControls):
    def __init__(self, api_key: str, api_secret: str, market: str = "TW"):
        super().__init__()
        self.api_key = api_key
        self.api_secret = api_secret
        self.market = market
        self.quotations: dict[str, dict[str, Any]] = {}
        self.sandbox = SandboxPlatform("lalamove", SandboxBehaviour(quote_latency_s=0), self.clock)
        self.app = Starlette(
            routes=[
                Route("/v3/quotations", self.quote, methods=["POST"]),
                Route("/v3/orders", self.create, methods=["POST"]),
                Route("/v3/orders/{order_id}", self.get, methods=["GET"]),
                Route("/v3/orders/{order_id}", self.cancel, methods=["DELETE"]),
            ]
        )

    async def _authorised(self, request: Request) -> tuple[Any, Response | None]:
        """Check `Authorization: hmac key:ts:sig` over the exact body, and the Market header."""
        if (
            blocked := await self.gate(
                request, {"errors": [{"id": "ERR_TOO_MANY_REQUESTS", "message": "Too many requests"}]}
            )
        ) is not None:
            return None, blocked
        raw = (await request.body()).decode()
        auth = request.headers.get("authorization", "")
        try:
            scheme, token = auth.split(" ", 1)
            key, timestamp, signature = token.split(":")
        except ValueError:
            return None, _errors(401, "ERR_UNAUTHORIZED", "Missing or malformed Authorization header")
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        expected = request_signature(self.api_secret, int(timestamp), request.method, path, raw)
        if scheme != "hmac" or key != self.api_key or not hmac.compare_digest(expected, signature):
            return None, _errors(401, "ERR_UNAUTHORIZED", "Signature does not match")
        if request.headers.get("market") != self.market:
            return None, _errors(401, "ERR_INVALID_MARKET", "Market header is missing or not enabled for this key")
        try:
            return (json.loads(raw) if raw else None), None
        except json.JSONDecodeError:
            return None, _errors(400, "ERR_INVALID_FIELD", "Body is not JSON")

    async def quote(self, request: Request) -> Response:
        body, denied = await self._authorised(request)
        if denied is not None:
            return denied
        data = (body or {}).get("data")
        if not isinstance(data, dict):
            return _errors(422, "ERR_MISSING_FIELD", "data is required", "/data")
        if data.get("serviceType") not in SERVICE_TYPES:
            return _errors(422, "ERR_INVALID_FIELD", "unknown serviceType", "/data/serviceType")
        stops = data.get("stops") or []
        if len(stops) < 2:
            return _errors(422, "ERR_INVALID_FIELD", "at least two stops are required", "/data/stops")
        places = []
        for i, stop in enumerate(stops):
            coordinates = stop.get("coordinates") or {}
            if not isinstance(coordinates.get("lat"), str) or not isinstance(coordinates.get("lng"), str):
                return _errors(422, "ERR_INVALID_FIELD", "coordinates must be strings", f"/data/stops/{i}/coordinates")
            places.append(Place(float(coordinates["lat"]), float(coordinates["lng"]), stop.get("address", "")))
        trip = TripRequest(
            places[0], places[1], trip_distance_m(places[0].lat, places[0].lng, places[1].lat, places[1].lng)
        )
        quote = await self.sandbox.quote(trip)
        stop_ids = list(quote.raw["stop_ids"])
        document = {
            "quotationId": quote.platform_quote_ref,
            "scheduleAt": _iso(self.clock()),
            "serviceType": data["serviceType"],
            "specialRequests": [],
            "expiresAt": _iso(quote.expires_at),
            "priceBreakdown": {
                "base": "80",
                "extraMileage": str((quote.platform_fee or 80) - 80),
                "vat": "0",
                "total": str(quote.platform_fee),
                "currency": "TWD",
            },
            "isRouteOptimized": False,
            "stops": [
                {"stopId": stop_ids[i], "coordinates": stops[i]["coordinates"], "address": stops[i].get("address", "")}
                for i in range(2)
            ],
        }
        self.quotations[str(quote.platform_quote_ref)] = {"trip": trip, "stop_ids": stop_ids}
        return JSONResponse({"data": document}, status_code=201)

    async def create(self, request: Request) -> Response:
        body, denied = await self._authorised(request)
        if denied is not None:
            return denied
        data = (body or {}).get("data") or {}
        quotation = self.quotations.get(str(data.get("quotationId")))
        if quotation is None:
            return _errors(422, "ERR_INVALID_QUOTATION_ID", "quotationId is invalid or expired", "/data/quotationId")
        sender = data.get("sender") or {}
        recipients = data.get("recipients") or []
        if (
            sender.get("stopId") != quotation["stop_ids"][0]
            or not recipients
            or recipients[0].get("stopId") != quotation["stop_ids"][1]
        ):
            return _errors(422, "ERR_INVALID_FIELD", "stopId does not belong to the quotation", "/data/sender/stopId")
        reference = str((data.get("metadata") or {}).get("reference") or data["quotationId"])
        try:
            delivery = await self.sandbox.create(
                BookingRequest(quotation["trip"], reference, str(data["quotationId"]), tuple(quotation["stop_ids"]))
            )
        except PlatformRejected:
            return _errors(422, "ERR_INVALID_QUOTATION_ID", "quotationId is invalid or expired", "/data/quotationId")
        document = self.sandbox.order_document(delivery.platform_ref)
        document["quotationId"] = data["quotationId"]
        return JSONResponse({"data": document}, status_code=201)

    async def get(self, request: Request) -> Response:
        _, denied = await self._authorised(request)
        if denied is not None:
            return denied
        try:
            return JSONResponse({"data": self.sandbox.order_document(request.path_params["order_id"])})
        except PlatformRejected:
            return _errors(404, "ERR_ORDER_NOT_FOUND", "Order not found")

    async def cancel(self, request: Request) -> Response:
        _, denied = await self._authorised(request)
        if denied is not None:
            return denied
        try:
            await self.sandbox.cancel(request.path_params["order_id"])
        except PlatformRejected:
            return _errors(404, "ERR_ORDER_NOT_FOUND", "Order not found")
        except CancellationRefused as exc:
            return _errors(422, "ERR_CANCELLATION_FORBIDDEN", exc.reason)
        return Response(status_code=204)
