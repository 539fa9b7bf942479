"""Pure rules of an outbound order's home delivery."""

from __future__ import annotations

BOOK_JOB = "wms.book_courier"
REQUESTED, BOOKING = "requested", "booking"
# The broker's one lifecycle, with ours before it; a status only ever moves up this ladder, so a
# repeated or late event (assigned after delivered) changes nothing.
RANK = {
    REQUESTED: 0,
    BOOKING: 1,
    "pending": 2,
    "assigned": 3,
    "picked_up": 4,
    "delivered": 5,
    "cancelled": 5,
    "failed": 5,
    "returned": 6,
}
FINAL = frozenset({"delivered", "cancelled", "failed", "returned"})


def moves_forward(current: str, new: str) -> bool:
    """Whether ``new`` is a later step than ``current`` (unknown statuses never are)."""
    return RANK.get(new, -1) > RANK.get(current, 0)


def idempotency_key(ref: str) -> str:
    """The booking's key at the broker: the outbound ref, so every retry books the same courier."""
    return f"wms:{ref}"
