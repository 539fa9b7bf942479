"""Inbound use cases: create (or draft), confirm, receive with inspection, put away."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import TENANT_KEY, utcnow
from smartdist.kpi import record
from smartdist.problems import Conflict
from smartdist_wms.config import get_settings
from smartdist_wms.documents.repository import get_document, lock_document
from smartdist_wms.inbound.domain import (
    RECEIVABLE,
    InboundNotOpen,
    NoInspectionStep,
    NothingToInspect,
    NothingToPutAway,
    NotInspected,
    NotOnOrder,
    OverCapacity,
    OverReceipt,
    ReceiptLocation,
    ReceiptRules,
    free_to_put_away,
    is_complete,
    most_receivable,
    waiting_inspection,
)
from smartdist_wms.inbound.models import InboundLine, InboundOrder, ReceivedLot, Supplier
from smartdist_wms.inbound.putaway_strategy import Place, Suggestion, suggest_location
from smartdist_wms.inbound.schemas import (
    InboundLineOut,
    InboundOrderIn,
    InboundOrderOut,
    InspectionIn,
    PutawayIn,
    PutawayLineIn,
    PutawaySuggestionOut,
    ReceiptIn,
    ReceivedLotOut,
    SupplierIn,
)
from smartdist_wms.kpi import INBOUND
from smartdist_wms.locations.domain import LocationBlocked
from smartdist_wms.locations.models import Location
from smartdist_wms.locations.service import locations_for_lines
from smartdist_wms.products.models import Product
from smartdist_wms.products.service import products_for_lines, resolve_scan
from smartdist_wms.stock.models import StockItem
from smartdist_wms.stock.service import Ledger, item_for, lock_items, lot_details
from smartdist_wms.warehouses.service import receiving_steps

INBOUND_COMPLETED = "smartdist.wms.inbound.completed"


def _seconds(start: datetime | None, end: datetime) -> float | None:
    return None if start is None else max(0.0, (end - start).total_seconds())


def _kpi(session: Session, order: InboundOrder, status: str, elapsed_s: float | None, at: datetime) -> None:
    record(
        session,
        service="wms",
        doc_type=INBOUND,
        doc_no=order.no,
        status=status,
        sender=order.supplier or "",
        receiver=get_settings().warehouse_code,
        sent_at=order.created_at,
        received_at=order.receiving_started_at,
        elapsed_s=elapsed_s,
        at=at,
        ref=order.ref,
    )


def create_supplier(session: Session, body: SupplierIn) -> Supplier:
    if session.scalar(select(Supplier.id).where(Supplier.code == body.code)) is not None:
        raise Conflict(f"supplier {body.code!r} already exists")
    supplier = Supplier(**body.model_dump())
    try:
        with session.begin_nested():
            session.add(supplier)
            session.flush()
    except IntegrityError:
        raise Conflict(f"supplier {body.code!r} already exists") from None
    return supplier


def receipt_rules(session: Session, supplier: str | None) -> ReceiptRules:
    if supplier is None:
        return ReceiptRules()
    row = session.scalar(select(Supplier).where(Supplier.code == supplier))
    return ReceiptRules() if row is None else ReceiptRules(row.over_receipt_pct, row.short_receipt)


def create_inbound(
    session: Session, body: InboundOrderIn, *, status: str = "created", source: dict[str, Any] | None = None
) -> InboundOrder:
    products = products_for_lines(session, [line.sku for line in body.lines])
    now = utcnow()
    order = InboundOrder(ref=body.ref, supplier=body.supplier, status=status, source=source, created_at=now)
    order.lines = [
        InboundLine(
            product=products[line.sku],
            qty=line.qty,
            lot=line.lot,
            expiry=line.expiry.isoformat() if line.expiry else None,
        )
        for line in body.lines
    ]
    session.add(order)
    session.flush()
    _kpi(session, order, status, None, now)
    return order


def get_order(session: Session, order_id: int) -> InboundOrder:
    return get_document(session, InboundOrder, order_id, "inbound order")


def lock_order(session: Session, order_id: int) -> InboundOrder:
    return lock_document(session, InboundOrder, order_id, "inbound order")


def confirm(session: Session, order_id: int) -> InboundOrder:
    """A draft (e.g. from a replenishment suggestion) becomes an order the dock receives."""
    order = lock_order(session, order_id)
    if order.status != "draft":
        raise InboundNotOpen(f"inbound order {order.no} is {order.status}; only drafts are confirmed")
    order.status = "created"
    _kpi(session, order, "confirmed", _seconds(order.created_at, utcnow()), utcnow())
    session.flush()
    return order


def _scanned(session: Session, code: str, loc: list[str | int]) -> Product:
    return resolve_scan(session, code, loc).product


def _check_receipt_locations(body: ReceiptIn, steps: int) -> None:
    """1-step receiving names each line's location; 2- and 3-step receiving never does."""
    if steps == 1:
        bad = [i for i, line in enumerate(body.lines) if line.location is None]
        code, message = "wms.receiving.location_needed", "1-step receiving: scan the location each line goes into"
    else:
        bad = [i for i, line in enumerate(body.lines) if line.location is not None]
        code, message = "wms.receiving.location_later", f"{steps}-step receiving: put away after receiving"
    if bad:
        raise ReceiptLocation(
            message,
            code=code,
            params={"steps": steps},
            errors=[
                {"loc": ["body", "lines", i, "location"], "code": code, "params": {"steps": steps}, "message": message}
                for i in bad
            ],
        )


def receive(session: Session, order_id: int, body: ReceiptIn, *, by: str = "") -> InboundOrder:
    """Record what was counted at the dock: sound units wait for putaway (or, with 1-step
    receiving, go into the lines' locations at once), damaged ones are kept apart."""
    steps = receiving_steps(session)
    _check_receipt_locations(body, steps)
    order = _receive(session, order_id, body)
    putaways = [
        PutawayLineIn(sku=line.sku, qty=line.qty - line.damaged, location=str(line.location), lot=line.lot)
        for line in body.lines
        if line.qty > line.damaged
    ]
    if steps == 1 and putaways:
        return put_away(session, order_id, PutawayIn(lines=putaways), by=by)
    return order


def _receive(session: Session, order_id: int, body: ReceiptIn) -> InboundOrder:
    order = lock_order(session, order_id)
    if order.status not in RECEIVABLE:
        raise InboundNotOpen(f"inbound order {order.no} is {order.status}; it cannot receive goods")
    rules = receipt_rules(session, order.supplier)
    scans = [resolve_scan(session, line.sku, ["body", "lines", i, "sku"]) for i, line in enumerate(body.lines)]
    for i, (line_in, scan) in enumerate(zip(body.lines, scans, strict=True)):
        product = scan.product
        lines = [x for x in order.lines if x.product_id == product.id]
        if not lines:
            raise NotOnOrder(
                f"{product.sku} is not on inbound order {order.no}",
                errors=[{"loc": ["body", "lines", i, "sku"], "message": f"{product.sku} not on this order"}],
            )
        announced = sum(x.qty for x in lines)
        received = sum(x.received for x in lines)
        limit = most_receivable(announced, rules)
        if received + line_in.qty > limit:
            raise OverReceipt(
                f"{product.sku}: {announced} announced, {received} received, {line_in.qty} more would exceed "
                f"the {limit} this supplier's rules accept"
            )
        scanned_lot = line_in.lot or scan.lot  # a GS1 label carries its lot and date
        target = next((x for x in lines if scanned_lot and x.lot == scanned_lot), None)
        target = target or next((x for x in lines if x.received < x.qty), lines[-1])
        announced_expiry = datetime.fromisoformat(target.expiry).date() if target.expiry else None
        lot_key, expiry_key = lot_details(
            session,
            product,
            scanned_lot or target.lot,
            line_in.expiry or scan.expiry or announced_expiry,
            ["body", "lines", i],
        )
        target.received += line_in.qty
        target.damaged += line_in.damaged
        lot = next((r for r in target.lots if r.lot == lot_key and r.expiry == expiry_key), None)
        if lot is None:
            lot = ReceivedLot(line_id=target.id, lot=lot_key, expiry=expiry_key)
            target.lots.append(lot)
        lot.sound = (lot.sound or 0) + line_in.qty - line_in.damaged
        lot.damaged = (lot.damaged or 0) + line_in.damaged
        lot.put_away = lot.put_away or 0
    now = utcnow()
    if order.receiving_started_at is None:
        order.receiving_started_at = now
        order.status = "receiving"
        _kpi(session, order, "receiving", None, now)
    if all(x.received >= x.qty for x in order.lines) and order.received_at is None:
        order.received_at = now
    session.flush()
    _complete_if_done(session, order, rules)
    return order


def put_away(session: Session, order_id: int, body: PutawayIn, *, by: str) -> InboundOrder:
    """Put received sound units into locations: then they are on hand there."""
    order = lock_order(session, order_id)
    if order.status not in ("receiving", "putaway"):
        raise InboundNotOpen(f"inbound order {order.no} is {order.status}; nothing received to put away")
    steps = receiving_steps(session)
    locations = locations_for_lines(session, [line.location for line in body.lines])
    ledger = Ledger(session, doc_type=INBOUND, doc_id=order.id, by=by)
    plan: list[tuple[int, int]] = []
    pending: dict[int, int] = {}  # units this request already puts into a location
    for i, line_in in enumerate(body.lines):
        product = _scanned(session, line_in.sku, ["body", "lines", i, "sku"])
        location = locations[line_in.location]
        if location.status != "active":
            raise LocationBlocked(f"location {location.code} is {location.status}; nothing can be put there")
        waiting = [
            (line, r)
            for line in order.lines
            if line.product_id == product.id
            for r in line.lots
            if r.sound > r.put_away and (line_in.lot is None or r.lot == line_in.lot)
        ]
        left = sum(free_to_put_away(r.sound, r.inspected, r.put_away, steps) for _, r in waiting)
        if line_in.qty > left and steps == 3 and line_in.qty <= sum(r.sound - r.put_away for _, r in waiting):
            raise NotInspected(
                f"{product.sku}: {left} inspected and waiting on order {order.no}; inspect before putting away",
                code="wms.receiving.not_inspected",
                params={"sku": product.sku, "left": left, "no": order.no},
            )
        if line_in.qty > left:
            lot_text = f" lot {line_in.lot}" if line_in.lot else ""
            raise NothingToPutAway(
                f"{product.sku}{lot_text}: {left} received and waiting on order {order.no}, {line_in.qty} put away"
            )
        if location.capacity is not None:
            held = int(
                session.scalar(
                    select(func.coalesce(func.sum(StockItem.on_hand), 0)).where(StockItem.location_id == location.id)
                )
                or 0
            )
            held += pending.get(location.id, 0)
            if held + line_in.qty > location.capacity:
                raise OverCapacity(
                    f"location {location.code} holds {held} of {location.capacity}; {line_in.qty} more do not fit"
                )
        pending[location.id] = pending.get(location.id, 0) + line_in.qty
        want = line_in.qty
        for line, r in waiting:
            take = min(want, free_to_put_away(r.sound, r.inspected, r.put_away, steps))
            if take <= 0:
                continue
            item = item_for(session, product, location, r.lot, r.expiry, lock=False)
            plan.append((item.id, take))
            r.put_away += take
            line.put_away += take
            want -= take
            if want == 0:
                break
    # Lock every target row in id order (never one by one: two putaways could deadlock).
    items = lock_items(session, [item_id for item_id, _ in plan])
    for item_id, take in plan:
        ledger.change(items[item_id], on_hand=take, reason="putaway", note=order.no)
    now = utcnow()
    if order.putaway_started_at is None:
        order.putaway_started_at = now
        order.status = "putaway"
        _kpi(session, order, "putaway", _seconds(order.receiving_started_at, now), now)
    ledger.close()
    _complete_if_done(session, order, receipt_rules(session, order.supplier))
    return order


def inspect(session: Session, order_id: int, body: InspectionIn) -> InboundOrder:
    """3-step receiving: QC judges received sound units; accepted ones may be put away, rejected
    ones are kept apart as damaged."""
    if receiving_steps(session) != 3:
        raise NoInspectionStep(
            "this warehouse receives without inspection (choose 3-step receiving in the warehouse settings)",
            code="wms.receiving.no_inspection",
        )
    order = lock_order(session, order_id)
    if order.status not in ("receiving", "putaway"):
        raise InboundNotOpen(f"inbound order {order.no} is {order.status}; nothing received to inspect")
    first = all(r.inspected == 0 for line in order.lines for r in line.lots)
    for i, line_in in enumerate(body.lines):
        product = _scanned(session, line_in.sku, ["body", "lines", i, "sku"])
        lots = [
            (line, r)
            for line in order.lines
            if line.product_id == product.id
            for r in line.lots
            if line_in.lot is None or r.lot == line_in.lot
        ]
        pending = sum(waiting_inspection(r.sound, r.inspected, r.put_away) for _, r in lots)
        judged = line_in.accepted + line_in.rejected
        if judged > pending:
            raise NothingToInspect(
                f"{product.sku}: {pending} waiting for inspection on order {order.no}, {judged} judged",
                code="wms.receiving.nothing_to_inspect",
                params={"sku": product.sku, "pending": pending, "judged": judged},
            )
        accept, reject = line_in.accepted, line_in.rejected
        for line, r in lots:
            room = waiting_inspection(r.sound, r.inspected, r.put_away)
            take = min(accept, room)
            r.inspected = max(r.inspected, r.put_away) + take
            accept -= take
            room -= take
            bad = min(reject, room)
            r.sound -= bad
            r.damaged += bad
            line.damaged += bad
            reject -= bad
    now = utcnow()
    session.flush()
    if first:
        _kpi(session, order, "inspected", _seconds(order.receiving_started_at, now), now)
    _complete_if_done(session, order, receipt_rules(session, order.supplier))
    return order


def _complete_if_done(session: Session, order: InboundOrder, rules: ReceiptRules) -> None:
    waiting = sum(r.sound - r.put_away for line in order.lines for r in line.lots)
    if order.status == "completed" or not is_complete([(x.qty, x.received) for x in order.lines], waiting, rules):
        return
    now = utcnow()
    order.status = "completed"
    order.completed_at = now
    session.flush()
    publish(
        session,
        type=INBOUND_COMPLETED,
        subject=order.no,
        data={
            "id": order.id,
            "no": order.no,
            "ref": order.ref,
            "supplier": order.supplier,
            "source": order.source,
            "completed_at": now.isoformat(),
            "lines": [
                {
                    "sku": x.product.sku,
                    "qty": x.qty,
                    "received": x.received,
                    "damaged": x.damaged,
                    "put_away": x.put_away,
                }
                for x in order.lines
            ],
        },
        tenant_id=str(session.info[TENANT_KEY]),
    )
    _kpi(session, order, "completed", _seconds(order.receiving_started_at, now), now)


def cancel(session: Session, order_id: int) -> InboundOrder:
    order = lock_order(session, order_id)
    if order.status not in ("draft", "created"):
        raise InboundNotOpen(f"inbound order {order.no} is {order.status}; only orders not yet received are cancelled")
    order.status = "cancelled"
    _kpi(session, order, "cancelled", None, utcnow())
    session.flush()
    return order


def putaway_suggestions(session: Session, order: InboundOrder) -> list[PutawaySuggestionOut]:
    """A suggested location for every lot waiting at the dock (capacity-aware)."""
    locations = list(session.scalars(select(Location)))
    held: dict[int, int] = {}
    products: dict[int, set[int]] = {}
    for row in session.execute(
        select(StockItem.location_id, StockItem.product_id, StockItem.on_hand).where(StockItem.on_hand > 0)
    ):
        held[row.location_id] = held.get(row.location_id, 0) + row.on_hand
        products.setdefault(row.location_id, set()).add(row.product_id)
    places = [
        Place(
            code=loc.code,
            sequence=loc.sequence,
            status=loc.status,
            kind=loc.kind,
            category=loc.category,
            capacity=loc.capacity,
            held=held.get(loc.id, 0),
            products=frozenset(products.get(loc.id, set())),
        )
        for loc in locations
    ]
    out = []
    for line in order.lines:
        for r in line.lots:
            waiting = r.sound - r.put_away
            if waiting <= 0:
                continue
            product = line.product
            s: Suggestion = suggest_location(
                product_id=product.id,
                fixed_location=product.fixed_location,
                category=product.category,
                qty=waiting,
                places=places,
            )
            out.append(
                PutawaySuggestionOut(
                    sku=product.sku,
                    lot=r.lot or None,
                    expiry=r.expiry or None,
                    qty=waiting,
                    location=s.location,
                    reason=s.reason,
                )
            )
    return out


def order_out(order: InboundOrder) -> InboundOrderOut:
    return InboundOrderOut(
        id=order.id,
        no=order.no,
        ref=order.ref,
        supplier=order.supplier,
        status=order.status,
        source=order.source,
        lines=[
            InboundLineOut(
                sku=x.product.sku,
                name=x.product.name,
                qty=x.qty,
                lot=x.lot,
                expiry=x.expiry,
                received=x.received,
                damaged=x.damaged,
                put_away=x.put_away,
                lots=[
                    ReceivedLotOut(
                        lot=r.lot or None,
                        expiry=r.expiry or None,
                        sound=r.sound,
                        damaged=r.damaged,
                        put_away=r.put_away,
                        inspected=r.inspected,
                        waiting=r.sound - r.put_away,
                    )
                    for r in x.lots
                ],
            )
            for x in order.lines
        ],
        created_at=order.created_at,
        receiving_started_at=order.receiving_started_at,
        completed_at=order.completed_at,
    )
