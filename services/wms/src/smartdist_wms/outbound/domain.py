"""Rules and errors of outbound orders."""

from __future__ import annotations

from smartdist.problems import Conflict, Unprocessable

OPEN = ("created", "allocated", "picking", "picked", "packed")
ALLOCATABLE = ("created", "allocated", "picking")
PICKABLE = ("allocated", "picking")


class OrderNotOpen(Conflict):
    title = "Order is not in a state for this"


class CannotAllocate(Conflict):
    title = "Not enough available stock"


class PickTooMuch(Conflict):
    title = "Picking more than allocated there"


class NotFullyPicked(Conflict):
    title = "Order is not fully picked"


class PackMismatch(Conflict):
    title = "Packing does not match what was picked"


class WrongScan(Unprocessable):
    title = "Scan does not match the task"


def status_after_pick(lines: list[tuple[int, int]]) -> str:
    """picking while any line (qty, picked) still lacks units, picked when every line is complete."""
    return "picked" if all(picked >= qty for qty, picked in lines) else "picking"
