"""Stock use cases: every change goes through a Ledger, which writes the movement with it.

Concurrency: a change is one conditional UPDATE (``on_hand + d >= allocated + d'``...) on a row
the caller has locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers with
BEGIN IMMEDIATE), and the table's CHECK constraints refuse negative or over-allocated stock even
if a use case got it wrong. Rows are always locked in id order, so two clerks never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from smartdist.bus.outbox import publish
from smartdist.db import TENANT_KEY, utcnow
from smartdist_wms.config import get_settings
from smartdist_wms.locations.domain import LocationBlocked
from smartdist_wms.locations.models import Location
from smartdist_wms.locations.service import location_by_code
from smartdist_wms.outbound.models import Allocation
from smartdist_wms.products.domain import LotRequired
from smartdist_wms.products.models import Product
from smartdist_wms.products.service import product_by_sku
from smartdist_wms.stock.domain import NotEnoughStock, StockAmbiguous, is_near_expiry
from smartdist_wms.stock.models import Movement, NearExpiryNotice, StockItem

STOCK_CHANGED = "smartdist.wms.stock.changed"
LOT_NEAR_EXPIRY = "smartdist.wms.lot.near_expiry"
ARRIVALS = {"putaway", "adjust", "move_in", "restock", "count"}


def local_today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def end_of_day(day: str) -> str:
    """The last moment of an expiry day in the warehouse's zone (RFC 3339)."""
    zone = ZoneInfo(get_settings().timezone)
    end = datetime.combine(date.fromisoformat(day), time(23, 59, 59), tzinfo=zone)
    return end.isoformat()


def lock_items(session: Session, ids: Iterable[int]) -> dict[int, StockItem]:
    """Lock stock items in id order (the one order every use case follows) and return them fresh."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = (
        select(StockItem)
        .where(StockItem.id.in_(wanted))
        .order_by(StockItem.id)
        .with_for_update(of=StockItem)
        .execution_options(populate_existing=True)
    )
    return {item.id: item for item in session.scalars(stmt).unique()}


def item_for(
    session: Session, product: Product, location: Location, lot: str, expiry: str, *, lock: bool = True
) -> StockItem:
    """The stock item of this product, lot and expiry in this location, created empty if new.

    Locked unless ``lock`` is false: a use case touching several rows creates them unlocked and
    then locks them all with ``lock_items`` (id order), or two clerks could deadlock.
    """
    stmt = select(StockItem).where(
        StockItem.product_id == product.id,
        StockItem.location_id == location.id,
        StockItem.lot == lot,
        StockItem.expiry == expiry,
    )
    if lock:
        stmt = stmt.with_for_update(of=StockItem).execution_options(populate_existing=True)
    item = session.scalars(stmt).unique().one_or_none()
    if item is not None:
        return item
    fresh = StockItem(product=product, location=location, lot=lot, expiry=expiry, on_hand=0, allocated=0)
    try:
        with session.begin_nested():
            session.add(fresh)
            session.flush()
        return fresh
    except IntegrityError:
        # Another clerk created it between our look and our insert (PostgreSQL waited for them).
        return session.scalars(stmt).unique().one()


@dataclass
class Ledger:
    """The movements of one use case; ``close()`` announces what changed (same transaction)."""

    session: Session
    doc_type: str = ""
    doc_id: int | None = None
    by: str = ""

    def __post_init__(self) -> None:
        self._products: dict[int, Product] = {}
        self._arrivals: dict[int, StockItem] = {}

    def change(self, item: StockItem, *, on_hand: int = 0, allocated: int = 0, reason: str, note: str = "") -> None:
        """Apply one change, or raise NotEnoughStock and change nothing."""
        if on_hand == 0 and allocated == 0:
            return
        stmt = (
            update(StockItem)
            .where(
                StockItem.id == item.id,
                StockItem.on_hand + on_hand >= 0,
                StockItem.allocated + allocated >= 0,
                StockItem.on_hand + on_hand >= StockItem.allocated + allocated,
            )
            .values(
                on_hand=StockItem.on_hand + on_hand,
                allocated=StockItem.allocated + allocated,
                updated_at=utcnow(),
            )
            .returning(StockItem.on_hand, StockItem.allocated)
            .execution_options(synchronize_session=False)
        )
        row = self.session.execute(stmt).first()
        if row is None:
            product, location = item.product, item.location
            raise NotEnoughStock(
                f"{product.sku} in {location.code}{_lot_text(item)}: on hand {item.on_hand}, allocated "
                f"{item.allocated}; a change of {on_hand:+d} on hand / {allocated:+d} allocated would make it "
                "negative or below what is allocated"
            )
        set_committed_value(item, "on_hand", row.on_hand)
        set_committed_value(item, "allocated", row.allocated)
        self.session.add(
            Movement(
                stock_item_id=item.id,
                d_on_hand=on_hand,
                d_allocated=allocated,
                reason=reason,
                note=note[:200],
                doc_type=self.doc_type,
                doc_id=self.doc_id,
                by=self.by[:100],
            )
        )
        self._products[item.product_id] = item.product
        if on_hand > 0 and reason in ARRIVALS:
            self._arrivals[item.id] = item

    def close(self) -> None:
        """Write stock.changed per product and lot.near_expiry for near-expiry arrivals."""
        self.session.flush()
        if not self._products:
            return
        tenant = str(self.session.info[TENANT_KEY])
        announce_stock(self.session, tenant, list(self._products.values()))
        today = local_today()
        for item in self._arrivals.values():
            if is_near_expiry(item.expiry, today, item.product.near_expiry_days):
                announce_near_expiry(self.session, tenant, item, today)
        self._products.clear()
        self._arrivals.clear()


def _lot_text(item: StockItem) -> str:
    parts = [f"lot {item.lot}" if item.lot else "", f"expiry {item.expiry}" if item.expiry else ""]
    text = ", ".join(p for p in parts if p)
    return f" ({text})" if text else ""


def announce_stock(session: Session, tenant: str, products: Sequence[Product]) -> None:
    """One stock.changed per product: its warehouse-wide totals now (forecast keeps the latest)."""
    totals = {
        row.product_id: row
        for row in session.execute(
            select(
                StockItem.product_id,
                func.coalesce(func.sum(StockItem.on_hand), 0).label("on_hand"),
                func.coalesce(func.sum(StockItem.allocated), 0).label("allocated"),
            )
            .where(StockItem.product_id.in_([p.id for p in products]))
            .group_by(StockItem.product_id)
        )
    }
    at = datetime.now(UTC).isoformat()
    for product in products:
        row = totals.get(product.id)
        on_hand = int(row.on_hand) if row else 0
        allocated = int(row.allocated) if row else 0
        publish(
            session,
            type=STOCK_CHANGED,
            subject=product.sku,
            data={
                "warehouse": get_settings().warehouse_code,
                "sku": product.sku,
                "on_hand": on_hand,
                "allocated": allocated,
                "available": on_hand - allocated,
                "unit": product.unit,
                "at": at,
            },
            tenant_id=tenant,
        )


def announce_near_expiry(session: Session, tenant: str, item: StockItem, today: date) -> bool:
    """lot.near_expiry for a stock item, once per item; False when it was announced before."""
    if session.scalar(select(NearExpiryNotice.id).where(NearExpiryNotice.stock_item_id == item.id)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(NearExpiryNotice(stock_item_id=item.id))
            session.flush()
    except IntegrityError:
        return False
    product = item.product
    publish(
        session,
        type=LOT_NEAR_EXPIRY,
        subject=f"{product.sku}/{item.lot or item.expiry}/{item.location.code}",
        data={
            "sku": product.sku,
            "name": product.name,
            "unit": product.unit,
            "lot": item.lot or None,
            "expiry": item.expiry,
            "best_before": end_of_day(item.expiry),
            "days_left": (date.fromisoformat(item.expiry) - today).days,
            "location": item.location.code,
            "warehouse": get_settings().warehouse_code,
            "quantity": item.on_hand - item.allocated,
            "on_hand": item.on_hand,
            "stock_id": item.id,
        },
        tenant_id=tenant,
    )
    return True


def announce_lots_entering_window(session: Session, tenant: str) -> int:
    """The schedule's part: announce every not yet announced lot now inside its product's window."""
    today = local_today()
    horizon = (today + timedelta(days=365)).isoformat()
    stmt = (
        select(StockItem)
        .outerjoin(NearExpiryNotice, NearExpiryNotice.stock_item_id == StockItem.id)
        .where(
            StockItem.expiry != "",
            StockItem.expiry <= horizon,
            StockItem.on_hand > StockItem.allocated,
            NearExpiryNotice.id.is_(None),
        )
        .order_by(StockItem.id)
    )
    count = 0
    for item in session.scalars(stmt).unique().all():
        if is_near_expiry(item.expiry, today, item.product.near_expiry_days):
            count += announce_near_expiry(session, tenant, item, today)
    return count


def stock_item_to_remove(
    session: Session,
    product: Product,
    location: Location,
    lot: str | None,
    expiry: str | None,
    *,
    lock: bool = True,
) -> StockItem | None:
    """The one stock item a removal without full lot details means, locked; None when there is none."""
    stmt = select(StockItem.id).where(StockItem.product_id == product.id, StockItem.location_id == location.id)
    if lot is not None:
        stmt = stmt.where(StockItem.lot == lot)
    if expiry is not None:
        stmt = stmt.where(StockItem.expiry == expiry)
    ids = list(session.scalars(stmt.where(StockItem.on_hand > 0)))
    if not ids:
        return None
    if len(ids) > 1:
        raise StockAmbiguous(
            f"{product.sku} in {location.code} is held in {len(ids)} lots; say which lot (and expiry)",
            errors=[{"loc": ["body", "lot"], "message": "several lots here"}],
        )
    if not lock:
        return session.get(StockItem, ids[0])
    return lock_items(session, ids)[ids[0]]


def lot_details(
    session: Session, product: Product, lot: str | None, expiry: date | None, loc: Sequence[str | int]
) -> tuple[str, str]:
    """The (lot, expiry) key new units of this product are stored under; 422 when tracking lacks one."""
    lot_key = (lot or "").strip()
    expiry_key = expiry.isoformat() if expiry else ""
    if product.tracking == "none":
        return "", ""
    if product.tracking == "lot" and not lot_key:
        raise LotRequired(
            f"{product.sku} is lot-tracked: give its lot",
            errors=[{"loc": [*loc, "lot"], "message": f"lot required for {product.sku}"}],
        )
    if lot_key and not expiry_key:
        # A lot has one expiry: units of a known lot keep the date it arrived with.
        known = session.scalar(
            select(StockItem.expiry)
            .where(StockItem.product_id == product.id, StockItem.lot == lot_key, StockItem.expiry != "")
            .limit(1)
        )
        expiry_key = known or ""
    if product.tracking == "expiry" and not expiry_key:
        raise LotRequired(
            f"{product.sku} is expiry-tracked: give its expiry date",
            errors=[{"loc": [*loc, "expiry"], "message": f"expiry required for {product.sku}"}],
        )
    return lot_key, expiry_key


@dataclass(frozen=True)
class AdjustmentResult:
    movement_id: int
    item: StockItem
    qty: int
    reason: str


def adjust_stock(
    session: Session,
    *,
    sku: str,
    location_code: str,
    qty: int,
    reason: str,
    lot: str | None,
    expiry: date | None,
    by: str,
) -> AdjustmentResult:
    """Add (qty > 0) or remove (qty < 0) units; never below 0 nor below what is allocated."""
    product = product_by_sku(session, sku)
    location = location_by_code(session, location_code)
    ledger = Ledger(session, doc_type="adjustment", by=by)
    if qty > 0:
        lot_key, expiry_key = lot_details(session, product, lot, expiry, ("body",))
        item = item_for(session, product, location, lot_key, expiry_key)
    else:
        found = stock_item_to_remove(
            session, product, location, lot.strip() if lot else None, expiry.isoformat() if expiry else None
        )
        if found is None:
            raise NotEnoughStock(f"no {product.sku} in {location.code} to remove {-qty} from")
        item = found
    ledger.change(item, on_hand=qty, reason="adjust", note=reason)
    ledger.close()
    movement_id = session.scalar(select(func.max(Movement.id)).where(Movement.stock_item_id == item.id))
    return AdjustmentResult(int(movement_id or 0), item, qty, reason)


@dataclass(frozen=True)
class MoveResult:
    source: StockItem
    target: StockItem
    qty: int


def move_stock(
    session: Session,
    *,
    sku: str,
    source_code: str,
    target_code: str,
    qty: int,
    lot: str | None,
    by: str,
) -> MoveResult:
    """Move free (unallocated) units from one location to another."""
    product = product_by_sku(session, sku)
    source = location_by_code(session, source_code, ("body", "from_location"))
    target = location_by_code(session, target_code, ("body", "to_location"))
    if target.status != "active":
        raise LocationBlocked(f"location {target.code} is {target.status}; nothing can be put there")
    found = stock_item_to_remove(session, product, source, lot.strip() if lot else None, None, lock=False)
    if found is None:
        raise NotEnoughStock(f"no {product.sku} in {source.code} to move")
    # Create the target row unlocked, then lock both in id order.
    target_item = item_for(session, product, target, found.lot, found.expiry, lock=False)
    locked = lock_items(session, [found.id, target_item.id])
    ledger = Ledger(session, doc_type="move", by=by)
    ledger.change(locked[found.id], on_hand=-qty, reason="move_out", note=f"to {target.code}")
    ledger.change(locked[target_item.id], on_hand=qty, reason="move_in", note=f"from {source.code}")
    ledger.close()
    return MoveResult(locked[found.id], locked[target_item.id], qty)


@dataclass(frozen=True)
class LedgerCheck:
    items: int
    movements: int
    mismatches: list[dict[str, Any]]
    negative: int
    over_allocated: int
    allocation_mismatches: list[dict[str, Any]]


def verify_ledger(session: Session) -> LedgerCheck:
    """Rebuild on-hand and allocated from the ledger and compare with the stock rows."""
    sums = {
        row.stock_item_id: (int(row.on_hand), int(row.allocated))
        for row in session.execute(
            select(
                Movement.stock_item_id,
                func.sum(Movement.d_on_hand).label("on_hand"),
                func.sum(Movement.d_allocated).label("allocated"),
            ).group_by(Movement.stock_item_id)
        )
    }
    movements = int(session.scalar(select(func.count(Movement.id))) or 0)
    # No unit promised twice: a stock row's allocated is exactly what open allocations hold of it.
    open_allocations = {
        row.stock_item_id: int(row.qty)
        for row in session.execute(
            select(Allocation.stock_item_id, func.sum(Allocation.qty).label("qty"))
            .where(Allocation.state == "open")
            .group_by(Allocation.stock_item_id)
        )
    }
    allocation_mismatches: list[dict[str, Any]] = []
    mismatches: list[dict[str, Any]] = []
    negative = over = items = 0
    for item in session.scalars(select(StockItem).order_by(StockItem.id)).unique():
        items += 1
        rebuilt = sums.get(item.id, (0, 0))
        if rebuilt != (item.on_hand, item.allocated):
            mismatches.append(
                {
                    "sku": item.product.sku,
                    "location": item.location.code,
                    "lot": item.lot or None,
                    "on_hand": item.on_hand,
                    "allocated": item.allocated,
                    "ledger_on_hand": rebuilt[0],
                    "ledger_allocated": rebuilt[1],
                }
            )
        negative += item.on_hand < 0 or item.on_hand - item.allocated < 0
        over += item.allocated > item.on_hand
        promised = open_allocations.get(item.id, 0)
        if promised != item.allocated:
            allocation_mismatches.append(
                {
                    "sku": item.product.sku,
                    "location": item.location.code,
                    "allocated": item.allocated,
                    "open_allocations": promised,
                }
            )
    return LedgerCheck(items, movements, mismatches, negative, over, allocation_mismatches)


def place_filters(session: Session, sku: str | None, location: str | None) -> tuple[int | None, int | None]:
    """The ids a stock query filters on; an unknown SKU or location is a 422 naming it."""
    product_id = product_by_sku(session, sku, ("query", "sku")).id if sku is not None else None
    location_id = location_by_code(session, location, ("query", "location")).id if location is not None else None
    return product_id, location_id
