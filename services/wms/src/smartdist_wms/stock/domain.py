"""Pure stock rules: which units an order takes (FEFO / FIFO), near-expiry windows, stock errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from smartdist.problems import Conflict, Unprocessable


class NotEnoughStock(Conflict):
    title = "Not enough stock"


class StockAmbiguous(Unprocessable):
    title = "Say which lot"


@dataclass(frozen=True)
class Available:
    """Units of one stock item an order could take."""

    stock_id: int
    product_id: int
    expiry: str  # "" when undated
    received_at: datetime
    available: int


@dataclass(frozen=True)
class Need:
    line_id: int
    product_id: int
    qty: int
    rule: str  # fefo | fifo


@dataclass(frozen=True)
class Take:
    line_id: int
    stock_id: int
    qty: int


@dataclass(frozen=True)
class Shortfall:
    line_id: int
    needed: int
    available: int


def removal_order(rule: str, stock: Sequence[Available]) -> list[Available]:
    """FEFO: earliest expiry first, undated after dated, then oldest receipt; FIFO: oldest receipt."""
    if rule == "fifo":
        return sorted(stock, key=lambda s: (s.received_at, s.stock_id))
    return sorted(stock, key=lambda s: (s.expiry == "", s.expiry, s.received_at, s.stock_id))


def plan_allocation(needs: Sequence[Need], stock: Sequence[Available]) -> tuple[list[Take], list[Shortfall]]:
    """What each line takes from which stock item; every shortfall when stock cannot cover a line.

    Two lines of the same product share its stock: the first line takes first.
    """
    left = {s.stock_id: s.available for s in stock}
    takes: list[Take] = []
    short: list[Shortfall] = []
    for need in needs:
        candidates = removal_order(need.rule, [s for s in stock if s.product_id == need.product_id])
        wanted = need.qty
        for s in candidates:
            if wanted == 0:
                break
            q = min(wanted, left[s.stock_id])
            if q > 0:
                takes.append(Take(need.line_id, s.stock_id, q))
                left[s.stock_id] -= q
                wanted -= q
        if wanted:
            short.append(Shortfall(need.line_id, need.qty, need.qty - wanted))
    return takes, short


def near_expiry_horizon(today: date, days: int) -> str:
    """The last expiry date (YYYY-MM-DD) inside a window of ``days`` from ``today``."""
    return (today + timedelta(days=days)).isoformat()


def is_near_expiry(expiry: str, today: date, days: int) -> bool:
    return expiry != "" and expiry <= near_expiry_horizon(today, days)
