"""Rules of pick waves: how a wave's open allocations become pick lists in walking order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from smartdist.problems import Conflict, Unprocessable

STRATEGIES = ("order", "batch", "zone")


class OrderNotReleasable(Conflict):
    title = "Order cannot be released in a wave"


class WaveNotOpen(Conflict):
    title = "Wave is not open"


class NothingToPickHere(Unprocessable):
    title = "Nothing of this wave to pick here"


@dataclass(frozen=True)
class Open:
    """One open allocation of an order of the wave, with where it sits on the walk."""

    order_id: int
    tote: int
    sequence: int
    location: str
    zone: str | None
    sku: str
    name: str
    barcode: str | None
    lot: str | None
    expiry: str | None
    qty: int
    picked: int


@dataclass
class Put:
    order_id: int
    tote: int
    qty: int
    picked: int


@dataclass
class Task:
    sequence: int
    location: str
    zone: str | None
    sku: str
    name: str
    barcode: str | None
    lot: str | None
    expiry: str | None
    qty: int = 0
    picked: int = 0
    puts: list[Put] = field(default_factory=list)


@dataclass
class PickList:
    zone: str | None  # set on a zone list
    order_id: int | None  # set on an order's own list
    tasks: list[Task]


def _walk(rows: Iterable[Open]) -> list[Task]:
    """Tasks by location, product and lot in walking order (location sequence, then code), each
    split into the totes that take its units (put-to-order)."""
    tasks: dict[tuple[str, str, str | None], Task] = {}
    for r in rows:
        key = (r.location, r.sku, r.lot)
        task = tasks.get(key)
        if task is None:
            task = tasks[key] = Task(r.sequence, r.location, r.zone, r.sku, r.name, r.barcode, r.lot, r.expiry)
        task.qty += r.qty
        task.picked += r.picked
        for put in task.puts:
            if put.order_id == r.order_id:
                put.qty += r.qty
                put.picked += r.picked
                break
        else:
            task.puts.append(Put(r.order_id, r.tote, r.qty, r.picked))
    ordered = sorted(tasks.values(), key=lambda t: (t.sequence, t.location, t.sku, t.lot or ""))
    for task in ordered:
        task.puts.sort(key=lambda p: p.tote)
    return ordered


def pick_lists(strategy: str, rows: list[Open]) -> list[PickList]:
    """``order``: one list per order (tote order); ``batch``: one list for the whole wave;
    ``zone``: one list per zone, zones in the order the walk first reaches them."""
    if strategy == "batch":
        return [PickList(None, None, _walk(rows))]
    if strategy == "zone":
        by_zone: dict[str | None, list[Open]] = {}
        for r in rows:
            by_zone.setdefault(r.zone, []).append(r)
        lists = [PickList(zone, None, _walk(zone_rows)) for zone, zone_rows in by_zone.items()]
        return sorted(lists, key=lambda pl: (pl.tasks[0].sequence, pl.tasks[0].location) if pl.tasks else (0, ""))
    by_order: dict[tuple[int, int], list[Open]] = {}
    for r in rows:
        by_order.setdefault((r.tote, r.order_id), []).append(r)
    return [PickList(None, order_id, _walk(order_rows)) for (_, order_id), order_rows in sorted(by_order.items())]


def split_to_totes(qty: int, needs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Units of one scan put to orders: ``needs`` are (tote, order_id, units still to pick here);
    the lowest tote first. Returns (tote, order_id, units) for each order that takes some."""
    puts: list[tuple[int, int, int]] = []
    left = qty
    for tote, order_id, remaining in sorted(needs):
        if left == 0:
            break
        take = min(left, remaining)
        if take > 0:
            puts.append((tote, order_id, take))
            left -= take
    return puts
