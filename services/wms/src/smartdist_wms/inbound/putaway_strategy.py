"""Where received goods should go: fixed location, same product, zone by category, nearest empty.

Pure: the caller gives the locations with what they hold; capacity-aware (a location with a
capacity only takes what fits). The clerk may always scan another location instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Kinds that are not storage: goods never get put away there by suggestion.
NOT_STORAGE = {"dock", "staging", "returns", "packing", "shipping"}


@dataclass(frozen=True)
class Place:
    code: str
    sequence: int
    status: str = "active"
    kind: str = "bin"
    category: str | None = None
    capacity: int | None = None
    held: int = 0  # units of anything in it now
    products: frozenset[int] = field(default_factory=frozenset)

    def fits(self, qty: int) -> bool:
        return self.capacity is None or self.held + qty <= self.capacity


@dataclass(frozen=True)
class Suggestion:
    location: str | None
    reason: str  # fixed | same_product | category_zone | nearest_empty | none


def suggest_location(
    *, product_id: int, fixed_location: str | None, category: str | None, qty: int, places: Sequence[Place]
) -> Suggestion:
    usable = sorted(
        (p for p in places if p.status == "active" and p.kind not in NOT_STORAGE and p.fits(qty)),
        key=lambda p: (p.sequence, p.code),
    )
    if fixed_location:
        for p in usable:
            if p.code == fixed_location:
                return Suggestion(p.code, "fixed")
    for p in usable:
        if product_id in p.products:
            return Suggestion(p.code, "same_product")
    empty = [p for p in usable if p.held == 0]
    if category:
        for p in empty:
            if p.category == category:
                return Suggestion(p.code, "category_zone")
    for p in empty:
        if p.category is None or p.category == category:
            return Suggestion(p.code, "nearest_empty")
    return Suggestion(None, "none")
