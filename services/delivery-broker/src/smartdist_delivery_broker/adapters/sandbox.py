"""Sandbox platforms: simulated couriers that speak each platform's own formats, with no network.

A :class:`SandboxPlatform` implements the same port as the real adapters. Quotes answer after a
configurable latency (or hang, fail, or rate-limit); a booked order follows a courier script
(assign → pick up → deliver, or fail, return, delay) on the injected clock, in the platform's own
raw statuses; its webhooks are rendered in the platform's real payload shape and signed with the
platform's real scheme, and can be delayed, duplicated and delivered out of order — so the broker
parses sandbox webhooks with exactly the code that parses real ones.

The demo uses it with the wall clock and Uber's Robo Courier cadence (a step every 30 s); tests
drive a manual clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import secrets as _secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from smartdist_delivery_broker.adapters import lalamove, pandago, uber_direct
from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    CancellationRefused,
    DeliveryStatus,
    PlatformDelivery,
    PlatformQuote,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
    StatusUpdate,
    TripRequest,
    WebhookSignatureInvalid,
)
from smartdist_delivery_broker.pricing import started_kilometres


class CourierScenario(StrEnum):
    DELIVER = "deliver"  # the happy path
    DELAYED = "delayed"  # slower courier, with the platform's delay notice where it has one
    FAIL = "fail"  # no courier found / platform gives up
    RETURN = "return"  # picked up, could not deliver, goods go back


@dataclass
class SandboxBehaviour:
    """How a sandbox platform misbehaves; every field can be changed while it runs."""

    quote_latency_s: float = 0.02
    hang_quotes: bool = False
    quote_error: str | None = None
    rate_limited: bool = False
    scenario: CourierScenario = CourierScenario.DELIVER
    step_s: float = 30.0
    webhook_delay_s: float = 0.0
    duplicate_probability: float = 0.0
    reorder: bool = False
    seed: int = 0


def _secret() -> str:
    return _secrets.token_urlsafe(32)


@dataclass(frozen=True)
class SandboxSecrets:
    """What the sandboxes sign their webhooks with. Never constants: a secret written in the
    source signs a forged "delivered" for anyone. The running service passes the installation's
    (`config.sandbox_webhook_secrets`); left out, each instance makes fresh random ones."""

    pandago_webhook_secret: str = field(default_factory=_secret)
    uber_signing_key: str = field(default_factory=_secret)
    lalamove_api_key: str = field(default_factory=lambda: "pk_" + _secrets.token_hex(16))
    lalamove_api_secret: str = field(default_factory=_secret)
    lalamove_webhook_path: str = lalamove.LalamoveCredentials("", "").webhook_path


@dataclass(frozen=True)
class ScriptStep:
    offset_s: float
    raw_status: str
    extra: Mapping[str, Any] = field(default_factory=dict)


def courier_script(provider: str, scenario: CourierScenario, step_s: float) -> list[ScriptStep]:
    """The raw statuses a courier walks through on `provider`, step_s apart."""
    statuses: list[tuple[str, dict[str, Any]]]
    if provider == "pandago":
        happy = [
            "NEW",
            "RECEIVED",
            "WAITING_FOR_TRANSPORT",
            "ASSIGNED_TO_TRANSPORT",
            "COURIER_ACCEPTED_DELIVERY",
            "NEAR_VENDOR",
            "PICKED_UP",
            "COURIER_LEFT_VENDOR",
            "NEAR_CUSTOMER",
            "DELIVERED",
        ]
        statuses = [(s, {}) for s in happy]
        if scenario is CourierScenario.DELAYED:
            statuses.insert(7, ("DELAYED", {}))
        elif scenario is CourierScenario.FAIL:
            statuses = [(s, {}) for s in happy[:3]] + [
                ("CANCELLED", {"cancellation": {"source": "LOGISTICS", "reason": "NO_COURIER"}})
            ]
        elif scenario is CourierScenario.RETURN:
            returned: dict[str, Any] = {}
            statuses = [(s, {}) for s in happy[:9]] + [("RETURNED_TO_VENDOR", returned)]
    elif provider == "uber_direct":
        statuses = [
            ("pending", {}),
            ("pickup", {}),
            ("pickup", {"courier_imminent": True}),
            ("pickup_complete", {}),
            ("dropoff", {}),
            ("dropoff", {"courier_imminent": True}),
            ("delivered", {}),
        ]
        if scenario is CourierScenario.FAIL:
            statuses = [("pending", {}), ("canceled", {"undeliverable_reason": "no_couriers_available"})]
        elif scenario is CourierScenario.RETURN:
            statuses = statuses[:5] + [("returned", {"undeliverable_reason": "customer_unavailable"})]
    elif provider == "lalamove":
        statuses = [("ASSIGNING_DRIVER", {}), ("ON_GOING", {}), ("PICKED_UP", {}), ("COMPLETED", {})]
        if scenario is CourierScenario.FAIL:
            statuses = [("ASSIGNING_DRIVER", {}), ("EXPIRED", {})]
        elif scenario is CourierScenario.RETURN:
            # On-demand v3 has no "returned" status: customer service cancels after pickup.
            statuses = statuses[:3] + [("CANCELED", {})]
    else:
        raise ValueError(f"no sandbox script for provider {provider!r}")
    step = step_s * (3 if scenario is CourierScenario.DELAYED else 1)
    return [ScriptStep(i * step, s, extra) for i, (s, extra) in enumerate(statuses)]


@dataclass
class SimulatedOrder:
    platform_ref: str
    reference: str
    trip: TripRequest
    created_at: datetime
    script: list[ScriptStep]
    fee: int
    # How the platform behaves for the tenant that booked it (delays, duplicates, reordering).
    behaviour: SandboxBehaviour = field(default_factory=lambda: SandboxBehaviour())
    emitted: int = 0  # script steps already turned into webhooks
    positions_sent: int = 0  # Uber courier_update webhooks already sent

    def courier_update_times(self, provider: str, every_s: float, now: datetime) -> list[datetime]:
        """When a courier_update is due (every `every_s` from assignment until the delivery
        ended), up to `now`."""
        assigned = self._anchor(provider, DeliveryStatus.ASSIGNED)
        if assigned is None or every_s <= 0:
            return []
        ended = next((self.time_of(s) for s in self.script if sandbox_status(provider, s) in _ENDED), None)
        last = now if ended is None else min(now, ended)
        count = int((last - assigned).total_seconds() // every_s) if last > assigned else 0
        times = [assigned + timedelta(seconds=every_s * k) for k in range(1, count + 1)]
        return [t for t in times if ended is None or t < ended]

    def step_at(self, now: datetime) -> ScriptStep:
        elapsed = (now - self.created_at).total_seconds()
        current = self.script[0]
        for step in self.script:
            if step.offset_s <= elapsed:
                current = step
        return current

    def time_of(self, step: ScriptStep) -> datetime:
        return self.created_at + timedelta(seconds=step.offset_s)

    def _anchor(self, provider: str, wanted: DeliveryStatus) -> datetime | None:
        for step in self.script:
            if sandbox_status(provider, step) is wanted:
                return self.time_of(step)
        return None

    def courier_position(self, provider: str, at: datetime) -> tuple[float, float] | None:
        """Where the simulated courier is at `at`: riding from about a kilometre away to the
        pickup between assignment and pickup, then along the straight line to the dropoff; none
        before a courier is assigned or after the delivery has ended."""
        assigned = self._anchor(provider, DeliveryStatus.ASSIGNED)
        if assigned is None or at < assigned:
            return None
        ended = next(
            (self.time_of(s) for s in self.script if sandbox_status(provider, s) in _ENDED and self.time_of(s) < at),
            None,
        )
        if ended is not None:
            return None
        pickup, dropoff = self.trip.pickup, self.trip.dropoff
        seed = hashlib.sha256(self.platform_ref.encode()).digest()
        start = (pickup.lat + (seed[0] - 128) / 128 * 0.008, pickup.lng + (seed[1] - 128) / 128 * 0.008)
        picked = self._anchor(provider, DeliveryStatus.PICKED_UP)
        delivered = self._anchor(provider, DeliveryStatus.DELIVERED)
        if picked is None or at <= picked:
            return _between(start, (pickup.lat, pickup.lng), assigned, picked, at)
        return _between((pickup.lat, pickup.lng), (dropoff.lat, dropoff.lng), picked, delivered, at)

    def accepted_at(self) -> datetime | None:
        for step in self.script:
            if step.raw_status in ("ON_GOING", "COURIER_ACCEPTED_DELIVERY") or (
                step.raw_status == "pickup" and not step.extra.get("courier_imminent")
            ):
                return self.time_of(step)
        return None


_ENDED = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.CANCELLED, DeliveryStatus.FAILED, DeliveryStatus.RETURNED})


def sandbox_status(provider: str, step: ScriptStep) -> DeliveryStatus | None:
    """The normalised status of a script step, read with the real adapter's status map."""
    if provider == "pandago":
        return pandago.map_status(step.raw_status, step.extra.get("cancellation"))
    if provider == "uber_direct":
        return uber_direct.map_status(step.raw_status, dict(step.extra))
    return lalamove.map_status(step.raw_status)


def _between(
    a: tuple[float, float], b: tuple[float, float], start: datetime, end: datetime | None, at: datetime
) -> tuple[float, float]:
    if end is None or end <= start:
        fraction = 0.0
    else:
        fraction = min(1.0, max(0.0, (at - start).total_seconds() / (end - start).total_seconds()))
    return round(a[0] + (b[0] - a[0]) * fraction, 6), round(a[1] + (b[1] - a[1]) * fraction, 6)


@dataclass(frozen=True)
class WebhookDelivery:
    """One HTTP POST a platform would make to our webhook endpoint."""

    provider: str
    headers: dict[str, str]
    body: bytes
    due_at: datetime


def _lalamove_driver(position: tuple[float, float]) -> dict[str, Any]:
    # Lalamove writes coordinates as strings (quotation stops, driver details).
    return {"driverId": "sandbox-driver", "coordinates": {"lat": str(position[0]), "lng": str(position[1])}}


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SandboxPlatform:
    """A simulated `provider` implementing the DeliveryPlatform port."""

    def __init__(
        self,
        provider: str,
        behaviour: SandboxBehaviour | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        secrets: SandboxSecrets | None = None,
    ):
        secrets = secrets or SandboxSecrets()
        if provider not in ("pandago", "uber_direct", "lalamove"):
            raise ValueError(f"unknown sandbox provider {provider!r}")
        self.provider = provider
        # The installation's behaviour (settings); a tenant that changed its sandbox has its own.
        self.behaviour = behaviour or SandboxBehaviour()
        self.tenant_behaviours: dict[str, SandboxBehaviour] = {}
        self.clock = clock
        self.secrets = secrets
        self.orders: dict[str, SimulatedOrder] = {}
        self.quotes: dict[str, dict[str, Any]] = {}
        self._by_reference: dict[str, str] = {}
        self._rng = random.Random(self.behaviour.seed)
        self._emit_lock = threading.Lock()
        self._lalamove_creds = lalamove.LalamoveCredentials(
            secrets.lalamove_api_key, secrets.lalamove_api_secret, webhook_path=secrets.lalamove_webhook_path
        )

    # --- per-tenant behaviour ---------------------------------------------------------------

    def behaviour_for(self, tenant_id: str | None) -> SandboxBehaviour:
        """The tenant's behaviour: its own once it changed it, else the installation's."""
        if tenant_id is None:
            return self.behaviour
        return self.tenant_behaviours.get(tenant_id, self.behaviour)

    def set_behaviour(self, tenant_id: str, changes: Mapping[str, Any]) -> SandboxBehaviour:
        """Change how the platform behaves for one tenant only; other tenants keep theirs."""
        with self._emit_lock:
            current = self.tenant_behaviours.get(tenant_id) or replace(self.behaviour)
            updated = replace(current, **dict(changes))
            self.tenant_behaviours[tenant_id] = updated
            return updated

    def for_tenant(self, tenant_id: str) -> TenantSandbox:
        """This platform as one tenant sees it (its behaviour), behind the same port."""
        return TenantSandbox(self, tenant_id)

    # --- quotes ----------------------------------------------------------------------------

    def _platform_fee(self, trip: TripRequest) -> int:
        # The platforms' own list prices differ from the programme schedule; a plausible shape.
        km = started_kilometres(trip.distance_m)
        base, per_km = {"pandago": (75, 12), "uber_direct": (90, 11), "lalamove": (80, 13)}[self.provider]
        return base + per_km * (km - 1)

    def _eta_minutes(self, trip: TripRequest) -> int:
        # Courier reaches pickup in 4–10 min (stable per platform), then rides at about 25 km/h.
        digest = hashlib.sha256(f"{self.provider}|{trip.pickup.lat}|{trip.pickup.lng}".encode()).digest()
        to_pickup = 4 + digest[0] % 7
        return to_pickup + max(1, round(trip.distance_m / 1000 * 2.4))

    async def quote(self, trip: TripRequest, behaviour: SandboxBehaviour | None = None) -> PlatformQuote:
        b = behaviour or self.behaviour
        if b.hang_quotes:
            await asyncio.Event().wait()  # never answers; the broker's deadline must cut it off
        if b.quote_latency_s > 0:
            await asyncio.sleep(b.quote_latency_s)
        if b.rate_limited:
            raise PlatformRateLimited(self.provider, "rate limit exceeded (sandbox)", retry_after_s=10)
        if b.quote_error:
            raise PlatformUnavailable(self.provider, b.quote_error, status_code=503)
        now = self.clock()
        ref: str | None
        stop_ids: list[str] = []
        expires: datetime | None
        if self.provider == "uber_direct":
            ref, expires = "dqt_" + uuid.uuid4().hex[:22], now + timedelta(minutes=15)
        elif self.provider == "lalamove":
            ref, expires = str(uuid.uuid4().int)[:19], now + timedelta(minutes=5)
            stop_ids = [str(uuid.uuid4().int)[:19], str(uuid.uuid4().int)[:19]]
        else:
            ref, expires = None, None  # pandago estimates have neither id nor expiry
        fee = self._platform_fee(trip)
        if ref:
            self.quotes[ref] = {"fee": fee, "expires": expires, "stop_ids": stop_ids, "used": False}
        return PlatformQuote(
            provider=self.provider,
            platform_fee=fee,
            eta_minutes=self._eta_minutes(trip),
            expires_at=expires,
            platform_quote_ref=ref,
            raw={"sandbox": True, "stop_ids": stop_ids},
        )

    # --- orders ----------------------------------------------------------------------------

    def _new_ref(self) -> str:
        if self.provider == "pandago":
            return f"sbx{uuid.uuid4().hex[:4]}-{self._rng.randrange(10**6):06d}"
        if self.provider == "uber_direct":
            return "del_" + uuid.uuid4().hex[:22]
        return str(uuid.uuid4().int)[:19]

    async def create(self, booking: BookingRequest, behaviour: SandboxBehaviour | None = None) -> PlatformDelivery:
        b = behaviour or self.behaviour
        existing = self._by_reference.get(booking.reference)
        if existing is not None:
            # Same client reference / idempotency key: the platform returns the same order.
            return self._delivery(self.orders[existing])
        now = self.clock()
        fee = self._platform_fee(booking.trip)
        if self.provider in ("uber_direct", "lalamove"):
            quote = self.quotes.get(booking.platform_quote_ref or "")
            if quote is None:
                raise PlatformRejected(self.provider, "unknown quote", status_code=422, code="invalid_quote")
            if now >= quote["expires"]:
                raise PlatformRejected(self.provider, "quote expired", status_code=400, code="expired_quote")
            fee = quote["fee"]
        order = SimulatedOrder(
            platform_ref=self._new_ref(),
            reference=booking.reference,
            trip=booking.trip,
            created_at=now,
            script=courier_script(self.provider, b.scenario, b.step_s),
            fee=fee,
            behaviour=b,
        )
        self.orders[order.platform_ref] = order
        self._by_reference[booking.reference] = order.platform_ref
        return self._delivery(order)

    def _order(self, platform_ref: str) -> SimulatedOrder:
        order = self.orders.get(platform_ref)
        if order is None:
            raise PlatformRejected(self.provider, f"order {platform_ref} not found", status_code=404)
        return order

    def order_document(self, platform_ref: str, now: datetime | None = None) -> dict[str, Any]:
        """The order as the platform's GET endpoint would return it."""
        order = self._order(platform_ref)
        return self._render_order(order, order.step_at(now or self.clock()), now or self.clock())

    def _delivery(self, order: SimulatedOrder) -> PlatformDelivery:
        document = self._render_order(order, order.step_at(self.clock()), self.clock())
        if self.provider == "pandago":
            return pandago.delivery_from_order(document)
        if self.provider == "uber_direct":
            return uber_direct.delivery_from_response(document)
        return lalamove.delivery_from_order({"data": document})

    async def get(self, platform_ref: str) -> PlatformDelivery:
        return self._delivery(self._order(platform_ref))

    def cancellation_refusal(self, raw_status: str, courier_accepted_at: datetime | None, now: datetime) -> str | None:
        window = {
            "pandago": pandago.cancellation_refusal,
            "uber_direct": uber_direct.cancellation_refusal,
            "lalamove": lalamove.cancellation_refusal,
        }[self.provider]
        return window(raw_status.split(":")[0], courier_accepted_at, now)

    async def cancel(self, platform_ref: str, reason: str = "") -> PlatformDelivery:
        order = self._order(platform_ref)
        now = self.clock()
        current = order.step_at(now)
        refusal = self.cancellation_refusal(current.raw_status, order.accepted_at(), now)
        if refusal is not None:
            raise CancellationRefused(self.provider, refusal, status_code=409)
        elapsed = (now - order.created_at).total_seconds()
        kept = [s for s in order.script if s.offset_s <= elapsed]
        cancel_status = {"pandago": "CANCELLED", "uber_direct": "canceled", "lalamove": "CANCELED"}[self.provider]
        extra: dict[str, Any] = {}
        if self.provider == "pandago":
            extra = {"cancellation": {"source": "CLIENT", "reason": reason or "REASON_UNKNOWN"}}
        # Same instant as the last step reached is fine: list order breaks the tie.
        order.script = kept + [ScriptStep(elapsed, cancel_status, extra)]
        return self._delivery(order)

    # --- platform-format documents ---------------------------------------------------------

    def _render_order(self, order: SimulatedOrder, step: ScriptStep, now: datetime) -> dict[str, Any]:
        at = order.time_of(step)
        trip = order.trip
        # A webhook reports the courier where it was at the step; a GET, where it is now.
        position = order.courier_position(self.provider, max(at, now))
        if self.provider == "pandago":
            doc: dict[str, Any] = {
                "order_id": order.platform_ref,
                "client_order_id": order.reference,
                "status": step.raw_status,
                "delivery_fee": order.fee,
                "distance": trip.distance_m,
                "payment_method": "CASH_ON_DELIVERY" if trip.cod_amount else "PAID",
                "amount": trip.cod_amount or trip.goods_value,
                "timeline": {
                    "estimated_pickup_time": _rfc3339(order.created_at + timedelta(minutes=10)),
                    "estimated_delivery_time": _rfc3339(order.created_at + timedelta(minutes=25)),
                },
                "driver": {"id": "", "name": "", "phone_number": ""},
                "created_at": int(order.created_at.timestamp()),
                "updated_at": round(at.timestamp(), 3),
                "tracking_link": f"https://sandbox.pandago.local/track/{order.platform_ref}",
            }
            if step.raw_status not in ("NEW", "RECEIVED", "WAITING_FOR_TRANSPORT"):
                doc["driver"] = {"id": "12324", "name": "Panda Go", "phone_number": "+886900000001"}
                if position is not None:
                    doc["driver"]["location"] = {"latitude": position[0], "longitude": position[1]}
            doc.update(step.extra)
            return doc
        if self.provider == "uber_direct":
            doc = {
                "kind": "delivery",
                "id": order.platform_ref,
                "status": step.raw_status,
                "complete": step.raw_status in ("delivered", "canceled", "returned"),
                "courier_imminent": bool(step.extra.get("courier_imminent")),
                "fee": order.fee * 100,
                "currency": "twd",
                "created": _rfc3339(order.created_at),
                "updated": _rfc3339(at),
                "tracking_url": f"https://sandbox.uber.local/track/{order.platform_ref}",
                "external_id": order.reference,
                "live_mode": False,
                "undeliverable_action": "return",
                "undeliverable_reason": step.extra.get("undeliverable_reason", ""),
            }
            if step.raw_status != "pending":
                doc["courier"] = {"name": "Robo Courier", "vehicle_type": "scooter", "phone_number": "+886900000002"}
                if position is not None:
                    doc["courier"]["location"] = {"lat": position[0], "lng": position[1]}
            return doc
        document: dict[str, Any] = {
            "orderId": order.platform_ref,
            "quotationId": "",
            "status": step.raw_status,
            "shareLink": f"https://sandbox.lalamove.local/share/{order.platform_ref}",
            "priceBreakdown": {"total": str(order.fee), "currency": "TWD"},
            "distance": {"value": str(order.trip.distance_m), "unit": "m"},
            "metadata": {"reference": order.reference},
        }
        if position is not None:
            document["driver"] = _lalamove_driver(position)
        return document

    def render_webhook(self, order: SimulatedOrder, step: ScriptStep) -> tuple[dict[str, str], bytes]:
        """Headers and body of the platform's webhook for `step`, signed the platform's way."""
        at = order.time_of(step)
        if self.provider == "pandago":
            payload = self._render_order(order, step, at)
            body = json.dumps(payload).encode()
            return {
                "Content-Type": "application/json",
                "X-Signature-SHA256": pandago.callback_signature(body, self.secrets.pandago_webhook_secret),
            }, body
        if self.provider == "uber_direct":
            data = self._render_order(order, step, at)
            event_seed = f"{order.platform_ref}|{step.offset_s}|{step.raw_status}"
            payload = {
                "id": "evt_" + hashlib.sha256(event_seed.encode()).hexdigest()[:24],
                "kind": "event.delivery_status",
                "status": step.raw_status,
                "created": _rfc3339(at),
                "live_mode": False,
                "delivery_id": order.platform_ref,
                "customer_id": "cus_sandbox",
                "data": data,
            }
            body = json.dumps(payload).encode()
            return {
                "Content-Type": "application/json",
                "x-uber-signature": uber_direct.webhook_signature(body, self.secrets.uber_signing_key),
            }, body
        timestamp = _ms(at)
        data = {
            "order": {"orderId": order.platform_ref, "status": step.raw_status},
            "updatedAt": _rfc3339(at),
        }
        position = order.courier_position(self.provider, at)
        if position is not None:
            data["driver"] = _lalamove_driver(position)
        payload = {
            "apiKey": self.secrets.lalamove_api_key,
            "timestamp": timestamp,
            "signature": lalamove.webhook_signature(
                self.secrets.lalamove_api_secret, timestamp, self.secrets.lalamove_webhook_path, data
            ),
            "eventId": hashlib.sha256(f"{order.platform_ref}|{step.offset_s}".encode()).hexdigest()[:32],
            "eventType": "ORDER_STATUS_CHANGED",
            "eventVersion": "v3",
            "data": data,
        }
        return {"Content-Type": "application/json"}, json.dumps(payload).encode()

    def render_courier_update(self, order: SimulatedOrder, at: datetime) -> tuple[dict[str, str], bytes]:
        """Uber Direct's `event.courier_update`: the courier's location at `at`, signed."""
        position = order.courier_position(self.provider, at)
        payload: dict[str, Any] = {
            "id": "evt_" + hashlib.sha256(f"{order.platform_ref}|courier|{at.isoformat()}".encode()).hexdigest()[:24],
            "kind": "event.courier_update",
            "created": _rfc3339(at),
            "live_mode": False,
            "delivery_id": order.platform_ref,
            "data": self._render_order(order, order.step_at(at), at),
        }
        if position is not None:
            payload["location"] = {"lat": position[0], "lng": position[1]}
        body = json.dumps(payload).encode()
        return {
            "Content-Type": "application/json",
            "x-uber-signature": uber_direct.webhook_signature(body, self.secrets.uber_signing_key),
        }, body

    def due_webhooks(self, now: datetime | None = None) -> list[WebhookDelivery]:
        """Webhooks for every script step reached by `now` and not yet sent, with the behaviour's
        delay, duplicates and reordering applied. Each step is emitted (at least) once."""
        with self._emit_lock:  # pages and the webhook pump may ask at once
            return self._due_webhooks(now or self.clock())

    def _due_webhooks(self, now: datetime) -> list[WebhookDelivery]:
        in_order: list[WebhookDelivery] = []
        shuffled: list[WebhookDelivery] = []
        for order in list(self.orders.values()):
            # Each order follows the behaviour of the tenant that booked it.
            b = order.behaviour
            out = shuffled if b.reorder else in_order
            elapsed = (now - order.created_at).total_seconds()
            while order.emitted < len(order.script) and order.script[order.emitted].offset_s <= elapsed:
                step = order.script[order.emitted]
                headers, body = self.render_webhook(order, step)
                due = order.time_of(step) + timedelta(seconds=b.webhook_delay_s * self._rng.random())
                out.append(WebhookDelivery(self.provider, headers, body, due))
                # Platforms retry on timeouts, so the same webhook can land twice (or more).
                while self._rng.random() < b.duplicate_probability:
                    out.append(
                        WebhookDelivery(self.provider, headers, body, due + timedelta(seconds=self._rng.random()))
                    )
                order.emitted += 1
            if self.provider == "uber_direct":
                # Uber also posts the courier's position about every 20 s (2/3 of a 30 s step).
                times = order.courier_update_times(self.provider, b.step_s * 2 / 3, now)
                for at in times[order.positions_sent :]:
                    headers, body = self.render_courier_update(order, at)
                    out.append(WebhookDelivery(self.provider, headers, body, at))
                order.positions_sent = max(order.positions_sent, len(times))
        in_order.sort(key=lambda w: w.due_at)
        self._rng.shuffle(shuffled)
        return in_order + shuffled

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[StatusUpdate]:
        """Parse with the real adapter's verification and translation, keyed with sandbox secrets."""
        if self.provider == "pandago":
            lowered = {k.lower(): v for k, v in headers.items()}
            if not pandago.verify_callback_signature(
                body, lowered.get(pandago.SIGNATURE_HEADER), self.secrets.pandago_webhook_secret
            ):
                raise WebhookSignatureInvalid("pandago X-Signature-SHA256 does not match the body")
            return pandago.updates_from_callback(json.loads(body))
        if self.provider == "uber_direct":
            if not uber_direct.verify_webhook_signature(body, headers, self.secrets.uber_signing_key):
                raise WebhookSignatureInvalid("Uber Direct x-uber-signature does not match the body")
            return uber_direct.updates_from_webhook(json.loads(body))
        if not body.strip():
            return []
        payload = json.loads(body)
        if not lalamove.verify_webhook(payload, self._lalamove_creds):
            raise WebhookSignatureInvalid("Lalamove webhook apiKey/signature does not verify")
        return lalamove.updates_from_webhook(payload)


class TenantSandbox:
    """One tenant's view of a sandbox platform: quotes and bookings follow that tenant's
    behaviour; the simulated orders and webhooks are the platform's (one webhook endpoint)."""

    def __init__(self, sandbox: SandboxPlatform, tenant_id: str):
        self.sandbox = sandbox
        self.provider = sandbox.provider
        self.tenant_id = tenant_id

    @property
    def behaviour(self) -> SandboxBehaviour:
        return self.sandbox.behaviour_for(self.tenant_id)

    async def quote(self, trip: TripRequest) -> PlatformQuote:
        return await self.sandbox.quote(trip, self.behaviour)

    async def create(self, booking: BookingRequest) -> PlatformDelivery:
        return await self.sandbox.create(booking, self.behaviour)

    async def get(self, platform_ref: str) -> PlatformDelivery:
        return await self.sandbox.get(platform_ref)

    async def cancel(self, platform_ref: str, reason: str = "") -> PlatformDelivery:
        return await self.sandbox.cancel(platform_ref, reason)

    def cancellation_refusal(self, raw_status: str, courier_accepted_at: datetime | None, now: datetime) -> str | None:
        return self.sandbox.cancellation_refusal(raw_status, courier_accepted_at, now)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[StatusUpdate]:
        return self.sandbox.parse_webhook(headers, body)


def sandbox_platforms(
    behaviours: Mapping[str, SandboxBehaviour] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    secrets: SandboxSecrets | None = None,
) -> list[SandboxPlatform]:
    """The three sandboxes, in the order quotes are listed."""
    behaviours = behaviours or {}
    return [
        SandboxPlatform(p, behaviours.get(p, SandboxBehaviour()), clock, secrets or SandboxSecrets())
        for p in ("pandago", "uber_direct", "lalamove")
    ]
