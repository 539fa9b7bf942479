"""HTTP for delivery orders: book on a quote, read, cancel; platform webhooks; sandbox couriers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from smartdist.auth.deps import require_roles
from smartdist.auth.tokens import Principal
from smartdist.pagination import paginate
from smartdist.problems import Conflict, NotFound, Problem, Unauthorized, Unprocessable
from smartdist.web.deps import DbSession, IdempotencyDep, SystemDbSession, get_runtime
from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    CancellationRefused,
    Place,
    PlatformError,
    PlatformUnavailable,
    WebhookSignatureInvalid,
)
from smartdist_delivery_broker.adapters.sandbox import CourierScenario, SandboxPlatform
from smartdist_delivery_broker.orders.domain import cancellation_refusal
from smartdist_delivery_broker.orders.models import DeliveryOrder
from smartdist_delivery_broker.orders.pump import deliver_due_sandbox_webhooks as pump_sandbox_webhooks
from smartdist_delivery_broker.orders.schemas import BookingIn, CancelIn, InstantBookingIn
from smartdist_delivery_broker.orders.service import (
    UnknownDelivery,
    delivery_state,
    ingest_status_updates,
    new_order,
    order_view,
    place_with_platform,
    record_status_update,
    spend_subsidy_for,
    update_from_platform_answer,
)
from smartdist_delivery_broker.own_fleet.cancel import request_cancel
from smartdist_delivery_broker.own_fleet.domain import PROVIDER as OWN_FLEET
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms
from smartdist_delivery_broker.own_fleet.service import own_fleet_terms
from smartdist_delivery_broker.quotes.api import QuotingContext, quote_set_body, quote_trip, quoting_context
from smartdist_delivery_broker.quotes.domain import QuoteExpiredError, QuoteNotBookable, QuoteSet, bookable_quote
from smartdist_delivery_broker.quotes.store import load_quote_set
from smartdist_delivery_broker.subsidy.domain import SubsidyCapExceeded

router = APIRouter(tags=["deliveries"])
webhook_router = APIRouter(tags=["webhooks"])

Dispatcher = Annotated[Principal, require_roles("dispatcher", "clerk", "integrator")]


class QuoteExpired(Problem):
    status = 409
    title = "Quote has expired"


class PlatformCannotTakeJob(Problem):
    status = 409
    title = "Platform cannot take this delivery"


class SubsidyWouldBeOverspent(Problem):
    status = 409
    title = "Booking would pass the subsidy cap"


class PlatformRefused(Problem):
    status = 502
    title = "Delivery platform refused the request"


class PlatformDown(Problem):
    status = 503
    title = "Delivery platform unavailable"


class CancellationNotAllowed(Problem):
    status = 409
    title = "Delivery can no longer be cancelled"


class WebhookRejected(Unauthorized):
    title = "Webhook signature does not verify"


def _platform_problem(exc: PlatformError) -> Problem:
    if isinstance(exc, PlatformUnavailable):
        return PlatformDown(f"{exc.provider}: {exc.reason}", provider=exc.provider)
    return PlatformRefused(f"{exc.provider}: {exc.reason}", provider=exc.provider, platform_code=exc.code)


def _order(session: Any, delivery_id: str) -> DeliveryOrder:
    order: DeliveryOrder | None = session.scalar(select(DeliveryOrder).where(DeliveryOrder.id == delivery_id))
    if order is None:
        raise NotFound(f"No delivery {delivery_id}.")
    return order


def deliver_due_sandbox_webhooks(request: Request) -> dict[str, int]:
    """Sandbox mode: hand the simulated couriers' due webhooks to the webhook pipeline now
    (the background pump does the same every few seconds)."""
    return pump_sandbox_webhooks(quoting_context(request), get_runtime(request).database)


async def _book_on_quote(
    session: Any, context: QuotingContext, tenant_id: str, quote_set: QuoteSet, provider: str | None, body: Any
) -> DeliveryOrder:
    """Book `provider` (default: recommended) of `quote_set`; raises the Problems callers see."""
    if quote_set.trip is None:
        raise NotFound("That quote set cannot be booked; ask POST /quotes again.")
    provider = provider or quote_set.recommended
    if provider is None:
        raise PlatformCannotTakeJob(
            "No platform can take this delivery.", reasons={q.provider: q.reason for q in quote_set.quotes}
        )
    now = datetime.now(UTC)
    try:
        quote = bookable_quote(quote_set, provider, now)
    except QuoteExpiredError as exc:
        raise QuoteExpired(str(exc)) from exc
    except QuoteNotBookable as exc:
        raise PlatformCannotTakeJob(str(exc)) from exc
    own_fleet = own_fleet_terms(session) if provider == OWN_FLEET else None
    if provider == OWN_FLEET and (own_fleet is None or not own_fleet.enabled):
        raise PlatformCannotTakeJob("The own fleet is no longer offered (PUT /own-fleet enables it).")
    platform = context.platform_for(provider, own_fleet)
    if platform is None:
        raise PlatformCannotTakeJob(f"{provider} is not a platform of this service.")

    trip = quote_set.trip
    pc, dc = body.pickup_contact, body.dropoff_contact
    pickup = Place(trip.pickup.lat, trip.pickup.lng, trip.pickup.address, pc.name, pc.phone, pc.notes)
    dropoff = Place(trip.dropoff.lat, trip.dropoff.lng, trip.dropoff.address, dc.name, dc.phone, dc.notes)
    order = new_order(
        tenant_id, quote_set, quote, reference=body.reference, goods_value=body.goods_value,
        pickup=pickup, dropoff=dropoff, now=now,
    )  # fmt: skip
    session.add(order)
    session.flush()
    # The programme subsidises platform fees; the merchant's own drivers are its own cost.
    if body.use_subsidy and provider != OWN_FLEET:
        try:
            spend_subsidy_for(session, order)
        except SubsidyCapExceeded as exc:
            raise SubsidyWouldBeOverspent(
                str(exc) + "; book with use_subsidy=false to pay the fee yourself.",
                needed=exc.amount,
                remaining=exc.remaining,
                cap=exc.cap,
            ) from exc
    booking = BookingRequest(
        trip=replace(trip, pickup=pickup, dropoff=dropoff, goods_value=body.goods_value, reference=order.id),
        reference=order.id,
        platform_quote_ref=quote.platform_quote_ref,
        platform_stop_refs=quote.platform_stop_refs,
        description=body.description,
        delivery_no=order.no,
    )
    try:
        await place_with_platform(session, order, platform, booking)
    except PlatformError as exc:
        # Raising rolls the request back: no order and no subsidy spent.
        raise _platform_problem(exc) from exc
    return order


@router.post("/deliveries", status_code=201)
async def book_delivery(
    body: BookingIn, session: DbSession, principal: Dispatcher, idem: IdempotencyDep, request: Request
) -> Any:
    """Book a delivery on one platform of a quote set (default: the recommended one)."""
    if idem.replay is not None:
        return idem.replay
    context: QuotingContext = quoting_context(request)
    tenant_id = str(principal.tenant_id)
    quote_set = load_quote_set(session, body.quote_set_id)
    if quote_set is None:
        raise NotFound(f"No quote set {body.quote_set_id}; ask POST /quotes again.")
    order = await _book_on_quote(session, context, tenant_id, quote_set, body.provider, body)
    return idem.save(201, order_view(session, order))


@router.post("/deliveries/instant", status_code=201)
async def book_instant_delivery(
    body: InstantBookingIn, session: DbSession, principal: Dispatcher, idem: IdempotencyDep, request: Request
) -> Any:
    """Order intake in one call (e-shops, POS): quote every platform, book the recommended one."""
    if idem.replay is not None:
        return idem.replay
    context: QuotingContext = quoting_context(request)
    tenant_id = str(principal.tenant_id)
    quote_set = await quote_trip(context, body, tenant_id, get_runtime(request).database, session)
    order = await _book_on_quote(session, context, tenant_id, quote_set, None, body)
    view = order_view(session, order)
    view["quotes"] = quote_set_body(quote_set)["quotes"]
    return idem.save(201, view)


@router.get("/deliveries")
def list_deliveries(
    session: DbSession,
    principal: Dispatcher,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
    status: str | None = None,
    provider: str | None = None,
    created_from: Annotated[datetime | None, Query(alias="from", description="created at or after (RFC 3339)")] = None,
    created_to: Annotated[datetime | None, Query(alias="to", description="created before (RFC 3339)")] = None,
) -> Any:
    """The merchant's deliveries, newest first (ids sort by creation): the live board and the history.

    Filters: status, provider, and the creation time `from` (inclusive) .. `to` (exclusive)."""
    deliver_due_sandbox_webhooks(request)
    stmt = select(DeliveryOrder)
    if status:
        stmt = stmt.where(DeliveryOrder.status == status)
    if provider:
        stmt = stmt.where(DeliveryOrder.provider == provider)
    for bound, name in ((created_from, "from"), (created_to, "to")):
        if bound is not None and bound.tzinfo is None:
            raise Unprocessable(
                f"`{name}` needs a UTC offset, e.g. 2026-11-26T00:00:00+08:00.",
                errors=[{"loc": ["query", name], "message": "timestamp without offset"}],
            )
    if created_from is not None:
        stmt = stmt.where(DeliveryOrder.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(DeliveryOrder.created_at < created_to)
    return paginate(
        session,
        stmt,
        DeliveryOrder.id,
        limit=limit,
        cursor=cursor,
        descending=True,
        serialize=lambda o: order_view(session, o),
    )


@router.get("/deliveries/{delivery_id}")
def get_delivery(delivery_id: str, session: DbSession, principal: Dispatcher, request: Request) -> Any:
    """One delivery with its normalised history and every raw platform status received."""
    deliver_due_sandbox_webhooks(request)
    session.expire_all()
    return order_view(session, _order(session, delivery_id), with_events=True)


@router.post(
    "/deliveries/{delivery_id}/cancel",
    responses={202: {"description": "Own fleet: the cancellation is asked of dispatch; the answer comes later"}},
)
async def cancel_delivery(
    delivery_id: str, session: DbSession, principal: Dispatcher, request: Request, body: CancelIn | None = None
) -> Any:
    """Cancel within the platform's own cancellation window (200 with the cancelled delivery).

    Own fleet: 202 — dispatch is asked over the bus (`delivery.cancel_requested`); the delivery
    becomes `cancelled` when dispatch cancels the order, or keeps its status with
    `cancel_request.refusal` when a driver has already reached the stop. Asking again while a
    request is open sends nothing new."""
    order = _order(session, delivery_id)
    if order.provider == OWN_FLEET:
        refusal = cancellation_refusal(delivery_state(session, order), None)
        if refusal is not None:
            raise CancellationNotAllowed(refusal)
        request_cancel(session, order, (body or CancelIn()).reason, datetime.now(UTC))
        return JSONResponse(order_view(session, order, with_events=True), status_code=202)
    context = quoting_context(request)
    # The own fleet's refusal does not depend on its terms; any terms build it.
    platform = context.platform_for(order.provider, OwnFleetTerms(enabled=False, fee_twd=0))
    if platform is None or order.platform_ref is None:
        raise CancellationNotAllowed(f"{order.provider} is not reachable from this service.")
    now = datetime.now(UTC)
    refusal = cancellation_refusal(
        delivery_state(session, order),
        platform.cancellation_refusal(order.raw_status or "", order.courier_accepted_at, now),
    )
    if refusal is not None:
        raise CancellationNotAllowed(refusal)
    try:
        delivery = await platform.cancel(order.platform_ref, (body or CancelIn()).reason)
    except CancellationRefused as exc:
        raise CancellationNotAllowed(exc.reason) from exc
    except PlatformError as exc:
        raise _platform_problem(exc) from exc
    record_status_update(session, order, update_from_platform_answer(order, delivery, f"cancel:{order.id}"))
    return order_view(session, order, with_events=True)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@webhook_router.post("/webhooks/{provider}")
def receive_webhook(provider: str, request: Request, body: Annotated[bytes, Depends(_raw_body)]) -> JSONResponse:
    """Status webhooks from a platform; the signature is checked, each status applied once."""
    platform = quoting_context(request).registry.by_provider(provider)
    if platform is None:
        raise NotFound(f"No platform {provider}.")
    try:
        updates = platform.parse_webhook(dict(request.headers), body)
    except WebhookSignatureInvalid as exc:
        raise WebhookRejected(str(exc)) from exc
    try:
        counts = ingest_status_updates(get_runtime(request).database, updates)
    except UnknownDelivery as exc:
        # Answering non-2xx makes the platform retry: the booking may not be committed yet.
        raise NotFound(str(exc)) from exc
    return JSONResponse({"received": len(updates), "outcomes": counts})


@router.post("/sandbox/couriers/advance")
def advance_sandbox_couriers(principal: Annotated[Principal, require_roles("owner")], request: Request) -> Any:
    """Sandbox mode: deliver every simulated courier webhook that is due now."""
    if not quoting_context(request).registry.sandboxes():
        raise Conflict("The service talks to live platforms; there are no sandbox couriers.")
    return {"outcomes": deliver_due_sandbox_webhooks(request)}


class SandboxBehaviourIn(BaseModel):
    """What a sandbox platform should do from now on; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    quote_latency_s: float | None = Field(None, ge=0, le=60)
    hang_quotes: bool | None = Field(None, description="Never answer quotes (the deadline must cut it off).")
    quote_error: str | None = Field(None, max_length=200, description="Answer quotes with this 503; '' clears it.")
    rate_limited: bool | None = None
    scenario: CourierScenario | None = None
    step_s: float | None = Field(None, gt=0, le=3600)
    webhook_delay_s: float | None = Field(None, ge=0, le=3600)
    duplicate_probability: float | None = Field(None, ge=0, lt=1)
    reorder: bool | None = None


def _behaviour_view(platform: SandboxPlatform) -> dict[str, Any]:
    b = platform.behaviour
    return {
        "provider": platform.provider,
        "quote_latency_s": b.quote_latency_s,
        "hang_quotes": b.hang_quotes,
        "quote_error": b.quote_error,
        "rate_limited": b.rate_limited,
        "scenario": b.scenario.value,
        "step_s": b.step_s,
        "webhook_delay_s": b.webhook_delay_s,
        "duplicate_probability": b.duplicate_probability,
        "reorder": b.reorder,
    }


@router.get("/sandbox/platforms")
def list_sandbox_platforms(principal: Annotated[Principal, require_roles("owner")], request: Request) -> Any:
    """How each simulated platform behaves (sandbox mode)."""
    return {"items": [_behaviour_view(p) for p in quoting_context(request).registry.sandboxes()]}


@router.put("/sandbox/platforms/{provider}")
def set_sandbox_platform(
    provider: str, body: SandboxBehaviourIn, principal: Annotated[Principal, require_roles("owner")], request: Request
) -> Any:
    """Make a simulated platform slow, hang, fail, rate-limit, or change its couriers (sandbox mode)."""
    platform = next((p for p in quoting_context(request).registry.sandboxes() if p.provider == provider), None)
    if platform is None:
        raise NotFound(f"No sandbox platform {provider} (the service may talk to live platforms).")
    changes = body.model_dump(exclude_unset=True)
    if changes.get("quote_error") == "":
        changes["quote_error"] = None
    for name, value in changes.items():
        setattr(platform.behaviour, name, value)
    return _behaviour_view(platform)


@webhook_router.get("/track/{delivery_id}")
def track_delivery(delivery_id: str, session: SystemDbSession, request: Request) -> Any:
    """Public tracking for the consumer: status and milestones only, no names, phones or fees.

    The delivery id carries 80 random bits, so the link itself is the credential (like the
    platforms' own tracking links).
    """
    deliver_due_sandbox_webhooks(request)
    order: DeliveryOrder | None = session.scalar(select(DeliveryOrder).where(DeliveryOrder.id == delivery_id))
    if order is None:
        raise NotFound("No such delivery.")
    view = order_view(session, order)
    finished = order.status in ("delivered", "cancelled", "failed", "returned")
    courier = None
    # Where the courier is matters while the goods are on their way, not after.
    if not finished and order.courier_lat is not None and order.courier_lng is not None:
        at = order.courier_at.isoformat() if order.courier_at is not None else None
        courier = {"lat": order.courier_lat, "lng": order.courier_lng, "at": at}
    return {
        "no": order.no,
        "status": order.status,
        "provider": order.provider,
        "platform_tracking_url": order.tracking_url,
        "eta": view["eta_at"],
        "history": [{"status": h["status"], "at": h["at"]} for h in view["history"]],
        "updated_at": view["updated_at"],
        # Coordinates only (the map's markers): no address text, names or phones.
        "pickup": {"lat": order.pickup.get("lat"), "lng": order.pickup.get("lng")},
        "dropoff": {"lat": order.dropoff.get("lat"), "lng": order.dropoff.get("lng")},
        "courier": courier,
    }
