"""The WMS tells us a lot is nearing expiry: the merchant gets a draft listing of it.

``smartdist.wms.lot.near_expiry`` data: ``sku``, ``lot``, ``location``, ``expiry`` (YYYY-MM-DD),
the lot's available units (``available``; ``available_qty``/``qty`` accepted) and the product's
``name`` (or ``product_name``), optionally ``unit``. The draft carries
``source: {"service": "wms", "sku", "lot", "location"}``, ``quantity`` = the available units and
``best_before`` = the end of the expiry day in Taipei. One draft per lot and place: the platform
hands each event over once, and a new event about a lot already listed changes nothing (while
the listing is still a draft, its quantity follows the latest available count).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import structlog
from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist_surplus_market.config import get_settings
from smartdist_surplus_market.listings import repository
from smartdist_surplus_market.listings.schemas import end_of_day
from smartdist_surplus_market.listings.service import create_draft

LOT_NEAR_EXPIRY = "smartdist.wms.lot.near_expiry"
log = structlog.get_logger(__name__)


def _first(data: dict[str, Any], *names: str) -> Any:
    for name in names:
        if data.get(name) not in (None, ""):
            return data[name]
    return None


def default_markdown() -> list[dict[str, float]]:
    """A ladder to start from; the merchant changes it when publishing."""
    first = float(get_settings().near_expiry_default_hours)
    return [{"hours_before": first, "percent_off": 30.0}, {"hours_before": 6.0, "percent_off": 50.0}]


def on_lot_near_expiry(session: Session, event: CloudEvent) -> None:
    data: dict[str, Any] = dict(event.data or {})
    sku, lot, location = _first(data, "sku"), _first(data, "lot"), _first(data, "location", "location_code")
    available = _first(data, "available", "available_qty", "qty", "quantity")
    expiry = _first(data, "expiry", "expiry_date")
    tenant = event.tenantid
    try:
        quantity = int(available)
        best_before = end_of_day(date.fromisoformat(str(expiry)[:10]))
    except (TypeError, ValueError):
        log.warning("near_expiry_unusable", event_id=event.id, data=data)
        return
    if not sku or tenant is None or quantity <= 0:
        log.info("near_expiry_ignored", event_id=event.id, sku=sku, available=available)
        return
    key = f"wms:{sku}:{lot or ''}:{location or ''}"
    existing = repository.by_source_key(session, key)
    if existing is not None:
        if existing.status == "draft" and existing.quantity != quantity:
            existing.quantity = existing.initial_quantity = min(quantity, 100_000)
            session.flush()
        return
    name = str(_first(data, "name", "product_name", "title") or sku)
    create_draft(
        session,
        tenant_id=tenant,
        title=name[:200],
        unit=str(_first(data, "unit") or "piece")[:20],
        quantity=min(quantity, 100_000),
        best_before=best_before,
        source={"service": "wms", "sku": str(sku), "lot": lot, "location": location},
        source_key=key[:300],
        markdown=default_markdown(),
    )


SUBSCRIPTIONS = {LOT_NEAR_EXPIRY: on_lot_near_expiry}
