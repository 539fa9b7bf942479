"""The WMS's stock counts: reading a ``smartdist.wms.stock.changed`` event and keeping the latest.

Accepted ``data`` (the WMS is not built yet; this is the contract forecast offers it):

    {"store": "10101", "sku": "11001010", "on_hand": 12, "at": "2026-11-26T08:00:00+08:00"}

- the place: ``store`` (a shop, as in the POS file), or ``location`` (the same, the WMS's word),
  or ``warehouse`` (a DC: kept, but recommendations only use store stock); exactly one place,
  a non-empty string or integer of at most 40 characters;
- ``sku``: non-empty string or integer, at most 60 characters;
- ``on_hand``: a finite number ≥ 0 (units);
- ``at``: when the count was taken, RFC 3339 with a UTC offset; the event's ``time`` if absent.

Anything else raises ``BadStockEvent``: the consumer leaves the message for a retry and, after
the last one, in the dead letters, where an operator sees it (nothing is dropped silently).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

PLACE_KEYS = ("store", "location", "warehouse")


class BadStockEvent(ValueError):
    """A stock.changed event whose data this service cannot use."""


@dataclass(frozen=True)
class StockCount:
    store: str
    sku: str
    on_hand: float
    at: datetime
    location_kind: str  # store | warehouse


def _code(value: Any, name: str, longest: int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadStockEvent(f"{name} must be a string or an integer, got {type(value).__name__}")
    text = str(value).strip()
    if not text or len(text) > longest:
        raise BadStockEvent(f"{name} must be 1..{longest} characters, got {text!r}")
    return text


def read_stock_event(data: Any, event_time: datetime) -> StockCount:
    """The count an event reports, or ``BadStockEvent`` naming what is wrong."""
    if not isinstance(data, dict):
        raise BadStockEvent("data must be a JSON object")
    places = {key: data[key] for key in PLACE_KEYS if data.get(key) not in (None, "")}
    if len(places) != 1:
        raise BadStockEvent(f"data must name exactly one of {', '.join(PLACE_KEYS)}; found {sorted(places) or 'none'}")
    [(key, raw_place)] = places.items()
    store = _code(raw_place, key, 40)
    sku = _code(data.get("sku"), "sku", 60)
    on_hand = data.get("on_hand")
    if isinstance(on_hand, bool) or not isinstance(on_hand, int | float) or not math.isfinite(on_hand):
        raise BadStockEvent(f"on_hand must be a number, got {on_hand!r}")
    if on_hand < 0:
        raise BadStockEvent(f"on_hand must be ≥ 0, got {on_hand}")
    raw_at = data.get("at")
    if raw_at is None:
        at = event_time
    else:
        if not isinstance(raw_at, str):
            raise BadStockEvent("at must be an RFC 3339 string")
        try:
            at = datetime.fromisoformat(raw_at)
        except ValueError:
            raise BadStockEvent(f"at {raw_at!r} is not RFC 3339") from None
        if at.tzinfo is None:
            raise BadStockEvent(f"at {raw_at!r} has no UTC offset")
    return StockCount(
        store=store,
        sku=sku,
        on_hand=float(on_hand),
        at=at,
        location_kind="warehouse" if key == "warehouse" else "store",
    )
