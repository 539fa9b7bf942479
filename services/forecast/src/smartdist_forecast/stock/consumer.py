"""Event handlers of the forecast service: the WMS's stock counts (``smartdist.wms.stock.changed``)."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist.db import utcnow
from smartdist.service import EventHandler
from smartdist_forecast.stock.levels import BadStockEvent, read_stock_event
from smartdist_forecast.tables import StockLevel

STOCK_CHANGED = "smartdist.wms.stock.changed"


def on_stock_changed(session: Session, event: CloudEvent) -> None:
    """Keep the latest count per tenant, store and SKU: last write wins by ``at``, not by arrival."""
    if not event.tenantid:
        raise BadStockEvent("a stock.changed event must carry the merchant (tenantid)")
    count = read_stock_event(event.data, event.time)
    at = count.at.astimezone(UTC)
    row = session.scalar(select(StockLevel).where(StockLevel.store == count.store, StockLevel.sku == count.sku))
    if row is None:
        session.add(
            StockLevel(
                store=count.store,
                sku=count.sku,
                on_hand=count.on_hand,
                at=at,
                location_kind=count.location_kind,
                event_id=event.id[:100],
                updated_at=utcnow(),
            )
        )
    elif at > row.at:
        row.on_hand, row.at, row.location_kind = count.on_hand, at, count.location_kind
        row.event_id, row.updated_at = event.id[:100], utcnow()
    # else: an older or equal count arrived late (or twice); the newer one stays.
    session.flush()


SUBSCRIPTIONS: dict[str, EventHandler] = {STOCK_CHANGED: on_stock_changed}
