"""The rules of a stop's outcome, pure: which driver action moves a stop, which is a replay, which conflicts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PENDING, ARRIVED, DELIVERED, FAILED = "pending", "arrived", "delivered", "failed"
FINAL = frozenset({DELIVERED, FAILED})
REASON_CODES = ("damaged", "refused", "nobody_home", "address_wrong", "closed", "other")


class Action(StrEnum):
    ARRIVE = "arrive"
    DELIVER = "deliver"
    FAIL = "fail"


TARGET = {Action.ARRIVE: ARRIVED, Action.DELIVER: DELIVERED, Action.FAIL: FAILED}


class Step(StrEnum):
    APPLY = "apply"  # the stop moves to the action's status
    REPLAY = "replay"  # nothing changes; answer with the stop as it is


class StopConflict(Exception):
    """The action contradicts what already happened at the stop (deliver a failed stop)."""

    def __init__(self, current: str, action: Action) -> None:
        super().__init__(f"the stop is already {current}; it cannot be {TARGET[action]} now")
        self.current = current
        self.action = action


def next_step(current: str, action: Action) -> Step:
    """pending -> arrived -> delivered | failed; pending -> delivered | failed directly.

    Phones queue actions offline and replay them after reconnecting, so an action the stop has
    already gone through (or gone past, for an arrival) is answered with the current state.
    """
    target = TARGET[action]
    if current == target:
        return Step.REPLAY
    if action is Action.ARRIVE:
        if current == PENDING:
            return Step.APPLY
        return Step.REPLAY  # arrived long ago: the stop is already delivered or failed
    if current in (PENDING, ARRIVED):
        return Step.APPLY
    raise StopConflict(current, action)


@dataclass(frozen=True)
class RouteProgress:
    """What one stop's change does to its route."""

    starts: bool  # the route's first activity: published -> in_progress
    completes: bool  # the route's last open stop closed: -> completed


def route_progress(route_status: str, stop_statuses_after: list[str]) -> RouteProgress:
    """``stop_statuses_after``: every stop of the route once this change is applied."""
    starts = route_status == "published"
    completes = route_status != "completed" and all(s in FINAL for s in stop_statuses_after)
    return RouteProgress(starts=starts, completes=completes)


def cash_exception(expected_twd: int, collected_twd: int | None) -> bool:
    """A delivered stop whose cash differs from what the order said to collect."""
    if expected_twd <= 0:
        return bool(collected_twd)
    return collected_twd != expected_twd
