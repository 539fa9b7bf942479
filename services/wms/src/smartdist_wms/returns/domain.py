"""Rules and errors of returns."""

from __future__ import annotations

from smartdist.problems import Conflict, Unprocessable


class ReturnNotOpen(Conflict):
    title = "Return is not in a state for this"


class InspectionTooMuch(Conflict):
    title = "Inspected more than came back"


class RestockTooMuch(Conflict):
    title = "Restocking more than inspected as sound"


class NotOnReturn(Unprocessable):
    title = "Product is not on this return"


def fully_inspected(lines: list[tuple[int, int]]) -> bool:
    """Every line (qty, inspected) has had all its units judged."""
    return all(inspected >= qty for qty, inspected in lines)
