"""/api/v1/stock: stock by location and lot, adjustments, moves, the ledger and its check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_wms.products.schemas import NO_NUL
from smartdist_wms.staff.roles import Reader, Writer
from smartdist_wms.stock import repository
from smartdist_wms.stock.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    LedgerCheckOut,
    MoveIn,
    MovementOut,
    MoveOut,
    StockOut,
)
from smartdist_wms.stock.service import adjust_stock, move_stock, place_filters, verify_ledger

SkuQuery = Annotated[str | None, Query(min_length=1, max_length=60, pattern=NO_NUL, description="Only this product.")]
LocationQuery = Annotated[
    str | None, Query(min_length=1, max_length=40, pattern=NO_NUL, description="Only this location.")
]
router = APIRouter(tags=["stock"])


@router.get("/stock", response_model=Page[StockOut], responses=problem_responses(422))
def list_stock(
    session: DbSession,
    principal: Reader,
    sku: SkuQuery = None,
    location: LocationQuery = None,
    in_stock: Annotated[bool, Query(description="Hide rows with nothing on hand.")] = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[StockOut]:
    """On-hand, allocated and available units per product, location, lot and expiry."""
    product_id, location_id = place_filters(session, sku, location)
    return repository.stock_page(
        session, product_id=product_id, location_id=location_id, in_stock=in_stock, limit=limit, cursor=cursor
    )


@router.post(
    "/stock/adjustments",
    status_code=status.HTTP_201_CREATED,
    response_model=AdjustmentOut,
    responses=problem_responses(409, 422),
)
def post_adjustment(body: AdjustmentIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Add or remove units with a reason; below allocated or below 0 is 409 and nothing changes."""
    if idem.replay is not None:
        return idem.replay
    result = adjust_stock(
        session,
        sku=body.sku,
        location_code=body.location,
        qty=body.qty,
        reason=body.reason,
        lot=body.lot,
        expiry=body.expiry,
        by=principal.subject,
    )
    out = repository.stock_out(result.item)
    return idem.save(
        201, AdjustmentOut(**out.model_dump(), id=result.movement_id, qty=result.qty, reason=result.reason)
    )


@router.post(
    "/stock/moves", status_code=status.HTTP_201_CREATED, response_model=MoveOut, responses=problem_responses(409, 422)
)
def post_move(body: MoveIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Move free units from one location to another."""
    if idem.replay is not None:
        return idem.replay
    result = move_stock(
        session,
        sku=body.sku,
        source_code=body.from_location,
        target_code=body.to_location,
        qty=body.qty,
        lot=body.lot,
        by=principal.subject,
    )
    return idem.save(
        201,
        MoveOut(source=repository.stock_out(result.source), target=repository.stock_out(result.target), qty=result.qty),
    )


@router.get("/stock/movements", response_model=Page[MovementOut], responses=problem_responses(422))
def list_movements(
    session: DbSession,
    principal: Reader,
    sku: SkuQuery = None,
    location: LocationQuery = None,
    moves_only: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MovementOut]:
    """The movement ledger, newest first: a location's or a product's history (``moves_only``:
    only units in or out, no allocations)."""
    product_id, location_id = place_filters(session, sku, location)
    return repository.movements_page(
        session, product_id=product_id, location_id=location_id, limit=limit, cursor=cursor, moves_only=moves_only
    )


@router.get("/stock/ledger-check", response_model=LedgerCheckOut)
def ledger_check(session: DbSession, principal: Reader) -> LedgerCheckOut:
    """Rebuild stock from the ledger and the orders' allocations, and say where they differ."""
    check = verify_ledger(session)
    return LedgerCheckOut(
        items=check.items,
        movements=check.movements,
        mismatches=check.mismatches,
        negative=check.negative,
        over_allocated=check.over_allocated,
        allocation_mismatches=check.allocation_mismatches,
        ok=not (check.mismatches or check.negative or check.over_allocated or check.allocation_mismatches),
    )
