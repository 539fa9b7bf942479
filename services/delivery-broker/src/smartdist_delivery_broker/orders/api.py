"""HTTP for delivery orders: book on a quote, read, cancel; platform webhooks; sandbox couriers.

Every handler is a plain `def`: the session is synchronous, and a database call in an `async`
handler would stall the event loop every service of the demo shares. Platform calls (httpx
coroutines) run on the loop from the handler's worker thread (`quotes.service.call_platform`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from smartdist.auth.deps import require_roles
from smartdist.auth.tokens import Principal
from smartdist.idempotency import HEADER as IDEMPOTENCY_HEADER
from smartdist.idempotency import canonical_body
from smartdist.pagination import Cursor
from smartdist.problems import Unprocessable
from smartdist.web.deps import DbSession, SystemDbSession, get_runtime
from smartdist.web.i18n import translator_for
from smartdist_delivery_broker.geocoding.service import PointAsked
from smartdist_delivery_broker.orders import service
from smartdist_delivery_broker.orders.schemas import (
    BookingIn,
    CancelIn,
    CourierAdvanceOut,
    DeliveryDetailOut,
    DeliveryOut,
    DeliveryPage,
    InstantBookingIn,
    InstantDeliveryOut,
    SandboxBehaviourIn,
    SandboxBehaviourOut,
    SandboxPlatformsOut,
    TrackingOut,
    WebhookReceiptOut,
)
from smartdist_delivery_broker.own_fleet.domain import PROVIDER as OWN_FLEET
from smartdist_delivery_broker.own_fleet.service import request_cancel
from smartdist_delivery_broker.quotes.schemas import Point
from smartdist_delivery_broker.quotes.service import QuotingContext, TripAsked, context_for, locate_trip, next_door

router = APIRouter(tags=["deliveries"])
webhook_router = APIRouter(tags=["webhooks"])

Dispatcher = Annotated[Principal, require_roles("dispatcher", "clerk", "integrator")]
Owner = Annotated[Principal, require_roles("owner")]
DeliveryId = Annotated[str, Path(min_length=1, max_length=32)]
Provider = Annotated[str, Path(min_length=1, max_length=40)]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such quote set or delivery for this tenant"},
    409: {"description": "Quote expired or already booked, platform cannot take it, or subsidy cap"},
    502: {"description": "The platform refused the booking"},
    503: {"description": "The platform is unavailable"},
}


def quoting_context(request: Request) -> QuotingContext:
    return context_for(request.app.state, get_runtime(request))


Quoting = Annotated[QuotingContext, Depends(quoting_context)]


def dispatch_next_door(request: Request) -> str | None:
    return next_door(str(request.scope.get("root_path", "")), str(request.base_url))


def _details(body: BookingIn | InstantBookingIn) -> service.OrderDetails:
    pc, dc = body.pickup_contact, body.dropoff_contact
    return service.OrderDetails(
        pickup_contact=service.Contact(pc.name, pc.phone, pc.notes),
        dropoff_contact=service.Contact(dc.name, dc.phone, dc.notes),
        reference=body.reference,
        goods_value=body.goods_value,
        description=body.description,
        use_subsidy=body.use_subsidy,
    )


def _asked(point: Point) -> PointAsked:
    return PointAsked(point.lat, point.lng, (point.address or "").strip())


def _deliver_due(request: Request, context: QuotingContext) -> None:
    """Sandbox mode: hand the simulated couriers' due webhooks on before a read (the background
    pump does the same every few seconds)."""
    service.deliver_due_sandbox_webhooks(context, get_runtime(request).database)


async def _fingerprint(request: Request) -> bytes:
    return canonical_body(await request.body())


Fingerprint = Annotated[bytes, Depends(_fingerprint)]


def _idempotency(request: Request, fingerprint: bytes) -> service.IdempotencyAsk:
    return service.IdempotencyAsk(
        request.headers.get(IDEMPOTENCY_HEADER), f"{request.method} {request.url.path}", fingerprint
    )


def _answer(answer: service.BookingAnswer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


def _renderer(model: type[DeliveryOut], request: Request) -> service.Render:
    """The booked delivery's JSON body, its texts in the request's language."""
    context = {"t": translator_for(request)}

    def render(view: service.DeliveryView) -> Any:
        return model.model_validate(view, context=context).model_dump(mode="json")

    return render


def _in_language(request: Request) -> dict[str, Any]:
    return {"t": translator_for(request)}


# Bookings take no request-wide session: the service claims the quote in one short transaction,
# asks the platform with none open and records its answer in another (no lock held while a
# platform is slow). The Idempotency-Key is handled there, in those transactions.
@router.post("/deliveries", status_code=201, response_model=DeliveryOut, responses=PROBLEMS)
def book_delivery(
    body: BookingIn, principal: Dispatcher, request: Request, fingerprint: Fingerprint, context: Quoting
) -> Any:
    """Book a delivery on one platform of a quote set (default: the recommended one); a quote set is booked once."""
    answer = service.book_delivery(
        get_runtime(request).database, context, str(principal.tenant_id), _idempotency(request, fingerprint),
        body.quote_set_id, _details(body), _renderer(DeliveryOut, request), body.provider,
    )  # fmt: skip
    return _answer(answer)


@router.post("/deliveries/instant", status_code=201, response_model=InstantDeliveryOut, responses=PROBLEMS)
def book_instant_delivery(
    body: InstantBookingIn, principal: Dispatcher, request: Request, fingerprint: Fingerprint, context: Quoting
) -> Any:
    """Order intake in one call (e-shops, POS): quote every platform, book the recommended one.

    A pickup or dropoff given by its `address` alone is geocoded first, as in `POST /quotes`
    (`422` `geocoding.not_found` / `geocoding.not_configured` naming the point, `503`
    `geocoding.unavailable` with `Retry-After`)."""
    tenant = str(principal.tenant_id)
    pickup, dropoff = locate_trip(
        context, get_runtime(request).database, tenant, _asked(body.pickup), _asked(body.dropoff),
        translator_for(request).lang,
    )  # fmt: skip
    asked = TripAsked(
        pickup=pickup.place,
        dropoff=dropoff.place,
        cod_amount=body.cod_amount,
        scheduled_at=body.scheduled_at,
        selection=body.selection,
        preferred_providers=tuple(body.preferred_providers),
    )
    answer = service.book_instant(
        get_runtime(request).database, context, tenant, _idempotency(request, fingerprint),
        asked, _details(body), _renderer(InstantDeliveryOut, request), dispatch_next_door(request),
    )  # fmt: skip
    return _answer(answer)


@router.post(
    "/deliveries/{delivery_id}/rebook",
    status_code=201,
    response_model=InstantDeliveryOut,
    responses={
        200: {"model": InstantDeliveryOut, "description": "Booked again before: that delivery"},
        **PROBLEMS,
    },
)
def rebook_delivery(
    delivery_id: DeliveryId, principal: Dispatcher, request: Request, fingerprint: Fingerprint, context: Quoting
) -> Any:
    """Own fleet refused by dispatch: book the same trip, contacts and order number on the
    recommended platform, once (asking again answers the delivery booked the first time)."""
    answer = service.rebook_on_platform(
        get_runtime(request).database, context, str(principal.tenant_id), _idempotency(request, fingerprint),
        delivery_id, _renderer(InstantDeliveryOut, request), dispatch_next_door(request),
    )  # fmt: skip
    return _answer(answer)


@router.get("/deliveries", response_model=DeliveryPage)
def list_deliveries(
    session: DbSession,
    principal: Dispatcher,
    request: Request,
    context: Quoting,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Cursor = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    provider: Annotated[str | None, Query(max_length=40)] = None,
    created_from: Annotated[datetime | None, Query(alias="from", description="created at or after (RFC 3339)")] = None,
    created_to: Annotated[datetime | None, Query(alias="to", description="created before (RFC 3339)")] = None,
) -> Any:
    """The merchant's deliveries, newest first (ids sort by creation): the live board and the history.

    Filters: status, provider, and the creation time `from` (inclusive) .. `to` (exclusive)."""
    for bound, name in ((created_from, "from"), (created_to, "to")):
        if bound is not None and bound.tzinfo is None:
            raise Unprocessable(
                f"`{name}` needs a UTC offset, e.g. 2026-11-26T00:00:00+08:00.",
                code="broker.board.offset",
                params={"name": name},
                errors=[{"loc": ["query", name], "message": "timestamp without offset", "code": "broker.offset"}],
            )
    _deliver_due(request, context)
    page = service.list_deliveries(
        session, limit=limit, cursor=cursor, status=status, provider=provider,
        created_from=created_from, created_to=created_to,
    )  # fmt: skip
    language = _in_language(request)
    items = [DeliveryOut.model_validate(v, context=language) for v in page.items]
    return DeliveryPage(items=items, next_cursor=page.next_cursor)


@router.get(
    "/deliveries/{delivery_id}", response_model=DeliveryDetailOut, responses={404: {"description": "No such delivery"}}
)
def get_delivery(
    delivery_id: DeliveryId, session: DbSession, principal: Dispatcher, request: Request, context: Quoting
) -> Any:
    """One delivery with its normalised history and every raw platform status received."""
    _deliver_due(request, context)
    return DeliveryDetailOut.model_validate(
        service.delivery_detail(session, delivery_id), context=_in_language(request)
    )


@router.post(
    "/deliveries/{delivery_id}/cancel",
    response_model=DeliveryDetailOut,
    responses={
        202: {
            "model": DeliveryDetailOut,
            "description": "Own fleet: the cancellation is asked of dispatch; the answer comes later",
        },
        404: {"description": "No such delivery"},
        409: {"description": "Past the cancellation window, or the delivery has ended"},
        502: {"description": "The platform refused"},
        503: {"description": "The platform is unavailable"},
    },
)
def cancel_delivery(
    delivery_id: DeliveryId,
    session: DbSession,
    principal: Dispatcher,
    context: Quoting,
    request: Request,
    body: CancelIn | None = None,
) -> Any:
    """Cancel within the platform's own cancellation window (200 with the cancelled delivery).

    Own fleet: 202 — dispatch is asked over the bus (`delivery.cancel_requested`); the delivery
    becomes `cancelled` when dispatch cancels the order, or keeps its status with
    `cancel_request.refusal` when a driver has already reached the stop. Asking again while a
    request is open sends nothing new."""
    order = service.get_delivery(session, delivery_id)
    reason = (body or CancelIn()).reason
    if order.provider == OWN_FLEET:
        request_cancel(session, order, reason, datetime.now(UTC))
        asked = service.view_of(session, order, with_events=True)
        view = DeliveryDetailOut.model_validate(asked, context=_in_language(request))
        return JSONResponse(view.model_dump(mode="json"), status_code=202)
    cancelled = service.cancel_on_platform(session, context, order, reason)
    return DeliveryDetailOut.model_validate(cancelled, context=_in_language(request))


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@webhook_router.post(
    "/webhooks/{provider}",
    response_model=WebhookReceiptOut,
    responses={
        401: {"description": "The signature does not verify"},
        404: {"description": "Unknown platform or delivery (retry)"},
    },
)
def receive_webhook(
    provider: Provider, request: Request, body: Annotated[bytes, Depends(_raw_body)], context: Quoting
) -> Any:
    """Status webhooks from a platform; the signature is checked, each status applied once.

    404 for a delivery not (yet) known: a non-2xx answer makes the platform retry, and the
    booking may not be committed yet."""
    received, outcomes = service.receive_webhook(
        context, get_runtime(request).database, provider, dict(request.headers), body
    )
    return WebhookReceiptOut(received=received, outcomes=outcomes)


@router.post(
    "/sandbox/couriers/advance", response_model=CourierAdvanceOut, responses={409: {"description": "Live mode"}}
)
def advance_sandbox_couriers(principal: Owner, request: Request, context: Quoting) -> Any:
    """Sandbox mode: deliver every simulated courier webhook that is due now."""
    return CourierAdvanceOut(outcomes=service.advance_sandbox_couriers(context, get_runtime(request).database))


@router.get("/sandbox/platforms", response_model=SandboxPlatformsOut)
def list_sandbox_platforms(principal: Owner, context: Quoting) -> Any:
    """How each simulated platform behaves for this tenant (sandbox mode)."""
    settings = service.sandbox_settings(context, str(principal.tenant_id))
    return SandboxPlatformsOut(items=[SandboxBehaviourOut.model_validate(s) for s in settings])


@router.put(
    "/sandbox/platforms/{provider}",
    response_model=SandboxBehaviourOut,
    responses={404: {"description": "No such sandbox platform"}},
)
def set_sandbox_platform(provider: Provider, body: SandboxBehaviourIn, principal: Owner, context: Quoting) -> Any:
    """Make a simulated platform slow, hang, fail, rate-limit, or change its couriers — for this tenant only."""
    changed = service.set_sandbox_behaviour(
        context, str(principal.tenant_id), provider, body.model_dump(exclude_unset=True)
    )
    return SandboxBehaviourOut.model_validate(changed)


@webhook_router.get(
    "/track/{delivery_id}", response_model=TrackingOut, responses={404: {"description": "No such delivery"}}
)
def track_delivery(delivery_id: DeliveryId, session: SystemDbSession, request: Request, context: Quoting) -> Any:
    """Public tracking for the consumer: status and milestones only, no names, phones, fees or
    platform references.

    The delivery id carries 80 random bits, so the link itself is the credential (like the
    platforms' own tracking links).
    """
    _deliver_due(request, context)
    return TrackingOut.model_validate(service.tracking(session, delivery_id))
