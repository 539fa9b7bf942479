"""Event handlers of the dispatch service for bookings from the delivery broker.

The merchant's own fleet is the broker's fourth delivery option: a booking on it arrives here as
`smartdist.delivery-broker.delivery.requested` with provider `own_fleet`, and becomes a dispatch
delivery order through `orders.service.create_orders` (so it gets its KPI record and its
`smartdist.dispatch.order.created` event like any other order). The order number is derived
from the broker's delivery number (`BRK-<delivery_no>`): a redelivered or republished request
finds its order already there and creates nothing. A request dispatch cannot accept (bad
coordinates, a missing delivery number, …) is answered with `smartdist.dispatch.order.rejected`
`{"order_no", "reason", "source_ref"}` (source_ref = the broker's delivery id).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.outbox import publish
from smartdist.db import ScopedSession
from smartdist.service import EventHandler
from smartdist_dispatch.config import IntakeSettings, get_intake_settings
from smartdist_dispatch.intake.service import cancel_order, own_fleet_etas
from smartdist_dispatch.orders.repository import existing_order_nos
from smartdist_dispatch.orders.schemas import OrderIn
from smartdist_dispatch.orders.service import create_orders

DELIVERY_REQUESTED = "smartdist.delivery-broker.delivery.requested"
CANCEL_REQUESTED = "smartdist.delivery-broker.delivery.cancel_requested"
ORDER_REJECTED = "smartdist.dispatch.order.rejected"
ROUTE_CHANGED = "smartdist.dispatch.route.changed"
# The new ETAs of broker bookings on a live route that changed (rush insertion, re-plan, a stop
# cancelled): `{route_id, revision, as_of, stops: [{order_no, eta}]}`, as_of = the change's time.
OWN_FLEET_ETAS = "smartdist.dispatch.own_fleet.etas_changed"
OWN_FLEET = "own_fleet"
ORDER_PREFIX = "BRK-"


class RequestNotAcceptable(ValueError):
    """Why a broker booking cannot become a dispatch order (sent back as order.rejected)."""


def order_no_for(delivery_no: str) -> str:
    return ORDER_PREFIX + delivery_no


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise RequestNotAcceptable(f"scheduled_at {value!r} is not an RFC 3339 time") from exc
    if moment.tzinfo is None:
        raise RequestNotAcceptable(f"scheduled_at {value!r} has no UTC offset")
    return moment


def _validation_reason(exc: ValidationError) -> str:
    names = {"lat": "dropoff.lat", "lng": "dropoff.lng", "customer_name": "dropoff.contact_name",
             "phone": "dropoff.contact_phone", "address": "dropoff.address",
             "cash_to_collect_twd": "cod_amount", "order_no": "delivery_no"}  # fmt: skip
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"])
        parts.append(f"{names.get(field, field)}: {error['msg']}")
    return "; ".join(parts)


def order_from_request(data: dict[str, Any], received_at: datetime, settings: IntakeSettings) -> OrderIn:
    """The dispatch order for one own-fleet booking; RequestNotAcceptable says why there is none."""
    delivery_no = _text(data.get("delivery_no"))
    if not delivery_no:
        raise RequestNotAcceptable("delivery_no is missing")
    dropoff = data.get("dropoff")
    if not isinstance(dropoff, dict):
        raise RequestNotAcceptable("dropoff is missing")
    # The broker always knows the drop-off's coordinates; a booking without them is broken.
    missing = [f"dropoff.{axis}" for axis in ("lat", "lng") if dropoff.get(axis) is None]
    if missing:
        raise RequestNotAcceptable(f"{', '.join(missing)} is missing")
    pickup: dict[str, Any] = data["pickup"] if isinstance(data.get("pickup"), dict) else {}
    start = _when(data.get("scheduled_at")) or received_at
    end = start + timedelta(hours=settings.window_hours)
    source = f"delivery-broker {_text(data.get('delivery_id'))} ({delivery_no})"
    notes = "; ".join(
        part
        for part in (
            source,
            f"pickup: {_text(pickup.get('address'))}" if pickup.get("address") else "",
            _text(data.get("notes")),
        )  # fmt: skip
        if part
    )
    try:
        return OrderIn(
            order_no=order_no_for(delivery_no),
            customer_name=_text(dropoff.get("contact_name")) or "customer",
            phone=_text(dropoff.get("contact_phone")),
            address=_text(dropoff.get("address")),
            lat=dropoff.get("lat"),
            lng=dropoff.get("lng"),
            time_windows=[(start, end)],
            service_s=settings.service_s,
            cash_to_collect_twd=data.get("cod_amount") or 0,
            notes=notes[:1000],
        )
    except ValidationError as exc:
        raise RequestNotAcceptable(_validation_reason(exc)) from exc


def on_delivery_requested(session: Session, event: CloudEvent) -> None:
    """A broker booking on the merchant's own fleet becomes a dispatch delivery order, once."""
    data = event.data
    if data.get("provider") != OWN_FLEET:
        return  # a platform courier carries it; nothing for our drivers
    tenant_id = event.tenantid
    if tenant_id is None:
        return  # a booking always belongs to a merchant
    delivery_no = _text(data.get("delivery_no"))
    order_no = order_no_for(delivery_no) if delivery_no else ""
    scoped = cast(ScopedSession, session)  # the consumer's session is scoped to the event's tenant
    if order_no and existing_order_nos(scoped, [order_no]):
        return  # the same booking again: its order exists
    try:
        body = order_from_request(data, event.time, get_intake_settings())
    except RequestNotAcceptable as exc:
        rejection = {"order_no": order_no, "reason": str(exc), "source_ref": _text(data.get("delivery_id"))}
        publish(session, type=ORDER_REJECTED, subject=order_no or None, tenant_id=tenant_id, data=rejection)
        return
    create_orders(scoped, [body], tenant_id=tenant_id)


def on_cancel_requested(session: Session, event: CloudEvent) -> None:
    """The broker asks to cancel an own-fleet booking: cancelled, or refused with the reason (intake/service.py)."""
    if event.tenantid is not None:
        cancel_order(session, event.tenantid, dict(event.data))


def on_route_changed(session: Session, event: CloudEvent) -> None:
    """A live route changed: tell the broker the new ETAs of its bookings still to come on it
    (`route.changed` names the orders that moved in or out, not the times of the others)."""
    if event.tenantid is None:
        return
    found = own_fleet_etas(session, event.data.get("route_id"))
    if found is None or not found[1]:
        return  # not live, or no broker booking on it
    route, stops = found
    data = {"route_id": route.id, "revision": route.revision, "as_of": event.time.isoformat(), "stops": stops}
    publish(session, type=OWN_FLEET_ETAS, subject=str(route.id), tenant_id=event.tenantid, data=data)


SUBSCRIPTIONS: dict[str, EventHandler] = {
    DELIVERY_REQUESTED: on_delivery_requested,
    CANCEL_REQUESTED: on_cancel_requested,
    ROUTE_CHANGED: on_route_changed,
}
