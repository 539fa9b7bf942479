"""Storing delivery orders: every creation is one KPI record and one order.created event."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from smartdist.bus.outbox import publish
from smartdist.db import ScopedSession
from smartdist.kpi import record
from smartdist.problems import Conflict
from smartdist_dispatch.fleet.models import Depot
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.schemas import OrderIn, OrderOut, stored_windows

ORDER_CREATED = "smartdist.dispatch.order.created"


def order_out(order: DeliveryOrder) -> OrderOut:
    return OrderOut(
        id=order.id, order_no=order.order_no, customer_name=order.customer_name, phone=order.phone,
        address=order.address, lat=order.lat, lng=order.lng,
        time_windows=[(w[0], w[1]) for w in order.time_windows], service_s=order.service_s,
        weight_kg=order.weight_kg, volume_l=order.volume_l, boxes=order.boxes, priority=order.priority,
        cash_to_collect_twd=order.cash_to_collect_twd, notes=order.notes, status=order.status,
        created_at=order.created_at,
    )


def existing_order_nos(session: ScopedSession, order_nos: Iterable[str]) -> set[str]:
    wanted = list(set(order_nos))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):  # keep IN lists short for large imports
        chunk = wanted[i:i + 500]
        found.update(session.scalars(select(DeliveryOrder.order_no).where(DeliveryOrder.order_no.in_(chunk))))
    return found


def sender_of(session: ScopedSession) -> str:
    """The KPI sender: the tenant's first depot, or the merchant itself when it has none yet."""
    depot = session.scalars(select(Depot.code).order_by(Depot.id).limit(1)).first()
    return depot or "merchant"


def create_orders(session: ScopedSession, bodies: list[OrderIn], *, tenant_id: str) -> list[DeliveryOrder]:
    """Store the orders (the caller has checked order_no against stored ones for imports)."""
    taken = existing_order_nos(session, (b.order_no for b in bodies))
    if taken:
        raise Conflict(f"order {sorted(taken)[0]} already exists", errors=[
            {"loc": ["body", "order_no"], "message": f"order {no} already exists"} for no in sorted(taken)])
    sender = sender_of(session)
    orders = [
        DeliveryOrder(
            order_no=b.order_no, customer_name=b.customer_name, phone=b.phone, address=b.address,
            lat=b.lat, lng=b.lng, time_windows=stored_windows(b.time_windows), service_s=b.service_s,
            weight_kg=b.weight_kg, volume_l=b.volume_l, boxes=b.boxes, priority=b.priority,
            cash_to_collect_twd=b.cash_to_collect_twd, notes=b.notes, status="created",
        )
        for b in bodies
    ]
    try:
        # A concurrent request may have stored the same order_no since the check above.
        with session.begin_nested():
            session.add_all(orders)
            session.flush()
    except IntegrityError:
        raise Conflict("an order with this order_no was created at the same time") from None
    for order in orders:
        record(session, service="dispatch", doc_type="delivery_order", doc_no=order.order_no, status="created",
               sender=sender, receiver=order.customer_name, sent_at=order.created_at,
               amount_twd=order.cash_to_collect_twd or None, tenant_id=tenant_id)
        publish(session, type=ORDER_CREATED, subject=order.order_no, tenant_id=tenant_id,
                data=order_out(order).model_dump(mode="json"))
    return orders
