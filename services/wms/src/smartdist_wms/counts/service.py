"""Cycle count use cases: open a task, count blind, approve (or reject) the variance."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist.problems import Conflict, NotFound
from smartdist_wms.counts.models import CountLine, CountTask
from smartdist_wms.counts.schemas import CountIn, CountLineOut, CountTaskOut
from smartdist_wms.locations.service import location_by_code
from smartdist_wms.products.service import resolve_scan
from smartdist_wms.stock.models import StockItem
from smartdist_wms.stock.service import Ledger, item_for, lock_items, lot_details


class CountNotOpen(Conflict):
    title = "Count task is not in a state for this"


def open_task(session: Session, location_code: str) -> CountTask:
    """A count task for a location; the location takes no new allocations until it closes."""
    location = location_by_code(session, location_code)
    if session.scalar(
        select(CountTask.id).where(CountTask.location_id == location.id, CountTask.status.in_(("open", "counted")))
    ):
        raise CountNotOpen(f"location {location.code} already has an open count")
    task = CountTask(location=location, status="open", location_status=location.status)
    location.status = "counting"
    session.add(task)
    session.flush()
    return task


def get_task(session: Session, task_id: int, *, lock: bool = False) -> CountTask:
    stmt = select(CountTask).where(CountTask.id == task_id)
    if lock:
        stmt = stmt.with_for_update(of=CountTask).execution_options(populate_existing=True)
    task = session.scalars(stmt).unique().one_or_none()
    if task is None:
        raise NotFound(f"No count task {task_id}.")
    return task


def enter_count(session: Session, task_id: int, body: CountIn, *, by: str) -> CountTask:
    """What the clerk found (blind: they never saw the books); everything else there counts 0."""
    task = get_task(session, task_id, lock=True)
    if task.status != "open":
        raise CountNotOpen(f"count task {task.id} is {task.status}")
    counted: dict[tuple[int, str, str], int] = {}
    for i, line in enumerate(body.lines):
        product = resolve_scan(session, line.sku, ["body", "lines", i, "sku"]).product
        lot, expiry = lot_details(session, product, line.lot, line.expiry, ["body", "lines", i])
        key = (product.id, lot, expiry)
        counted[key] = counted.get(key, 0) + line.qty
    books = {
        (i.product_id, i.lot, i.expiry): i.on_hand
        for i in session.scalars(select(StockItem).where(StockItem.location_id == task.location_id)).unique()
        if i.on_hand
    }
    task.lines = [
        CountLine(product_id=key[0], lot=key[1], expiry=key[2], counted=counted.get(key, 0), expected=books.get(key, 0))
        for key in sorted(set(counted) | set(books))
    ]
    task.status, task.counted_at, task.counted_by = "counted", utcnow(), by[:100]
    session.flush()
    return task


def close_task(session: Session, task_id: int, *, approve: bool, by: str) -> CountTask:
    """Approve: stock becomes what was counted (a ledger row per difference); reject: nothing changes."""
    task = get_task(session, task_id, lock=True)
    if task.status != "counted":
        raise CountNotOpen(f"count task {task.id} is {task.status}; only a counted task is approved or rejected")
    if approve:
        location = task.location
        targets = [
            (item_for(session, line.product, location, line.lot, line.expiry, lock=False), line)
            for line in task.lines
            if line.counted != line.expected
        ]
        items = lock_items(session, [item.id for item, _ in targets])
        ledger = Ledger(session, doc_type="count_task", doc_id=task.id, by=by)
        for item, line in targets:
            # Against the books now: picks may have moved units since the count was entered.
            ledger.change(
                items[item.id], on_hand=line.counted - items[item.id].on_hand, reason="count", note=f"count {task.id}"
            )
        ledger.close()
    task.status = "approved" if approve else "rejected"
    task.closed_at, task.closed_by = utcnow(), by[:100]
    task.location.status = task.location_status if task.location_status != "counting" else "active"
    session.flush()
    return task


def task_out(task: CountTask) -> CountTaskOut:
    blind = task.status == "open"
    return CountTaskOut(
        id=task.id,
        location=task.location.code,
        status=task.status,
        lines=[
            CountLineOut(
                sku=line.product.sku,
                lot=line.lot or None,
                expiry=line.expiry or None,
                counted=None if blind else line.counted,
                expected=None if blind else line.expected,
                variance=None if blind else line.counted - line.expected,
            )
            for line in task.lines
        ],
        created_at=task.created_at,
        counted_at=task.counted_at,
        counted_by=task.counted_by,
        closed_at=task.closed_at,
    )
