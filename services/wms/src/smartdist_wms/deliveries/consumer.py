"""The delivery broker's status events move an outbound order's ``delivery.status`` (to delivered)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist_wms.deliveries.service import follow_status

DELIVERY_STATUS_CHANGED = "smartdist.delivery-broker.delivery.status_changed"


def on_delivery_status_changed(session: Session, event: CloudEvent) -> None:
    follow_status(session, dict(event.data or {}))


SUBSCRIPTIONS = {DELIVERY_STATUS_CHANGED: on_delivery_status_changed}
