"""The stop state machine and route progress, without a database."""

from __future__ import annotations

import pytest

from smartdist_dispatch.driver.domain import (
    Action,
    RouteProgress,
    Step,
    StopConflict,
    cash_exception,
    next_step,
    route_progress,
)


@pytest.mark.parametrize(
    ("current", "action", "step"),
    [
        ("pending", Action.ARRIVE, Step.APPLY),
        ("pending", Action.DELIVER, Step.APPLY),
        ("pending", Action.FAIL, Step.APPLY),
        ("arrived", Action.DELIVER, Step.APPLY),
        ("arrived", Action.FAIL, Step.APPLY),
        ("arrived", Action.ARRIVE, Step.REPLAY),
        ("delivered", Action.DELIVER, Step.REPLAY),
        ("failed", Action.FAIL, Step.REPLAY),
        # An arrival synced after the outcome: the stop is already past it.
        ("delivered", Action.ARRIVE, Step.REPLAY),
        ("failed", Action.ARRIVE, Step.REPLAY),
    ],
)
def test_allowed_moves_and_replays(current: str, action: Action, step: Step) -> None:
    assert next_step(current, action) is step


@pytest.mark.parametrize(("current", "action"), [("failed", Action.DELIVER), ("delivered", Action.FAIL)])
def test_contradicting_an_outcome_is_a_conflict(current: str, action: Action) -> None:
    with pytest.raises(StopConflict, match=f"already {current}"):
        next_step(current, action)


def test_first_change_starts_the_route_and_the_last_open_stop_completes_it() -> None:
    assert route_progress("published", ["arrived", "pending"]) == RouteProgress(starts=True, completes=False)
    assert route_progress("in_progress", ["delivered", "pending"]) == RouteProgress(starts=False, completes=False)
    assert route_progress("in_progress", ["delivered", "failed"]) == RouteProgress(starts=False, completes=True)
    # A one-stop route delivered straight away starts and completes in one step.
    one = route_progress("published", ["delivered"])
    assert one.starts and one.completes
    assert not route_progress("completed", ["delivered", "failed"]).completes


def test_cash_differing_from_what_was_due_is_an_exception() -> None:
    assert not cash_exception(500, 500)
    assert cash_exception(500, 450)
    assert cash_exception(500, None)
    assert not cash_exception(0, None) and not cash_exception(0, 0)
    assert cash_exception(0, 100)
