"""Event handlers of the forecast service: the WMS's stock counts (``smartdist.wms.stock.changed``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist.service import EventHandler
from smartdist_forecast.stock.levels import BadStockEvent, read_stock_event
from smartdist_forecast.stock.service import keep_latest

STOCK_CHANGED = "smartdist.wms.stock.changed"


def on_stock_changed(session: Session, event: CloudEvent) -> None:
    """Keep the latest count per tenant, store and SKU: last write wins by ``at``, not by arrival."""
    if not event.tenantid:
        raise BadStockEvent("a stock.changed event must carry the merchant (tenantid)")
    keep_latest(session, read_stock_event(event.data, event.time), event.id)


SUBSCRIPTIONS: dict[str, EventHandler] = {STOCK_CHANGED: on_stock_changed}
