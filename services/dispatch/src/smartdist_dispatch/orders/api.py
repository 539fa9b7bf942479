"""/api/v1/orders: create (one, or a whole CSV/Excel sheet), list, read, change, delete."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, status
from fastapi.responses import Response
from sqlalchemy import select

from smartdist.auth import Principal, require_roles
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.problems import Conflict, NotFound, Unprocessable
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.schemas import OrderIn, OrderOut, OrderPatch, stored_windows
from smartdist_dispatch.orders.service import create_orders, existing_order_nos, order_out
from smartdist_dispatch.orders.sheet import ORDER_COLUMNS, REQUIRED_ORDER_COLUMNS, validate_order_rows
from smartdist_dispatch.orders.spreadsheet import RowError, SheetUnreadable, read_sheet
from smartdist_dispatch.orders.upload import SheetUpload

# Integrators (a merchant's shop system) create and read orders; changing them is the dispatcher's.
OrderWriter = Annotated[Principal, require_roles("dispatcher", "integrator")]
Dispatcher = Annotated[Principal, require_roles("dispatcher")]
OrderStatus = Literal["created", "planned", "out_for_delivery", "delivered", "failed", "cancelled"]

router = APIRouter(tags=["orders"])


@router.post("/orders", status_code=status.HTTP_201_CREATED, response_model=OrderOut)
def create_order(body: OrderIn, session: DbSession, principal: OrderWriter, idem: IdempotencyDep) -> Any:
    """Create one delivery order (Idempotency-Key honoured; a stored order_no is a 409)."""
    if idem.replay is not None:
        return idem.replay
    (order,) = create_orders(session, [body], tenant_id=str(principal.tenant_id))
    return idem.save(201, order_out(order))


@router.post(
    "/orders/import",
    status_code=status.HTTP_201_CREATED,
    description=f"Create every order of a sheet, or none: any bad row is a 422 listing every bad row. "
    f"Header: {','.join(ORDER_COLUMNS)}",
)
def import_orders(sheet: SheetUpload, session: DbSession, principal: OrderWriter, idem: IdempotencyDep) -> Any:
    """Create every order of a sheet, or none: any bad row is a 422 listing every bad row."""
    if idem.replay is not None:
        return idem.replay
    try:
        rows = read_sheet(sheet.filename, sheet.content, required=REQUIRED_ORDER_COLUMNS, known=ORDER_COLUMNS)
    except SheetUnreadable as exc:
        raise Unprocessable(str(exc), errors=[{"loc": ["file"], "message": str(exc)}]) from None
    order_nos = [str(r.cells.get("order_no")) for r in rows if r.cells.get("order_no") is not None]
    orders, errors = validate_order_rows(rows, existing_order_nos(session, order_nos))
    if errors:
        raise_row_errors(errors)
    if not orders:
        raise Unprocessable("the file has no order rows", errors=[{"loc": ["file"], "message": "no rows"}])
    create_orders(session, orders, tenant_id=str(principal.tenant_id))
    return idem.save(201, {"created": len(orders)})


def raise_row_errors(errors: list[RowError]) -> None:
    rows = sorted({e.row for e in errors})
    raise Unprocessable(
        f"{len(rows)} row(s) have errors; nothing was imported", errors=[e.as_problem_error() for e in errors]
    )


@router.get("/orders", response_model=Page[OrderOut])
def list_orders(
    session: DbSession,
    principal: OrderWriter,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: OrderStatus | None = None,
) -> Page[OrderOut]:
    """The tenant's orders, oldest first, optionally of one status."""
    stmt = select(DeliveryOrder)
    if status is not None:
        stmt = stmt.where(DeliveryOrder.status == status)
    return paginate(session, stmt, DeliveryOrder.id, limit=limit, cursor=cursor, serialize=order_out)


def _order(session: DbSession, order_id: int) -> DeliveryOrder:
    order = session.get(DeliveryOrder, order_id)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: IntId, session: DbSession, principal: OrderWriter) -> OrderOut:
    return order_out(_order(session, order_id))


@router.patch("/orders/{order_id}", response_model=OrderOut)
def change_order(order_id: IntId, body: OrderPatch, session: DbSession, principal: Dispatcher) -> OrderOut:
    """Change an order not yet planned (a planned one changes through its route)."""
    order = _order(session, order_id)
    if order.status != "created":
        raise Conflict(f"order {order.order_no} is {order.status}; only created orders can be changed")
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise Unprocessable(f"{field} cannot be null", errors=[{"loc": ["body", field], "message": "not null"}])
        if field == "time_windows":
            value = stored_windows(body.time_windows or [])
        setattr(order, field, value)
    session.flush()
    return order_out(order)


@router.delete("/orders/{order_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_order(order_id: IntId, session: DbSession, principal: Dispatcher) -> Response:
    order = _order(session, order_id)
    if order.status != "created":
        raise Conflict(f"order {order.order_no} is {order.status}; only created orders can be deleted")
    session.delete(order)
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
