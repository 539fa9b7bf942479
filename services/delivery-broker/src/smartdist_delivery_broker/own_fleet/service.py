"""Use cases of the merchant's own fleet: its terms, and cancelling an own-fleet delivery.

The platforms answer a cancellation in the HTTP call; the merchant's own fleet is planned in the
dispatch service, which alone knows whether a driver has reached the stop. So cancelling an
own-fleet delivery marks the request on the delivery, writes an informational status event
(`cancel_requested`, kept in its raw events) and publishes
`smartdist.delivery-broker.delivery.cancel_requested` `{delivery_id, delivery_no, order_no,
reason, requested_at}` in the same transaction (the API answers 202). Dispatch answers with
`smartdist.dispatch.order.cancelled` (the delivery becomes `cancelled` through the normal
lifecycle: one KPI record, `delivery.status_changed`) or `smartdist.dispatch.order.cancel_refused`
(the delivery keeps its status; the reason is stored and shown on the order board), both handled
in `consumer.py`. A second request while one is open publishes nothing new.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy.orm import Session

from smartdist.bus import outbox
from smartdist_delivery_broker.adapters.port import StatusUpdate
from smartdist_delivery_broker.orders.domain import cancellation_problem, cancellation_refusal
from smartdist_delivery_broker.orders.models import DeliveryOrder
from smartdist_delivery_broker.orders.service import delivery_state, record_status_update
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms, cancel_pending
from smartdist_delivery_broker.own_fleet.models import OwnFleetSettingRow
from smartdist_delivery_broker.own_fleet.repository import own_fleet_row, save_own_fleet_terms

CANCEL_REQUESTED = "smartdist.delivery-broker.delivery.cancel_requested"


def get_terms(session: Session) -> OwnFleetSettingRow | None:
    """The tenant's own-fleet terms as stored; None: never set up (not offered)."""
    return own_fleet_row(session)


def set_terms(session: Session, terms: OwnFleetTerms) -> OwnFleetSettingRow:
    """Offer (or stop offering) the own fleet with these terms."""
    return save_own_fleet_terms(session, asdict(terms))


def request_cancel(session: Session, order: DeliveryOrder, reason: str, now: datetime) -> bool:
    """Ask dispatch to cancel own-fleet `order`; False when a request is already open (nothing is
    sent again). Refused (CancellationNotAllowed) once the delivery has ended."""
    refusal = cancellation_refusal(delivery_state(session, order), None)
    if refusal is not None:
        raise cancellation_problem(refusal, order.status)
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
