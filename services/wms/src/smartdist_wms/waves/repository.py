"""Pick wave queries: open allocations of a wave's orders, what each still needs at a location."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartdist.pagination import Page, paginate
from smartdist_wms.locations.models import Location
from smartdist_wms.outbound.models import Allocation, OutboundOrder
from smartdist_wms.products.models import Product
from smartdist_wms.products.repository import names_code
from smartdist_wms.stock.models import StockItem
from smartdist_wms.waves.domain import Open
from smartdist_wms.waves.models import PickWave, PickWaveOrder
from smartdist_wms.waves.schemas import WaveOut


def open_allocations(session: Session, totes: dict[int, int]) -> list[Open]:
    """Every open allocation of these orders (order id -> tote) with its place on the walk."""
    if not totes:
        return []
    stmt = (
        select(
            Allocation.order_id,
            Location.sequence,
            Location.code,
            Location.zone,
            Product.sku,
            Product.name,
            Product.barcode,
            StockItem.lot,
            StockItem.expiry,
            Allocation.qty,
            Allocation.picked,
        )
        .join(StockItem, StockItem.id == Allocation.stock_item_id)
        .join(Location, Location.id == StockItem.location_id)
        .join(Product, Product.id == StockItem.product_id)
        .where(Allocation.order_id.in_(totes), Allocation.state == "open")
        .order_by(Allocation.id)
    )
    return [
        Open(oid, totes[oid], seq, code, zone, sku, name, barcode, lot or None, expiry or None, qty, picked)
        for oid, seq, code, zone, sku, name, barcode, lot, expiry, qty, picked in session.execute(stmt)
    ]


def needs_at(
    session: Session, order_ids: list[int], location_code: str, code: str, lot: str | None
) -> list[tuple[int, int]]:
    """(order id, units still to pick) of the orders with open allocations of the product a code
    names (SKU, unit or carton barcode) in this location."""
    if not order_ids:
        return []
    stmt = (
        select(Allocation.order_id, func.sum(Allocation.qty - Allocation.picked))
        .join(StockItem, StockItem.id == Allocation.stock_item_id)
        .join(Location, Location.id == StockItem.location_id)
        .join(Product, Product.id == StockItem.product_id)
        .where(
            Allocation.order_id.in_(order_ids),
            Allocation.state == "open",
            Allocation.qty > Allocation.picked,
            Location.code == location_code,
            names_code(code),
        )
        .group_by(Allocation.order_id)
    )
    if lot is not None:
        stmt = stmt.where(StockItem.lot == lot)
    return [(int(oid), int(left)) for oid, left in session.execute(stmt)]


def orders_in_open_waves(session: Session, order_ids: list[int]) -> dict[int, int]:
    """order id -> the open wave that already holds it."""
    stmt = (
        select(PickWaveOrder.order_id, PickWave.id)
        .join(PickWave, PickWave.id == PickWaveOrder.wave_id)
        .where(PickWaveOrder.order_id.in_(order_ids), PickWave.status == "released")
    )
    return {int(oid): int(wid) for oid, wid in session.execute(stmt)}


def orders_by_id(session: Session, order_ids: list[int]) -> dict[int, OutboundOrder]:
    return {o.id: o for o in session.scalars(select(OutboundOrder).where(OutboundOrder.id.in_(order_ids)))}


def page(
    session: Session, *, status: str | None, limit: int, cursor: str | None, serialize: Callable[[PickWave], WaveOut]
) -> Page[WaveOut]:
    stmt = select(PickWave)
    if status is not None:
        stmt = stmt.where(PickWave.status == status)
    return paginate(session, stmt, PickWave.id, limit=limit, cursor=cursor, serialize=serialize, descending=True)
