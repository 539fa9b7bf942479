"""Dispatch's events about own-fleet bookings, applied with the same lifecycle as platform webhooks.

Each event becomes a `StatusUpdate` of provider `own_fleet` whose event key is derived from what
happened (the stop and its outcome, the route, the order), not from the event id: a status sent
twice — a redelivered event, or the same outcome published again under a new id — is a
duplicate to the lifecycle, so the delivery changes status once, with one KPI record and one
`delivery.status_changed` / `delivery.completed`. Events about orders that did not come from the
broker (order numbers without the `BRK-` prefix) are ignored.

Contract (dispatch's events, `data`):
- `smartdist.dispatch.order.created` — the order (`order_no`, `id`, …): accepted, still pending;
- `smartdist.dispatch.route.published` — `route_id`, `stops: [{order_no, eta}]` (and `driver_id`,
  `order_nos` when dispatch sends them): assigned, with the stop's ETA;
- `smartdist.dispatch.stop.delivered` / `stop.failed` — `{stop_id, route_id, plan_id, order_id,
  order_no, status, reason_code, occurred_at, cash_collected_twd, driver_id}`: delivered / failed
  (reason code kept);
- `smartdist.dispatch.order.rejected` — `{order_no, reason, source_ref}`: failed with the reason;
- `smartdist.dispatch.order.cancelled` — `{order_no, source_ref, reason, requested_at, …}`: cancelled
  (the answer to our `delivery.cancel_requested`, or a cancellation made in dispatch);
- `smartdist.dispatch.order.cancel_refused` — `{order_no, source_ref, reason, status, requested_at}`:
  the delivery keeps its status, the reason is kept on its open cancel request (`own_fleet/service.py`);
- `smartdist.dispatch.own_fleet.etas_changed` — `{route_id, revision, as_of, stops: [{order_no, eta}]}`
  (dispatch's intake, after a live route changed: a rush order inserted, a re-plan) and
  `smartdist.dispatch.route.changed` when it lists `stops`: the new ETAs; an ETA older (`as_of`,
  else the event's time) than the one held is ignored;
- `smartdist.dispatch.route.position` — `{route_id, driver_id, lat, lng, recorded_at, order_nos}`
  (the latest point of a driver's GPS batch and the orders still on the van): the courier position
  of those deliveries while under way; an older position than the one held is ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist.service import EventHandler
from smartdist_delivery_broker.adapters.port import DeliveryStatus, StatusUpdate
from smartdist_delivery_broker.orders.models import DeliveryOrder
from smartdist_delivery_broker.orders.service import record_status_update
from smartdist_delivery_broker.own_fleet.domain import PROVIDER, is_broker_order, note_cancelled, note_refusal

ORDER_CREATED = "smartdist.dispatch.order.created"
ORDER_REJECTED = "smartdist.dispatch.order.rejected"
ROUTE_PUBLISHED = "smartdist.dispatch.route.published"
STOP_DELIVERED = "smartdist.dispatch.stop.delivered"
STOP_FAILED = "smartdist.dispatch.stop.failed"
ROUTE_POSITION = "smartdist.dispatch.route.position"
ORDER_CANCELLED = "smartdist.dispatch.order.cancelled"
CANCEL_REFUSED = "smartdist.dispatch.order.cancel_refused"
ROUTE_CHANGED = "smartdist.dispatch.route.changed"
OWN_FLEET_ETAS = "smartdist.dispatch.own_fleet.etas_changed"
UNDER_WAY = ("pending", "assigned", "picked_up")


def _parsed(value: Any) -> datetime | None:
    """An RFC 3339 time with its offset, else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _when(value: Any, fallback: datetime) -> datetime:
    return _parsed(value) or fallback


def _delivery(session: Session, order_no: str, source_ref: Any = None) -> DeliveryOrder | None:
    """The own-fleet delivery behind dispatch order `order_no`, locked while it is updated."""
    found = session.scalar(
        select(DeliveryOrder)
        .where(DeliveryOrder.provider == PROVIDER, DeliveryOrder.platform_ref == order_no)
        .with_for_update()
    )
    if found is None and isinstance(source_ref, str) and source_ref:
        found = session.scalar(
            select(DeliveryOrder)
            .where(DeliveryOrder.provider == PROVIDER, DeliveryOrder.id == source_ref)
            .with_for_update()
        )
    return found


def _apply(
    session: Session,
    event: CloudEvent,
    order_no: Any,
    *,
    raw_status: str,
    status: DeliveryStatus,
    key: str,
    occurred_at: datetime | None = None,
    detail: str = "",
    source_ref: Any = None,
) -> DeliveryOrder | None:
    if not is_broker_order(order_no):
        return None
    order = _delivery(session, str(order_no), source_ref)
    if order is None:
        return None  # not ours (or booked by another tenant's broker); nothing to do
    update = StatusUpdate(
        provider=PROVIDER,
        platform_ref=str(order_no),
        raw_status=raw_status[:60],
        status=status,
        occurred_at=occurred_at or event.time,
        event_key=f"dispatch:{key}"[:100],
        detail=detail[:200],
        raw={"event_id": event.id, "type": event.type, "data": dict(event.data)},
    )
    record_status_update(session, order, update)
    return order


def on_order_created(session: Session, event: CloudEvent) -> None:
    """Dispatch holds the order: still pending (no driver yet), raw status `accepted`."""
    data = event.data
    order_no = data.get("order_no")
    _apply(session, event, order_no, raw_status="accepted", status=DeliveryStatus.PENDING,
           key=f"order.created:{order_no}", detail=f"dispatch order {data.get('id', '')}")  # fmt: skip


def on_route_published(session: Session, event: CloudEvent) -> None:
    """A published route carries our stop: assigned, with the stop's ETA."""
    data = event.data
    route_id = data.get("route_id")
    driver = data.get("driver_id")
    detail = f"route {route_id}" + (f", driver {driver}" if driver is not None else "")
    for stop in data.get("stops") or []:
        if not isinstance(stop, dict):
            continue
        order_no = stop.get("order_no")
        order = _apply(session, event, order_no, raw_status="route_published", status=DeliveryStatus.ASSIGNED,
                       key=f"route.published:{route_id}:{order_no}", detail=detail)  # fmt: skip
        if order is not None:
            _note_eta(order, stop.get("eta"), event.time)
    session.flush()


def _note_eta(order: DeliveryOrder, value: Any, as_of: datetime) -> None:
    """Take dispatch's ETA for a delivery still under way unless a newer one is held (events
    arrive in any order: an older route version never moves the ETA back)."""
    eta = _parsed(value)  # an ETA we cannot read is no ETA, not "now"
    if eta is None or order.status not in UNDER_WAY:
        return
    if order.eta_as_of is not None and as_of < order.eta_as_of:
        return
    order.eta_at, order.eta_as_of = eta, as_of


def on_route_etas(session: Session, event: CloudEvent) -> None:
    """A live route changed (a rush order inserted, a re-plan, a stop cancelled): its broker
    bookings' new ETAs. Dispatch's `own_fleet.etas_changed` carries them (`as_of` = the change),
    and `route.changed` too when it lists `stops`. No status changes; applying one twice is the same."""
    data = event.data
    as_of = _parsed(data.get("as_of")) or event.time
    stops = [s for s in data.get("stops") or [] if isinstance(s, dict) and is_broker_order(s.get("order_no"))]
    if not stops:
        return
    orders = session.scalars(
        select(DeliveryOrder)
        .where(DeliveryOrder.provider == PROVIDER, DeliveryOrder.platform_ref.in_([str(s["order_no"]) for s in stops]))
        .with_for_update()
    )
    by_no = {o.platform_ref: o for o in orders}
    for stop in stops:
        order = by_no.get(str(stop["order_no"]))
        if order is not None:
            _note_eta(order, stop.get("eta"), as_of)
    session.flush()


def on_stop_delivered(session: Session, event: CloudEvent) -> None:
    data = event.data
    cash = data.get("cash_collected_twd")
    _apply(session, event, data.get("order_no"), raw_status="stop_delivered", status=DeliveryStatus.DELIVERED,
           key=f"stop:{data.get('stop_id')}:delivered", occurred_at=_when(data.get("occurred_at"), event.time),
           detail="" if cash is None else f"cash collected {cash} TWD")  # fmt: skip


def on_stop_failed(session: Session, event: CloudEvent) -> None:
    data = event.data
    reason = str(data.get("reason_code") or "other")
    _apply(session, event, data.get("order_no"), raw_status=f"stop_failed:{reason}", status=DeliveryStatus.FAILED,
           key=f"stop:{data.get('stop_id')}:failed", occurred_at=_when(data.get("occurred_at"), event.time),
           detail=reason)  # fmt: skip


def on_order_rejected(session: Session, event: CloudEvent) -> None:
    """Dispatch cannot deliver it: failed, and the refusal kept for the board (which offers to book
    a platform instead, `POST /deliveries/{id}/rebook`)."""
    data = event.data
    order_no = data.get("order_no")
    reason = str(data.get("reason") or "rejected by dispatch")
    order = _apply(session, event, order_no, raw_status="rejected", status=DeliveryStatus.FAILED,
                   key=f"order.rejected:{order_no}", detail=reason, source_ref=data.get("source_ref"))  # fmt: skip
    if order is not None and order.dispatch_refusal is None:
        code = data.get("reason_code")
        order.dispatch_refusal = reason[:300]
        order.dispatch_refusal_code = (code if isinstance(code, str) and code else "invalid")[:60]
        session.flush()


def on_order_cancelled(session: Session, event: CloudEvent) -> None:
    """Dispatch cancelled the order: the delivery is cancelled (once), its open request answered."""
    data = event.data
    order_no = data.get("order_no")
    at = _when(data.get("cancelled_at"), event.time)
    reason = str(data.get("reason") or "")
    order = _apply(session, event, order_no, raw_status="order_cancelled", status=DeliveryStatus.CANCELLED,
                   key=f"order.cancelled:{order_no}", occurred_at=at,
                   detail=f"cancelled in dispatch{': ' + reason if reason else ''}",
                   source_ref=data.get("source_ref"))  # fmt: skip
    if order is not None:
        note_cancelled(order, data, event.time)
        session.flush()


def on_cancel_refused(session: Session, event: CloudEvent) -> None:
    """Dispatch could not cancel (a driver reached the stop, or it is done): the status stays, the reason is kept."""
    data = event.data
    order_no = data.get("order_no")
    if not is_broker_order(order_no):
        return
    order = _delivery(session, str(order_no), data.get("source_ref"))
    if order is None or not note_refusal(order, data, event.time):
        return  # not ours, or no request of ours is open (an old answer)
    reason = str(data.get("reason") or "refused by dispatch")
    update = StatusUpdate(
        provider=PROVIDER,
        platform_ref=str(order_no),
        raw_status="cancel_refused",
        status=None,
        occurred_at=event.time,
        event_key=f"dispatch:cancel_refused:{data.get('requested_at') or event.id}"[:100],
        detail=reason[:200],
        raw={"event_id": event.id, "type": event.type, "data": dict(event.data)},
    )
    record_status_update(session, order, update)


def _coordinate(value: Any, limit: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if -limit <= number <= limit else None


def on_route_position(session: Session, event: CloudEvent) -> None:
    """The van's latest position: the courier of every own-fleet delivery still on it."""
    data = event.data
    lat, lng = _coordinate(data.get("lat"), 90), _coordinate(data.get("lng"), 180)
    at = _parsed(data.get("recorded_at"))
    order_nos = [no for no in data.get("order_nos") or [] if is_broker_order(no)]
    if lat is None or lng is None or at is None or not order_nos:
        return  # nothing we can place on a map, or no delivery of ours on the van
    orders = session.scalars(
        select(DeliveryOrder)
        .where(
            DeliveryOrder.provider == PROVIDER,
            DeliveryOrder.platform_ref.in_([str(no) for no in order_nos]),
            DeliveryOrder.status.in_(UNDER_WAY),
        )
        .with_for_update()
    )
    for order in orders:
        if order.courier_at is None or at > order.courier_at:
            order.courier_lat, order.courier_lng, order.courier_at = lat, lng, at
    session.flush()


SUBSCRIPTIONS: dict[str, EventHandler] = {
    ORDER_CREATED: on_order_created,
    ROUTE_PUBLISHED: on_route_published,
    STOP_DELIVERED: on_stop_delivered,
    STOP_FAILED: on_stop_failed,
    ORDER_REJECTED: on_order_rejected,
    ROUTE_POSITION: on_route_position,
    ORDER_CANCELLED: on_order_cancelled,
    CANCEL_REFUSED: on_cancel_refused,
    ROUTE_CHANGED: on_route_etas,
    OWN_FLEET_ETAS: on_route_etas,
}
