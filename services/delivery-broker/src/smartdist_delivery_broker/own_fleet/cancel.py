"""Cancelling an own-fleet delivery: asked of dispatch over the bus, answered later.

The platforms answer a cancellation in the HTTP call; the merchant's own fleet is planned in the
dispatch service, which alone knows whether a driver has reached the stop. So `POST
/deliveries/{id}/cancel` on an own-fleet delivery marks the request on the delivery, writes an
informational status event (`cancel_requested`, kept in its raw events) and publishes
`smartdist.delivery-broker.delivery.cancel_requested` `{delivery_id, delivery_no, order_no,
reason, requested_at}` in the same transaction, and answers 202. Dispatch answers with
`smartdist.dispatch.order.cancelled` (the delivery becomes `cancelled` through the normal
lifecycle: one KPI record, `delivery.status_changed`) or `smartdist.dispatch.order.cancel_refused`
(the delivery keeps its status; the reason is stored and shown on the order board). A second
request while one is open publishes nothing new; answers seen twice change nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smartdist.bus import outbox
from smartdist_delivery_broker.adapters.port import StatusUpdate
from smartdist_delivery_broker.orders.models import DeliveryOrder
from smartdist_delivery_broker.orders.service import record_status_update

CANCEL_REQUESTED = "smartdist.delivery-broker.delivery.cancel_requested"


def cancel_pending(order: DeliveryOrder) -> bool:
    """A request is out and dispatch has not answered it yet."""
    return order.cancel_requested_at is not None and order.cancel_answered_at is None


def request_cancel(session: Session, order: DeliveryOrder, reason: str, now: datetime) -> bool:
    """Ask dispatch to cancel `order`; False when a request is already open (nothing is sent again)."""
    if cancel_pending(order):
        return False
    order.cancel_requested_at, order.cancel_reason = now, reason[:200]
    order.cancel_answered_at, order.cancel_refusal = None, None
    session.flush()
    requested_at = now.isoformat()
    record_status_update(
        session,
        order,
        StatusUpdate(
            provider=order.provider,
            platform_ref=order.platform_ref or "",
            raw_status="cancel_requested",
            status=None,
            occurred_at=now,
            event_key=f"cancel_requested:{requested_at}"[:100],
            detail=f"asked dispatch to cancel: {reason}"[:200],
            raw={"reason": reason},
        ),
    )
    outbox.publish(
        session,
        type=CANCEL_REQUESTED,
        subject=order.no,
        tenant_id=order.tenant_id,
        data={
            "delivery_id": order.id,
            "delivery_no": order.no,
            "order_no": order.platform_ref,
            "reason": reason,
            "requested_at": requested_at,
        },
    )
    return True


def _answers_this_request(order: DeliveryOrder, data: dict[str, Any]) -> bool:
    """An answer belongs to the open request when it echoes its time (or names none)."""
    if order.cancel_requested_at is None:
        return False
    echoed = data.get("requested_at")
    if not isinstance(echoed, str) or not echoed:
        return True
    try:
        return datetime.fromisoformat(echoed) == order.cancel_requested_at
    except ValueError:
        return True


def note_cancelled(order: DeliveryOrder, data: dict[str, Any], at: datetime) -> None:
    """Dispatch cancelled the order: the open request (if any) is answered."""
    if cancel_pending(order) and _answers_this_request(order, data):
        order.cancel_answered_at, order.cancel_refusal = at, None


def note_refusal(order: DeliveryOrder, data: dict[str, Any], at: datetime) -> bool:
    """Dispatch refused: keep the reason on the open request; False for an answer to no open request."""
    if not cancel_pending(order) or not _answers_this_request(order, data):
        return False
    order.cancel_answered_at = at
    order.cancel_refusal = str(data.get("reason") or "refused by dispatch")[:300]
    return True


def cancel_request_view(order: DeliveryOrder) -> dict[str, Any] | None:
    if order.cancel_requested_at is None:
        return None
    return {
        "requested_at": order.cancel_requested_at.isoformat(),
        "reason": order.cancel_reason,
        "answered_at": order.cancel_answered_at.isoformat() if order.cancel_answered_at else None,
        "refused": order.cancel_refusal is not None,
        "refusal": order.cancel_refusal,
    }
