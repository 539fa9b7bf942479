"""Return use cases: notice, inspection, restock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import TENANT_KEY, utcnow
from smartdist.kpi import record
from smartdist_wms.config import get_settings
from smartdist_wms.documents.repository import get_document, lock_document
from smartdist_wms.kpi import RETURN
from smartdist_wms.locations.domain import LocationBlocked
from smartdist_wms.locations.service import locations_for_lines
from smartdist_wms.products.service import products_for_lines, resolve_scan
from smartdist_wms.returns.domain import InspectionTooMuch, NotOnReturn, RestockTooMuch, ReturnNotOpen, fully_inspected
from smartdist_wms.returns.models import ReturnLine, ReturnOrder
from smartdist_wms.returns.schemas import InspectionIn, RestockIn, ReturnIn, ReturnLineOut, ReturnOut
from smartdist_wms.stock.service import Ledger, item_for, lock_items, lot_details

RETURN_COMPLETED = "smartdist.wms.return.completed"


def _kpi(session: Session, order: ReturnOrder, status: str, elapsed_s: float | None, at: datetime) -> None:
    record(
        session,
        service="wms",
        doc_type=RETURN,
        doc_no=order.no,
        status=status,
        sender=order.customer or "",
        receiver=get_settings().warehouse_code,
        sent_at=order.created_at,
        elapsed_s=elapsed_s,
        at=at,
        ref=order.ref,
    )


def create_return(session: Session, body: ReturnIn) -> ReturnOrder:
    products = products_for_lines(session, [line.sku for line in body.lines])
    now = utcnow()
    order = ReturnOrder(
        ref=body.ref, customer=body.customer, outbound_order_id=body.outbound_order_id, status="created", created_at=now
    )
    lines = []
    for i, line in enumerate(body.lines):
        product = products[line.sku]
        lot, expiry = lot_details(session, product, line.lot, line.expiry, ["body", "lines", i])
        lines.append(ReturnLine(product=product, qty=line.qty, lot=lot, expiry=expiry))
    order.lines = lines
    session.add(order)
    session.flush()
    _kpi(session, order, "created", None, now)
    return order


def get_return(session: Session, return_id: int) -> ReturnOrder:
    return get_document(session, ReturnOrder, return_id, "return")


def lock_return(session: Session, return_id: int) -> ReturnOrder:
    return lock_document(session, ReturnOrder, return_id, "return")


def _lines_for(order: ReturnOrder, product_id: int, lot: str | None) -> list[ReturnLine]:
    return [x for x in order.lines if x.product_id == product_id and (lot is None or x.lot == lot)]


def inspect(session: Session, return_id: int, body: InspectionIn) -> ReturnOrder:
    """Judge what came back: restock (sound), damaged, scrap."""
    order = lock_return(session, return_id)
    if order.status != "created":
        raise ReturnNotOpen(f"return {order.no} is {order.status}; inspection comes first")
    for i, line_in in enumerate(body.lines):
        product = resolve_scan(session, line_in.sku, ["body", "lines", i, "sku"]).product
        lines = _lines_for(order, product.id, line_in.lot)
        if not lines:
            raise NotOnReturn(
                f"{product.sku} is not on return {order.no}",
                errors=[{"loc": ["body", "lines", i, "sku"], "message": "not on this return"}],
            )
        for kind in ("restock", "damaged", "scrap"):
            left = getattr(line_in, kind)
            for line in lines:
                room = line.qty - line.restock - line.damaged - line.scrap
                take = min(left, room)
                setattr(line, kind, getattr(line, kind) + take)
                left -= take
            if left:
                raise InspectionTooMuch(f"{product.sku}: more units judged than came back on return {order.no}")
    now = utcnow()
    if fully_inspected([(x.qty, x.restock + x.damaged + x.scrap) for x in order.lines]):
        order.status = "inspected"
        order.inspected_at = now
        _kpi(session, order, "inspected", (now - order.created_at).total_seconds(), now)
    session.flush()
    _complete_if_done(session, order)
    return order


def restock(session: Session, return_id: int, body: RestockIn, *, by: str) -> ReturnOrder:
    """Put sound returned units back into locations: on hand again."""
    order = lock_return(session, return_id)
    if order.status != "inspected":
        raise ReturnNotOpen(f"return {order.no} is {order.status}; restock follows a full inspection")
    locations = locations_for_lines(session, [line.location for line in body.lines])
    plan: list[tuple[int, int]] = []
    for i, line_in in enumerate(body.lines):
        product = resolve_scan(session, line_in.sku, ["body", "lines", i, "sku"]).product
        location = locations[line_in.location]
        if location.status != "active":
            raise LocationBlocked(f"location {location.code} is {location.status}; nothing can be put there")
        left = line_in.qty
        for line in _lines_for(order, product.id, line_in.lot):
            take = min(left, line.restock - line.restocked)
            if take <= 0:
                continue
            item = item_for(session, product, location, line.lot, line.expiry, lock=False)
            plan.append((item.id, take))
            line.restocked += take
            left -= take
        if left:
            raise RestockTooMuch(f"{product.sku}: {line_in.qty - left} left to restock on return {order.no}")
    items = lock_items(session, [item_id for item_id, _ in plan])
    ledger = Ledger(session, doc_type=RETURN, doc_id=order.id, by=by)
    for item_id, take in plan:
        ledger.change(items[item_id], on_hand=take, reason="restock", note=order.no)
    ledger.close()
    _complete_if_done(session, order)
    return order


def _complete_if_done(session: Session, order: ReturnOrder) -> None:
    if order.status != "inspected" or any(x.restocked < x.restock for x in order.lines):
        return
    now = utcnow()
    order.status = "completed"
    order.completed_at = now
    session.flush()
    publish(
        session,
        type=RETURN_COMPLETED,
        subject=order.no,
        data={
            "id": order.id,
            "no": order.no,
            "ref": order.ref,
            "customer": order.customer,
            "outbound_order_id": order.outbound_order_id,
            "completed_at": now.isoformat(),
            "lines": [
                {"sku": x.product.sku, "qty": x.qty, "restocked": x.restocked, "damaged": x.damaged, "scrap": x.scrap}
                for x in order.lines
            ],
        },
        tenant_id=str(session.info[TENANT_KEY]),
    )
    _kpi(session, order, "completed", (now - order.created_at).total_seconds(), now)


def return_out(order: ReturnOrder) -> ReturnOut:
    return ReturnOut(
        id=order.id,
        no=order.no,
        ref=order.ref,
        customer=order.customer,
        outbound_order_id=order.outbound_order_id,
        status=order.status,
        lines=[
            ReturnLineOut(
                sku=x.product.sku,
                qty=x.qty,
                lot=x.lot or None,
                expiry=x.expiry or None,
                restock=x.restock,
                damaged=x.damaged,
                scrap=x.scrap,
                restocked=x.restocked,
            )
            for x in order.lines
        ],
        created_at=order.created_at,
        completed_at=order.completed_at,
    )
