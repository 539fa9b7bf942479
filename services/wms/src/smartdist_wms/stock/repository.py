"""Stock queries: the stock list and a stock item's history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.pagination import Page, paginate
from smartdist_wms.stock.models import Movement, StockItem
from smartdist_wms.stock.schemas import MovementOut, StockOut


def stock_out(item: StockItem) -> StockOut:
    return StockOut(
        sku=item.product.sku,
        location=item.location.code,
        lot=item.lot or None,
        expiry=item.expiry or None,
        on_hand=item.on_hand,
        allocated=item.allocated,
        available=item.on_hand - item.allocated,
    )


def stock_page(
    session: Session,
    *,
    product_id: int | None,
    location_id: int | None,
    in_stock: bool,
    limit: int,
    cursor: str | None,
) -> Page[StockOut]:
    stmt = select(StockItem)
    if product_id is not None:
        stmt = stmt.where(StockItem.product_id == product_id)
    if location_id is not None:
        stmt = stmt.where(StockItem.location_id == location_id)
    if in_stock:
        stmt = stmt.where(StockItem.on_hand > 0)
    return paginate(session, stmt, StockItem.id, limit=limit, cursor=cursor, serialize=stock_out)


def movements_page(
    session: Session,
    *,
    product_id: int | None,
    location_id: int | None,
    limit: int,
    cursor: str | None,
    moves_only: bool = False,
) -> Page[MovementOut]:
    """Movements newest first; ``moves_only`` keeps the units that came in or went out (no
    allocations or releases, which promise units without moving them)."""
    stmt = select(Movement).join(StockItem, StockItem.id == Movement.stock_item_id)
    if moves_only:
        stmt = stmt.where(Movement.d_on_hand != 0)
    if product_id is not None:
        stmt = stmt.where(StockItem.product_id == product_id)
    if location_id is not None:
        stmt = stmt.where(StockItem.location_id == location_id)
    items: dict[int, StockItem] = {}

    def serialize(m: Movement) -> MovementOut:
        item = items.get(m.stock_item_id) or session.get(StockItem, m.stock_item_id)
        assert item is not None
        items[m.stock_item_id] = item
        return MovementOut(
            id=m.id,
            sku=item.product.sku,
            location=item.location.code,
            lot=item.lot or None,
            expiry=item.expiry or None,
            d_on_hand=m.d_on_hand,
            d_allocated=m.d_allocated,
            reason=m.reason,
            note=m.note,
            doc_type=m.doc_type,
            doc_id=m.doc_id,
            by=m.by,
            at=m.at.isoformat(),
        )

    return paginate(session, stmt, Movement.id, limit=limit, cursor=cursor, serialize=serialize, descending=True)
