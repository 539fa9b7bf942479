"""The forecast suggests a replenishment: the warehouse gets a draft inbound order (SPEC §5 flow 2).

``smartdist.forecast.replenishment.suggested`` data: ``model_version_id`` and ``lines`` of
``{"store", "sku", "order_qty", "order_up_to"}``. Lines with a positive ``order_qty`` make one
draft inbound order with a line per SKU (the stores' quantities added up), ``source:
{"service": "forecast", "model_version_id", "event_id", "stores", "unknown_skus"}`` and ref
``FC-<event id>``; the merchant confirms it (``POST .../confirm``) and the dock receives and puts
it away like any other. SKUs the WMS does not know are left out (named in ``unknown_skus``); a
suggestion with nothing positive, or only unknown SKUs, creates nothing.

Once per suggestion: the platform hands each event over once per group, and a replayed event
finds its draft by ref and changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist_wms.inbound.models import InboundOrder
from smartdist_wms.inbound.schemas import MAX_QTY, InboundLineIn, InboundOrderIn
from smartdist_wms.inbound.service import create_inbound
from smartdist_wms.products.models import Product

REPLENISHMENT_SUGGESTED = "smartdist.forecast.replenishment.suggested"
MAX_LINES = 500
log = structlog.get_logger(__name__)


def draft_ref(event_id: str) -> str:
    return f"FC-{event_id}"[:60]


def wanted_by_sku(lines: Any) -> tuple[dict[str, int], set[str]]:
    """Positive order quantities added up per SKU, and the stores asking."""
    totals: dict[str, int] = defaultdict(int)
    stores: set[str] = set()
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, dict) or not line.get("sku"):
            continue
        try:
            qty = int(line.get("order_qty") or 0)
        except (TypeError, ValueError):
            continue
        if qty > 0:
            totals[str(line["sku"])[:60]] += qty
            if line.get("store"):
                stores.add(str(line["store"]))
    return dict(totals), stores


def on_replenishment_suggested(session: Session, event: CloudEvent) -> None:
    data: dict[str, Any] = dict(event.data or {})
    totals, stores = wanted_by_sku(data.get("lines"))
    if not totals:
        return
    ref = draft_ref(event.id)
    if session.scalar(select(InboundOrder.id).where(InboundOrder.ref == ref).limit(1)) is not None:
        return
    known = set(session.scalars(select(Product.sku).where(Product.sku.in_(list(totals)))))
    unknown = sorted(set(totals) - known)
    if unknown:
        log.info("replenishment_unknown_skus", event_id=event.id, skus=unknown[:20])
    skus = sorted(known)[:MAX_LINES]
    if not skus:
        return
    body = InboundOrderIn(ref=ref, lines=[InboundLineIn(sku=sku, qty=min(totals[sku], MAX_QTY)) for sku in skus])
    source = {
        "service": "forecast",
        "model_version_id": data.get("model_version_id"),
        "event_id": event.id,
        "stores": sorted(stores)[:100],
        "unknown_skus": unknown[:100],
    }
    create_inbound(session, body, status="draft", source=source)


SUBSCRIPTIONS = {REPLENISHMENT_SUGGESTED: on_replenishment_suggested}
