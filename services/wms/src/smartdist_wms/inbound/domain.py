"""Rules and errors of inbound orders: over / short receipt, when an order is complete."""

from __future__ import annotations

from dataclasses import dataclass

from smartdist.problems import Conflict, Unprocessable

RECEIVABLE = ("created", "receiving", "putaway")


class InboundNotOpen(Conflict):
    title = "Inbound order is not in a state for this"


class OverReceipt(Conflict):
    title = "More received than announced"


class NothingToPutAway(Conflict):
    title = "Not that much received and waiting for putaway"


class OverCapacity(Conflict):
    title = "Location is full"


class NotOnOrder(Unprocessable):
    title = "Product is not on this order"


@dataclass(frozen=True)
class ReceiptRules:
    over_receipt_pct: int = 0
    short_receipt: str = "close"  # close | backorder


def most_receivable(announced: int, rules: ReceiptRules) -> int:
    """The most units of an announced quantity the supplier's rules let the dock accept."""
    return announced + announced * rules.over_receipt_pct // 100


def is_complete(lines: list[tuple[int, int]], waiting: int, rules: ReceiptRules) -> bool:
    """Complete when something arrived, every sound unit is put away and, for a supplier whose
    short deliveries are back-ordered, every line (announced, received) arrived in full."""
    if waiting > 0 or not any(received for _, received in lines):
        return False
    if rules.short_receipt == "backorder":
        return all(received >= announced for announced, received in lines)
    return True


class NotInspected(Conflict):
    title = "Goods are waiting for inspection"


class NothingToInspect(Conflict):
    title = "Not that much received and waiting for inspection"


class ReceiptLocation(Unprocessable):
    title = "Receipt location does not fit this warehouse's receiving steps"


class NoInspectionStep(Conflict):
    title = "This warehouse receives without an inspection step"


def free_to_put_away(sound: int, inspected: int, put_away: int, steps: int) -> int:
    """Units of a received lot that may be put away: the sound ones, or with 3-step receiving only
    those inspection released."""
    return max(0, (inspected if steps == 3 else sound) - put_away)


def waiting_inspection(sound: int, inspected: int, put_away: int) -> int:
    """Sound units of a received lot that inspection has not judged yet (units put away before a
    warehouse turned inspection on count as judged)."""
    return max(0, sound - max(inspected, put_away))
