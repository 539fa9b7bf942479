"""/api/v1/orders: create (one, or a whole CSV/Excel sheet), list, read, change, delete."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Request, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from smartdist.auth import Principal, require_roles
from smartdist.exports import attachment, csv_text, xlsx_bytes
from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist.web.i18n import language_for
from smartdist_dispatch.orders import service
from smartdist_dispatch.orders.schemas import OrderIn, OrderOut, OrderPatch
from smartdist_dispatch.orders.sheet import ORDER_COLUMNS
from smartdist_dispatch.orders.upload import read_upload

# Integrators (a merchant's shop system) create and read orders; changing them is the dispatcher's.
OrderWriter = Annotated[Principal, require_roles("dispatcher", "integrator")]
Dispatcher = Annotated[Principal, require_roles("dispatcher")]
OrderStatus = Literal["created", "planned", "out_for_delivery", "delivered", "failed", "cancelled"]
SheetFile = Annotated[UploadFile, File(description="CSV (UTF-8, BOM allowed) or .xlsx")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = APIRouter(tags=["orders"])


class Imported(BaseModel):
    created: int = Field(description="Rows stored (every row of the sheet)")


@router.post("/orders", status_code=status.HTTP_201_CREATED, response_model=OrderOut, responses=problem_responses(503))
def create_order(
    body: OrderIn, request: Request, session: DbSession, principal: OrderWriter, idem: IdempotencyDep
) -> Any:
    """Create one delivery order (Idempotency-Key honoured; a stored order_no is a 409).

    An address without lat/lng is geocoded by the configured provider; without one, or when the
    address is not found, a 422 says so; a provider that does not answer is a 503.
    """
    if idem.replay is not None:
        return idem.replay
    (order,) = service.create_orders(
        session, [body], tenant_id=str(principal.tenant_id), language=language_for(request)
    )
    return idem.save(201, service.order_out(order))


@router.post(
    "/orders/import",
    status_code=status.HTTP_201_CREATED,
    response_model=Imported,
    responses=problem_responses(503),
    description=f"Create every order of a sheet, or none: any bad row is a 422 listing every bad row. "
    f"Rows with an address and no lat/lng are geocoded (when a geocoder is configured). "
    f"Header: {','.join(ORDER_COLUMNS)}",
)
def import_orders(
    file: SheetFile, request: Request, session: DbSession, principal: OrderWriter, idem: IdempotencyDep
) -> Any:
    """Create every order of a sheet, or none: any bad row is a 422 listing every bad row."""
    if idem.replay is not None:
        return idem.replay
    sheet = read_upload(file.filename, file.file)
    created = service.import_order_sheet(
        session, sheet.filename, sheet.content, tenant_id=str(principal.tenant_id), language=language_for(request)
    )
    return idem.save(201, Imported(created=created))


SHEET_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


@router.get(
    "/orders/export",
    response_class=Response,
    responses={
        200: {
            "description": "The orders as a sheet in the import's columns; no cell can run as a formula",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def export_orders(
    session: DbSession,
    principal: OrderWriter,
    status: OrderStatus | None = None,
    format: Literal["csv", "xlsx"] = "csv",  # noqa: A002 - the query's name
) -> Response:
    """Download the orders in the upload sheet's columns (CSV with a BOM, or Excel)."""
    header, rows = service.order_sheet(session, status)
    name = f"dispatch-orders{'-' + status if status else ''}.{format}"
    content: str | bytes = csv_text(header, rows) if format == "csv" else xlsx_bytes(header, rows, sheet="orders")
    return Response(content, media_type=SHEET_TYPES[format], headers=attachment(name))


@router.get("/orders", response_model=Page[OrderOut])
def list_orders(
    session: DbSession,
    principal: OrderWriter,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: OrderStatus | None = None,
) -> Page[OrderOut]:
    """The tenant's orders, oldest first, optionally of one status."""
    return service.order_page(session, limit=limit, cursor=cursor, status=status)


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: IntId, session: DbSession, principal: OrderWriter) -> OrderOut:
    """One order."""
    return service.order_out(service.stored_order(session, order_id))


@router.patch("/orders/{order_id}", response_model=OrderOut)
def change_order(order_id: IntId, body: OrderPatch, session: DbSession, principal: Dispatcher) -> OrderOut:
    """Change an order not yet planned (a planned one changes through its route)."""
    return service.change_order(session, order_id, body)


@router.delete("/orders/{order_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_order(order_id: IntId, session: DbSession, principal: Dispatcher) -> Response:
    """Delete an order not yet planned."""
    service.delete_order(session, order_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
