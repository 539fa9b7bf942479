"""Outbound use cases: create, allocate, pick, short pick, pack, ship, cancel.

Every use case that changes an order locks its row first (then stock rows in id order), so two
clerks acting on one order queue behind each other and no order is allocated or shipped twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import TENANT_KEY, utcnow
from smartdist.kpi import record
from smartdist.problems import Unprocessable
from smartdist_wms.config import get_settings
from smartdist_wms.deliveries import service as deliveries
from smartdist_wms.documents.repository import get_document, lock_document
from smartdist_wms.kpi import OUTBOUND
from smartdist_wms.locations.models import Location
from smartdist_wms.locations.service import location_by_code
from smartdist_wms.outbound import repository
from smartdist_wms.outbound.domain import (
    ALLOCATABLE,
    OPEN,
    PICKABLE,
    CannotAllocate,
    NotFullyPicked,
    OrderNotOpen,
    PackMismatch,
    PickTooMuch,
    WrongScan,
    status_after_pick,
)
from smartdist_wms.outbound.models import Allocation, OutboundLine, OutboundOrder
from smartdist_wms.outbound.schemas import (
    AllocationOut,
    OutboundLineOut,
    OutboundOrderIn,
    OutboundOrderOut,
    PickListOut,
    PickTaskOut,
)
from smartdist_wms.products.models import Product
from smartdist_wms.products.service import products_for_lines, resolve_scan
from smartdist_wms.stock.domain import Available, Need, plan_allocation
from smartdist_wms.stock.models import StockItem
from smartdist_wms.stock.service import Ledger, lock_items

OUTBOUND_SHIPPED = "smartdist.wms.outbound.shipped"


def _seconds(start: datetime | None, end: datetime) -> float | None:
    return None if start is None else max(0.0, (end - start).total_seconds())


def _kpi(session: Session, order: OutboundOrder, status: str, elapsed_s: float | None, at: datetime) -> None:
    record(
        session,
        service="wms",
        doc_type=OUTBOUND,
        doc_no=order.no,
        status=status,
        sender=get_settings().warehouse_code,
        receiver=order.customer or order.ref,
        sent_at=order.created_at,
        received_at=order.shipped_at,
        elapsed_s=elapsed_s,
        at=at,
        ref=order.ref,
    )


def create_outbound(session: Session, body: OutboundOrderIn) -> OutboundOrder:
    products = products_for_lines(session, [line.sku for line in body.lines])
    now = utcnow()
    order = OutboundOrder(ref=body.ref, customer=body.customer, status="created", created_at=now)
    order.lines = [OutboundLine(product=products[line.sku], qty=line.qty) for line in body.lines]
    session.add(order)
    session.flush()
    if body.delivery is not None:
        deliveries.request_delivery(session, order, body.delivery)
    _kpi(session, order, "created", None, now)
    return order


def get_order(session: Session, order_id: int) -> OutboundOrder:
    return get_document(session, OutboundOrder, order_id, "outbound order")


def lock_order(session: Session, order_id: int) -> OutboundOrder:
    return lock_document(session, OutboundOrder, order_id, "outbound order")


def open_allocations(session: Session, order_id: int) -> list[Allocation]:
    stmt = (
        select(Allocation)
        .where(Allocation.order_id == order_id, Allocation.state == "open")
        .order_by(Allocation.id)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(stmt).unique())


def allocation_out(a: Allocation) -> AllocationOut:
    item = a.stock_item
    return AllocationOut(
        sku=item.product.sku,
        location=item.location.code,
        lot=item.lot or None,
        expiry=item.expiry or None,
        qty=a.qty,
        picked=a.picked,
    )


def allocate(session: Session, order_id: int, *, by: str) -> tuple[OutboundOrder, list[Allocation]]:
    """Promise stock to every line not yet covered, FEFO/FIFO; all lines or none (409)."""
    order = lock_order(session, order_id)
    if order.status not in ALLOCATABLE:
        raise OrderNotOpen(f"order {order.no} is {order.status}; only created or picking orders can be allocated")
    lines = order.lines
    needs = [
        Need(line.id, line.product_id, line.qty - line.allocated, line.product.allocation)
        for line in lines
        if line.qty > line.allocated
    ]
    if not needs:
        return order, open_allocations(session, order.id)
    candidates_stmt = (
        select(StockItem.id)
        .join(Location, Location.id == StockItem.location_id)
        .where(
            StockItem.product_id.in_({n.product_id for n in needs}),
            StockItem.on_hand > StockItem.allocated,
            Location.status == "active",
        )
    )
    items = lock_items(session, session.scalars(candidates_stmt).all())
    stock = [
        Available(i.id, i.product_id, i.expiry, i.received_at, i.on_hand - i.allocated)
        for i in items.values()
        if i.on_hand > i.allocated
    ]
    takes, short = plan_allocation(needs, stock)
    if short:
        by_line = {line.id: (index, line) for index, line in enumerate(lines)}
        errors: list[dict[str, Any]] = []
        for s in short:
            index, line = by_line[s.line_id]
            errors.append(
                {
                    "loc": ["lines", index, "sku"],
                    "message": f"{line.product.sku}: needs {s.needed}, {s.available} available",
                }
            )
        detail = "; ".join(str(e["message"]) for e in errors)
        raise CannotAllocate(f"nothing allocated: {detail}", errors=errors)
    ledger = Ledger(session, doc_type=OUTBOUND, doc_id=order.id, by=by)
    line_by_id = {line.id: line for line in lines}
    for take in takes:
        ledger.change(items[take.stock_id], allocated=take.qty, reason="allocate", note=order.no)
        session.add(Allocation(order_id=order.id, line_id=take.line_id, stock_item_id=take.stock_id, qty=take.qty))
        line_by_id[take.line_id].allocated += take.qty
    now = utcnow()
    first = order.allocated_at is None
    if order.status == "created":
        order.status = "allocated"
    order.allocated_at = order.allocated_at or now
    ledger.close()
    if first:
        _kpi(session, order, "allocated", _seconds(order.created_at, now), now)
    return order, open_allocations(session, order.id)


def _scanned_product(session: Session, code: str) -> Product:
    return resolve_scan(session, code).product


def _allocations_at(
    session: Session, order: OutboundOrder, product: Product, location: Location, lot: str | None
) -> list[Allocation]:
    return [
        a
        for a in open_allocations(session, order.id)
        if a.stock_item.product_id == product.id
        and a.stock_item.location_id == location.id
        and (lot is None or a.stock_item.lot == lot)
    ]


@dataclass(frozen=True)
class Picked:
    """What one confirmed pick did: the order's status after it and its line's progress."""

    status: str
    sku: str
    location: str
    line_picked: int
    line_qty: int


def pick(session: Session, order_id: int, *, location_code: str, sku: str, qty: int, lot: str | None) -> Picked:
    """Confirm a pick scanned at a location; more than is allocated there is 409.

    The usual pick is four statements: lock the order row, read the allocations at the location
    for the scanned code (with what the order still lacks), add to the allocation and its line.
    Anything unusual (an unknown code, a GS1 scan, nothing left here) takes the full path, which
    names the mistake.
    """
    order = repository.lock_order_alone(session, order_id)
    if order is not None and order.status in PICKABLE:
        slots = repository.pick_slots(session, order_id, location_code, sku, lot)
        if slots and len({s.product_id for s in slots}) == 1:
            return _pick_slots(session, order, slots, qty)
    order, line, location = _pick_full(session, order_id, location_code=location_code, sku=sku, qty=qty, lot=lot)
    return Picked(order.status, line.product.sku, location.code, line.picked, line.qty)


def _pick_slots(session: Session, order: OutboundOrder, slots: list[repository.PickSlot], qty: int) -> Picked:
    remaining = sum(s.left for s in slots)
    first = slots[0]
    if qty > remaining:
        raise PickTooMuch(
            f"{first.sku} in {first.location}: {remaining} left to pick for order {order.no}, {qty} scanned"
        )
    left, line_picked, line_qty = qty, first.line_picked, first.line_qty
    picked_on: dict[int, int] = {}
    for slot in slots:
        take = min(left, slot.left)
        if take <= 0:
            break
        repository.add_picked(session, slot.allocation_id, slot.line_id, take)
        picked_on[slot.line_id] = picked_on.get(slot.line_id, 0) + take
        line_qty = slot.line_qty
        line_picked = slot.line_picked + picked_on[slot.line_id]
        left -= take
    now = utcnow()
    if order.picking_started_at is None:
        order.picking_started_at = now
        _kpi(session, order, "picking", None, now)
    status = "picked" if first.order_lacking - qty <= 0 else "picking"
    if status != order.status:
        order.status = status
        if status == "picked":
            order.picked_at = now
            _kpi(session, order, "picked", _seconds(order.picking_started_at, now), now)
        session.flush()
    return Picked(status, first.sku, first.location, line_picked, line_qty)


def _pick_full(
    session: Session, order_id: int, *, location_code: str, sku: str, qty: int, lot: str | None
) -> tuple[OutboundOrder, OutboundLine, Location]:
    order = lock_order(session, order_id)
    location = location_by_code(session, location_code)
    product = _scanned_product(session, sku)
    if order.status not in PICKABLE:
        raise OrderNotOpen(f"order {order.no} is {order.status}; picks need an allocated order")
    allocations = _allocations_at(session, order, product, location, lot)
    if not allocations:
        raise WrongScan(
            f"order {order.no} has no {product.sku}{f' lot {lot}' if lot else ''} allocated in {location.code}",
            errors=[{"loc": ["body", "location"], "message": f"nothing of {product.sku} to pick here"}],
        )
    remaining = sum(a.qty - a.picked for a in allocations)
    if qty > remaining:
        raise PickTooMuch(
            f"{product.sku} in {location.code}: {remaining} left to pick for order {order.no}, {qty} scanned"
        )
    line_by_id = {line.id: line for line in order.lines}
    left = qty
    line = line_by_id[allocations[0].line_id]
    for a in allocations:
        take = min(left, a.qty - a.picked)
        if take <= 0:
            continue
        a.picked += take
        line = line_by_id[a.line_id]
        line.picked += take
        left -= take
        if left == 0:
            break
    now = utcnow()
    if order.picking_started_at is None:
        order.picking_started_at = now
        _kpi(session, order, "picking", None, now)
    order.status = status_after_pick([(x.qty, x.picked) for x in order.lines])
    if order.status == "picked":
        order.picked_at = now
        _kpi(session, order, "picked", _seconds(order.picking_started_at, now), now)
    session.flush()
    return order, line, location


def short_pick(
    session: Session, order_id: int, *, location_code: str, sku: str, missing: int, lot: str | None, by: str
) -> OutboundOrder:
    """Units allocated at a location are not there: release them, take them off the location's
    on-hand (the shelf does not hold them) and mark the location for counting. Allocate again to
    take them from elsewhere."""
    order = lock_order(session, order_id)
    location = location_by_code(session, location_code)
    product = _scanned_product(session, sku)
    if order.status not in PICKABLE:
        raise OrderNotOpen(f"order {order.no} is {order.status}; short picks need an allocated order")
    allocations = _allocations_at(session, order, product, location, lot)
    unpicked = sum(a.qty - a.picked for a in allocations)
    if missing > unpicked:
        raise PickTooMuch(f"{product.sku} in {location.code}: only {unpicked} left to pick, {missing} reported missing")
    items = lock_items(session, [a.stock_item_id for a in allocations])
    ledger = Ledger(session, doc_type=OUTBOUND, doc_id=order.id, by=by)
    line_by_id = {line.id: line for line in order.lines}
    left = missing
    for a in allocations:
        take = min(left, a.qty - a.picked)
        if take <= 0:
            continue
        ledger.change(items[a.stock_item_id], on_hand=-take, allocated=-take, reason="short_pick", note=order.no)
        a.qty -= take
        if a.qty == 0:
            a.state = "released"
        line = line_by_id[a.line_id]
        line.allocated -= take
        line.picked_short += take
        left -= take
        if left == 0:
            break
    if location.status == "active":
        location.status = "counting"
    order.status = "picking" if any(x.picked for x in order.lines) else "allocated"
    ledger.close()
    return order


def pack(session: Session, order_id: int, *, sku: str, qty: int) -> OutboundOrder:
    """Packing check: each scanned item must be one still to pack; all packed makes it packed."""
    order = lock_order(session, order_id)
    if order.status != "picked":
        raise OrderNotOpen(f"order {order.no} is {order.status}; packing follows a complete pick")
    product = _scanned_product(session, sku)
    lines = [line for line in order.lines if line.product_id == product.id]
    if not lines:
        raise WrongScan(
            f"{product.sku} is not on order {order.no}",
            errors=[{"loc": ["body", "sku"], "message": f"{product.sku} not on this order"}],
        )
    left = qty
    for line in lines:
        take = min(left, line.picked - line.packed)
        line.packed += take
        left -= take
    if left:
        raise PackMismatch(f"{product.sku}: {qty - left} more to pack on order {order.no}, {qty} scanned")
    if all(line.packed >= line.qty for line in order.lines):
        now = utcnow()
        order.status = "packed"
        order.packed_at = now
        _kpi(session, order, "packed", _seconds(order.picked_at, now), now)
    session.flush()
    return order


def ship(
    session: Session,
    order_id: int,
    *,
    carrier: str | None,
    tracking_no: str | None,
    by: str,
    broker_hint: str | None = None,
) -> OutboundOrder:
    """Hand the parcel to the carrier: on-hand and allocated of every picked unit go down. An
    order with a home delivery needs no carrier: its courier is booked once the shipment commits."""
    order = lock_order(session, order_id)
    delivery = deliveries.for_order(session, order.id)
    if delivery is None and (carrier is None or tracking_no is None):
        missing = [name for name, value in (("carrier", carrier), ("tracking_no", tracking_no)) if value is None]
        raise Unprocessable(
            f"order {order.no} has no home delivery: give the carrier and its tracking number",
            errors=[{"loc": ["body", name], "message": "required without a home delivery"} for name in missing],
        )
    if order.status not in ("picked", "packed"):
        short = [f"{x.product.sku} {x.picked}/{x.qty}" for x in order.lines if x.picked < x.qty]
        detail = f"order {order.no} is {order.status}"
        if order.status in OPEN and short:
            detail += f"; not fully picked: {', '.join(short)}"
        raise NotFullyPicked(detail)
    allocations = open_allocations(session, order.id)
    items = lock_items(session, [a.stock_item_id for a in allocations])
    ledger = Ledger(session, doc_type=OUTBOUND, doc_id=order.id, by=by)
    for a in allocations:
        ledger.change(items[a.stock_item_id], on_hand=-a.picked, allocated=-a.qty, reason="ship", note=order.no)
        a.state = "shipped"
    now = utcnow()
    order.status, order.carrier, order.tracking_no, order.shipped_at = "shipped", carrier, tracking_no, now
    ledger.close()
    if delivery is not None:
        deliveries.start_booking(session, delivery, broker_hint=broker_hint)
    tenant = str(session.info[TENANT_KEY])
    publish(
        session,
        type=OUTBOUND_SHIPPED,
        subject=order.no,
        data={
            "id": order.id,
            "no": order.no,
            "ref": order.ref,
            "customer": order.customer,
            "carrier": carrier,
            "tracking_no": tracking_no,
            "shipped_at": now.isoformat(),
            "lines": [{"sku": x.product.sku, "qty": x.picked} for x in order.lines],
        },
        tenant_id=tenant,
    )
    _kpi(session, order, "shipped", _seconds(order.created_at, now), now)
    return order


def cancel(session: Session, order_id: int, *, by: str) -> OutboundOrder:
    """Cancel an order not yet shipped; its allocations are released (picked units stay put)."""
    order = lock_order(session, order_id)
    if order.status not in OPEN:
        raise OrderNotOpen(f"order {order.no} is {order.status}; it cannot be cancelled")
    allocations = open_allocations(session, order.id)
    items = lock_items(session, [a.stock_item_id for a in allocations])
    ledger = Ledger(session, doc_type=OUTBOUND, doc_id=order.id, by=by)
    for a in allocations:
        ledger.change(items[a.stock_item_id], allocated=-a.qty, reason="release", note=order.no)
        a.state = "released"
    order.status = "cancelled"
    deliveries.cancel_request(session, order.id)
    ledger.close()
    _kpi(session, order, "cancelled", None, utcnow())
    return order


def order_out(session: Session, order: OutboundOrder) -> OutboundOrderOut:
    return OutboundOrderOut(
        id=order.id,
        no=order.no,
        ref=order.ref,
        customer=order.customer,
        status=order.status,
        lines=[
            OutboundLineOut(
                sku=x.product.sku,
                name=x.product.name,
                qty=x.qty,
                allocated=x.allocated,
                picked=x.picked,
                picked_short=x.picked_short,
                packed=x.packed,
            )
            for x in order.lines
        ],
        allocations=[allocation_out(a) for a in open_allocations(session, order.id)],
        carrier=order.carrier,
        tracking_no=order.tracking_no,
        created_at=order.created_at,
        allocated_at=order.allocated_at,
        picked_at=order.picked_at,
        packed_at=order.packed_at,
        shipped_at=order.shipped_at,
        delivery=deliveries.delivery_out(deliveries.for_order(session, order.id)),
    )


def pick_list(session: Session, order: OutboundOrder) -> PickListOut:
    """The order's picks in walking order: location sequence, then code."""
    allocations: Sequence[Allocation] = open_allocations(session, order.id)
    tasks = sorted(
        allocations,
        key=lambda a: (a.stock_item.location.sequence, a.stock_item.location.code, a.stock_item.product.sku, a.id),
    )
    return PickListOut(
        order_id=order.id,
        no=order.no,
        ref=order.ref,
        status=order.status,
        tasks=[
            PickTaskOut(
                sequence=a.stock_item.location.sequence,
                location=a.stock_item.location.code,
                zone=a.stock_item.location.zone,
                sku=a.stock_item.product.sku,
                name=a.stock_item.product.name,
                barcode=a.stock_item.product.barcode,
                lot=a.stock_item.lot or None,
                expiry=a.stock_item.expiry or None,
                qty=a.qty,
                picked=a.picked,
                remaining=a.qty - a.picked,
            )
            for a in tasks
        ],
    )
