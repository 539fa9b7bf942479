"""A near-expiry lot sold in the surplus market leaves the warehouse (SPEC §5 flow 1, its end).

``smartdist.surplus-market.order.picked_up`` carries the reservation (``id``, ``quantity``) and
its listing's ``source``; a listing the WMS drafted has ``{"service": "wms", "sku", "lot",
"location"}``. Those units come out of that lot in that location (earliest expiry first when the
lot is not named), through the ledger (reason ``surplus_sale``, the reservation in the note), so
``GET /api/v1/stock`` shows them gone and ``stock.changed`` tells the forecast.

Once per reservation: the platform hands each event over once per group, and a replayed or
re-sent event about a reservation already taken out finds its movement and changes nothing.
Never below what is allocated to outbound orders: when fewer units are free than were sold,
the free ones are taken and the rest is logged for a count.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist_wms.locations.models import Location
from smartdist_wms.products.models import Product
from smartdist_wms.stock.models import Movement, StockItem
from smartdist_wms.stock.service import Ledger, lock_items

ORDER_PICKED_UP = "smartdist.surplus-market.order.picked_up"
REASON = "surplus_sale"
log = structlog.get_logger(__name__)


def sale_note(reservation_id: str) -> str:
    return f"surplus:{reservation_id}"[:200]


def take_out_sold_units(
    session: Session, *, sku: str, location: str, lot: str | None, quantity: int, reservation_id: str
) -> int:
    """Remove a surplus sale's units from its lot; returns how many were taken (0 when done before)."""
    note = sale_note(reservation_id)
    if session.scalar(select(Movement.id).where(Movement.reason == REASON, Movement.note == note).limit(1)):
        return 0
    product_id = session.scalar(select(Product.id).where(Product.sku == sku))
    location_id = session.scalar(select(Location.id).where(Location.code == location))
    if product_id is None or location_id is None:
        log.warning("surplus_sale_unknown_place", sku=sku, location=location, reservation=reservation_id)
        return 0
    stmt = select(StockItem.id).where(
        StockItem.product_id == product_id,
        StockItem.location_id == location_id,
        StockItem.on_hand > StockItem.allocated,
    )
    if lot:
        stmt = stmt.where(StockItem.lot == lot)
    ids = list(session.scalars(stmt))
    items = lock_items(session, ids)
    # The near-expiry lot is the earliest one: FEFO when the listing named no lot.
    ordered = sorted(items.values(), key=lambda i: (i.expiry == "", i.expiry, i.id))
    ledger = Ledger(session, doc_type=REASON, by="surplus-market")
    left = quantity
    for item in ordered:
        take = min(left, item.on_hand - item.allocated)
        if take <= 0:
            continue
        ledger.change(item, on_hand=-take, reason=REASON, note=note)
        left -= take
        if left == 0:
            break
    ledger.close()
    if left:
        log.warning("surplus_sale_short", sku=sku, location=location, lot=lot, missing=left, reservation=reservation_id)
    return quantity - left


def on_surplus_picked_up(session: Session, event: CloudEvent) -> None:
    data: dict[str, Any] = dict(event.data or {})
    source = data.get("source") or {}
    if not isinstance(source, dict) or source.get("service") != "wms":
        return  # a store's or supplier's own listing: not our stock
    sku, location, lot = source.get("sku"), source.get("location"), source.get("lot")
    try:
        quantity = int(data.get("quantity") or 0)
    except (TypeError, ValueError):
        quantity = 0
    if not sku or not location or quantity <= 0:
        log.warning("surplus_sale_unusable", event_id=event.id, source=source, quantity=data.get("quantity"))
        return
    take_out_sold_units(
        session,
        sku=str(sku),
        location=str(location),
        lot=str(lot) if lot else None,
        quantity=quantity,
        reservation_id=str(data.get("id") or event.subject or event.id),
    )


SUBSCRIPTIONS = {ORDER_PICKED_UP: on_surplus_picked_up}
