"""/api/v1/outbound-orders: create, allocate, pick by scan, pack, ship, cancel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_wms.outbound import repository, service
from smartdist_wms.outbound.schemas import (
    AllocateOut,
    OutboundOrderIn,
    OutboundOrderOut,
    OutboundStatus,
    PackIn,
    PickIn,
    PickListOut,
    PickOut,
    ShipIn,
    ShortPickIn,
)
from smartdist_wms.products.schemas import NO_NUL
from smartdist_wms.staff.roles import Floor, Reader, Writer

router = APIRouter(tags=["outbound"])


@router.post(
    "/outbound-orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OutboundOrderOut,
    responses=problem_responses(422),
)
def post_outbound(body: OutboundOrderIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Create a shipping order (Idempotency-Key honoured; an unknown SKU is 422 naming it)."""
    if idem.replay is not None:
        return idem.replay
    order = service.create_outbound(session, body)
    return idem.save(201, service.order_out(session, order))


@router.get("/outbound-orders", response_model=Page[OutboundOrderOut])
def list_outbound(
    session: DbSession,
    principal: Reader,
    status: OutboundStatus | None = None,
    ref: Annotated[str | None, Query(min_length=1, max_length=60, pattern=NO_NUL)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OutboundOrderOut]:
    """Shipping orders, newest first, optionally of one status."""
    return repository.page(
        session,
        status=status,
        ref=ref,
        limit=limit,
        cursor=cursor,
        serialize=lambda order: service.order_out(session, order),
    )


@router.get("/outbound-orders/{order_id}", response_model=OutboundOrderOut, responses=problem_responses(404))
def get_outbound(order_id: IntId, session: DbSession, principal: Reader) -> OutboundOrderOut:
    """One shipping order with its status, lines and allocations."""
    return service.order_out(session, service.get_order(session, order_id))


@router.get("/outbound-orders/{order_id}/pick-list", response_model=PickListOut, responses=problem_responses(404))
def get_pick_list(order_id: IntId, session: DbSession, principal: Reader) -> PickListOut:
    """What to pick where, in walking order."""
    return service.pick_list(session, service.get_order(session, order_id))


@router.post("/outbound-orders/{order_id}/allocate", response_model=AllocateOut, responses=problem_responses(404, 409))
def post_allocate(order_id: IntId, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Allocate stock FEFO (earliest expiry first) / FIFO; when any line cannot be covered, 409 and nothing."""
    if idem.replay is not None:
        return idem.replay
    order, allocations = service.allocate(session, order_id, by=principal.subject)
    return idem.save(
        200,
        AllocateOut(status=order.status, allocations=[service.allocation_out(a) for a in allocations]),
    )


@router.post(
    "/outbound-orders/{order_id}/picks",
    status_code=status.HTTP_201_CREATED,
    response_model=PickOut,
    responses=problem_responses(404, 409, 422),
)
def post_pick(order_id: IntId, body: PickIn, session: DbSession, principal: Floor, idem: IdempotencyDep) -> Any:
    """Confirm one pick (scan the location, then the item); beyond what is allocated there is 409."""
    if idem.replay is not None:
        return idem.replay
    done = service.pick(session, order_id, location_code=body.location, sku=body.sku, qty=body.qty, lot=body.lot)
    out = PickOut(
        status=done.status,
        sku=done.sku,
        location=done.location,
        qty=body.qty,
        line_picked=done.line_picked,
        line_qty=done.line_qty,
    )
    return idem.save(201, out)


@router.post(
    "/outbound-orders/{order_id}/short-picks",
    status_code=status.HTTP_201_CREATED,
    response_model=OutboundOrderOut,
    responses=problem_responses(404, 409, 422),
)
def post_short_pick(
    order_id: IntId, body: ShortPickIn, session: DbSession, principal: Floor, idem: IdempotencyDep
) -> Any:
    """Report units missing at a location: released, taken off its stock, the location marked for counting."""
    if idem.replay is not None:
        return idem.replay
    order = service.short_pick(
        session,
        order_id,
        location_code=body.location,
        sku=body.sku,
        missing=body.missing,
        lot=body.lot,
        by=principal.subject,
    )
    return idem.save(201, service.order_out(session, order))


@router.post(
    "/outbound-orders/{order_id}/packs",
    status_code=status.HTTP_201_CREATED,
    response_model=OutboundOrderOut,
    responses=problem_responses(404, 409, 422),
)
def post_pack(order_id: IntId, body: PackIn, session: DbSession, principal: Floor, idem: IdempotencyDep) -> Any:
    """Packing check: scan every item into the parcel."""
    if idem.replay is not None:
        return idem.replay
    order = service.pack(session, order_id, sku=body.sku, qty=body.qty)
    return idem.save(201, service.order_out(session, order))


@router.post("/outbound-orders/{order_id}/ship", response_model=OutboundOrderOut, responses=problem_responses(404, 409))
def post_ship(
    order_id: IntId,
    session: DbSession,
    principal: Writer,
    idem: IdempotencyDep,
    request: Request,
    body: ShipIn | None = None,
) -> Any:
    """Ship with carrier and tracking number, or with an empty body when the order has a home
    delivery (its courier is booked through the delivery broker); an order not fully picked is 409."""
    if idem.replay is not None:
        return idem.replay
    body = body or ShipIn()
    order = service.ship(
        session,
        order_id,
        carrier=body.carrier,
        tracking_no=body.tracking_no,
        by=principal.subject,
        broker_hint=broker_next_door(request),
    )
    return idem.save(200, service.order_out(session, order))


def broker_next_door(request: Request) -> str | None:
    """In the one-process demo every service is mounted under its name on one origin."""
    root = str(request.scope.get("root_path", ""))
    if not root.endswith("/wms"):
        return None
    return str(request.base_url).rstrip("/").removesuffix("/wms") + "/delivery-broker"


@router.post(
    "/outbound-orders/{order_id}/cancel", response_model=OutboundOrderOut, responses=problem_responses(404, 409)
)
def post_cancel(order_id: IntId, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Cancel an order not yet shipped and release its stock."""
    if idem.replay is not None:
        return idem.replay
    order = service.cancel(session, order_id, by=principal.subject)
    return idem.save(200, service.order_out(session, order))
