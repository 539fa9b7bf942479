"""/api/v1/inbound-orders and /api/v1/suppliers: announce, confirm, receive, put away."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_wms.inbound import repository, service
from smartdist_wms.inbound.schemas import (
    InboundOrderIn,
    InboundOrderOut,
    InboundStatus,
    InspectionIn,
    PutawayIn,
    PutawaySuggestionOut,
    ReceiptIn,
    SupplierIn,
    SupplierOut,
)
from smartdist_wms.products.schemas import NO_NUL
from smartdist_wms.staff.roles import Floor, Reader, Writer

router = APIRouter(tags=["inbound"])


@router.post(
    "/inbound-orders",
    status_code=status.HTTP_201_CREATED,
    response_model=InboundOrderOut,
    responses=problem_responses(422),
)
def post_inbound(body: InboundOrderIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Announce a delivery (ASN); an unknown SKU is 422 naming its line."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, service.order_out(service.create_inbound(session, body)))


@router.get("/inbound-orders", response_model=Page[InboundOrderOut])
def list_inbound(
    session: DbSession,
    principal: Reader,
    status: InboundStatus | None = None,
    ref: Annotated[str | None, Query(min_length=1, max_length=60, pattern=NO_NUL)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[InboundOrderOut]:
    """Inbound orders, newest first, optionally of one status."""
    return repository.page(session, status=status, ref=ref, limit=limit, cursor=cursor, serialize=service.order_out)


@router.get("/inbound-orders/{order_id}", response_model=InboundOrderOut, responses=problem_responses(404))
def get_inbound(order_id: IntId, session: DbSession, principal: Reader) -> InboundOrderOut:
    """One inbound order with its status and lines (received, damaged, put away per lot)."""
    return service.order_out(service.get_order(session, order_id))


@router.post(
    "/inbound-orders/{order_id}/confirm", response_model=InboundOrderOut, responses=problem_responses(404, 409)
)
def post_confirm(order_id: IntId, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Confirm a draft inbound order."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(200, service.order_out(service.confirm(session, order_id)))


@router.post("/inbound-orders/{order_id}/cancel", response_model=InboundOrderOut, responses=problem_responses(404, 409))
def post_cancel(order_id: IntId, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Cancel an inbound order nothing of which has been received."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(200, service.order_out(service.cancel(session, order_id)))


@router.post(
    "/inbound-orders/{order_id}/receipts",
    status_code=status.HTTP_201_CREATED,
    response_model=InboundOrderOut,
    responses=problem_responses(404, 409, 422),
)
def post_receipt(order_id: IntId, body: ReceiptIn, session: DbSession, principal: Floor, idem: IdempotencyDep) -> Any:
    """Record what was counted (qty in all, damaged the part not sound, lot and expiry)."""
    if idem.replay is not None:
        return idem.replay
    order = service.receive(session, order_id, body, by=principal.subject)
    return idem.save(201, service.order_out(order))


@router.post(
    "/inbound-orders/{order_id}/inspections",
    status_code=status.HTTP_201_CREATED,
    response_model=InboundOrderOut,
    responses=problem_responses(404, 409, 422),
)
def post_inspection(
    order_id: IntId, body: InspectionIn, session: DbSession, principal: Floor, idem: IdempotencyDep
) -> Any:
    """3-step receiving: QC accepts (to put away) or rejects (kept apart as damaged) received units."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, service.order_out(service.inspect(session, order_id, body)))


@router.get(
    "/inbound-orders/{order_id}/putaway-suggestions",
    response_model=list[PutawaySuggestionOut],
    responses=problem_responses(404),
)
def get_putaway_suggestions(order_id: IntId, session: DbSession, principal: Reader) -> list[PutawaySuggestionOut]:
    """Where each lot waiting at the dock should go (fixed, same product, zone by category, nearest empty)."""
    return service.putaway_suggestions(session, service.get_order(session, order_id))


@router.post(
    "/inbound-orders/{order_id}/putaways",
    status_code=status.HTTP_201_CREATED,
    response_model=InboundOrderOut,
    responses=problem_responses(404, 409, 422),
)
def post_putaway(order_id: IntId, body: PutawayIn, session: DbSession, principal: Floor, idem: IdempotencyDep) -> Any:
    """Put received goods into a location (then they are on hand there)."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, service.order_out(service.put_away(session, order_id, body, by=principal.subject)))


@router.post(
    "/suppliers", status_code=status.HTTP_201_CREATED, response_model=SupplierOut, responses=problem_responses(409)
)
def post_supplier(body: SupplierIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Create a supplier with its over / short receipt rules."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, SupplierOut.model_validate(service.create_supplier(session, body)))


@router.get("/suppliers", response_model=Page[SupplierOut])
def list_suppliers(
    session: DbSession, principal: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[SupplierOut]:
    """The tenant's suppliers."""
    return repository.suppliers(session, limit=limit, cursor=cursor)
