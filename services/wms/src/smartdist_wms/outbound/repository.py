"""Outbound order lists, and the few lean statements of a pick confirmation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Select, bindparam, case, func, select, update
from sqlalchemy.orm import Session, aliased, lazyload

from smartdist.pagination import Page, paginate
from smartdist_wms.locations.models import Location
from smartdist_wms.outbound.models import Allocation, OutboundLine, OutboundOrder
from smartdist_wms.products.models import Product
from smartdist_wms.products.repository import names_code
from smartdist_wms.stock.models import StockItem

T = TypeVar("T")


def page(
    session: Session,
    *,
    status: str | None,
    ref: str | None,
    limit: int,
    cursor: str | None,
    serialize: Callable[[OutboundOrder], T],
) -> Page[T]:
    stmt = select(OutboundOrder)
    if status is not None:
        stmt = stmt.where(OutboundOrder.status == status)
    if ref is not None:
        stmt = stmt.where(OutboundOrder.ref == ref)
    return paginate(session, stmt, OutboundOrder.id, limit=limit, cursor=cursor, serialize=serialize, descending=True)


@dataclass(frozen=True)
class PickSlot:
    """One open allocation of an order at a location, with what its line has picked so far."""

    allocation_id: int
    line_id: int
    product_id: int
    sku: str
    location: str
    left: int  # units of the allocation still to pick
    line_qty: int
    line_picked: int
    order_lacking: int  # units the whole order still lacks (every line)


_LOCK_ORDER = (
    select(OutboundOrder)
    .where(OutboundOrder.id == bindparam("order_id"))
    .options(lazyload(OutboundOrder.lines))
    .with_for_update(of=OutboundOrder)
    .execution_options(populate_existing=True)
)


def lock_order_alone(session: Session, order_id: int) -> OutboundOrder | None:
    """The order row FOR UPDATE, without loading its lines (a pick reads them in its own query)."""
    order: OutboundOrder | None = session.scalar(_LOCK_ORDER, {"order_id": order_id})
    return order


@lru_cache(maxsize=2)
def _pick_slots_stmt(with_lot: bool) -> Select[Any]:
    """Built once: constructing this select costs more CPU than running it."""
    other = aliased(OutboundLine)
    order_id: BindParameter[int] = bindparam("order_id")
    code: BindParameter[str] = bindparam("code")
    lacking = (
        select(func.coalesce(func.sum(case((other.qty > other.picked, other.qty - other.picked), else_=0)), 0))
        .where(other.order_id == order_id)
        .scalar_subquery()
    )
    stmt = (
        select(
            Allocation.id,
            Allocation.line_id,
            Product.id,
            Product.sku,
            Location.code,
            Allocation.qty - Allocation.picked,
            OutboundLine.qty,
            OutboundLine.picked,
            lacking,
        )
        .join(StockItem, StockItem.id == Allocation.stock_item_id)
        .join(Location, Location.id == StockItem.location_id)
        .join(Product, Product.id == StockItem.product_id)
        .join(OutboundLine, OutboundLine.id == Allocation.line_id)
        .where(
            Allocation.order_id == order_id,
            Allocation.state == "open",
            Allocation.qty > Allocation.picked,
            Location.code == bindparam("location"),
            names_code(code),
        )
        .order_by(Allocation.id)
    )
    if with_lot:
        stmt = stmt.where(StockItem.lot == bindparam("lot"))
    return stmt


def pick_slots(session: Session, order_id: int, location_code: str, code: str, lot: str | None) -> list[PickSlot]:
    """The order's open, not fully picked allocations in the location of the product a code names
    (SKU, unit or carton barcode), oldest first — one statement. Run it after locking the order."""
    params: dict[str, Any] = {"order_id": order_id, "location": location_code, "code": code}
    if lot is not None:
        params["lot"] = lot
    rows = session.execute(_pick_slots_stmt(lot is not None), params).all()
    return [PickSlot(*row) for row in rows]


_ADD_TO_ALLOCATION = (
    update(Allocation)
    .where(Allocation.id == bindparam("row_id"))
    .values(picked=Allocation.picked + bindparam("units"))
    .execution_options(synchronize_session=False)
)
_ADD_TO_LINE = (
    update(OutboundLine)
    .where(OutboundLine.id == bindparam("row_id"))
    .values(picked=OutboundLine.picked + bindparam("units"))
    .execution_options(synchronize_session=False)
)


def add_picked(session: Session, allocation_id: int, line_id: int, units: int) -> None:
    """Count ``units`` more picked on an allocation and its line (two UPDATEs, no ORM load)."""
    session.execute(_ADD_TO_ALLOCATION, {"row_id": allocation_id, "units": units})
    session.execute(_ADD_TO_LINE, {"row_id": line_id, "units": units})
