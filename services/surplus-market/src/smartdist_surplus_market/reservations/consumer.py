"""The delivery broker's status events move a supplier order's ``delivery.status`` (to delivered)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist_surplus_market.reservations.service import follow_delivery

DELIVERY_STATUS_CHANGED = "smartdist.delivery-broker.delivery.status_changed"


def on_delivery_status_changed(session: Session, event: CloudEvent) -> None:
    follow_delivery(session, dict(event.data or {}))


SUBSCRIPTIONS = {DELIVERY_STATUS_CHANGED: on_delivery_status_changed}
