import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from smartdist_delivery_broker.adapters.port import DeliveryStatus as S
from smartdist_delivery_broker.adapters.port import StatusUpdate
from smartdist_delivery_broker.orders.domain import (
    DeliveryState,
    Outcome,
    apply_status_update,
    cancellation_refusal,
)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def update(status: S | None, minute: int, key: str | None = None, raw: str | None = None) -> StatusUpdate:
    return StatusUpdate(
        provider="lalamove",
        platform_ref="o1",
        raw_status=raw or str(status),
        status=status,
        occurred_at=T0 + timedelta(minutes=minute),
        event_key=key or f"{status}-{minute}",
    )


def run(updates: list[StatusUpdate]) -> tuple[DeliveryState, list[Outcome]]:
    state = DeliveryState.booked(T0)
    outcomes = []
    for u in updates:
        result = apply_status_update(state, u)
        state = result.state
        outcomes.append(result.outcome)
    return state, outcomes


HAPPY = [update(S.ASSIGNED, 1), update(S.PICKED_UP, 2), update(S.DELIVERED, 3)]


def test_happy_path_walks_the_lifecycle() -> None:
    state, outcomes = run(HAPPY)
    assert state.status is S.DELIVERED and state.is_terminal
    assert outcomes == [Outcome.APPLIED] * 3
    assert [c.status for c in state.history] == [S.PENDING, S.ASSIGNED, S.PICKED_UP, S.DELIVERED]


def test_repeated_webhook_is_applied_once() -> None:
    state, outcomes = run([HAPPY[0], HAPPY[0], HAPPY[1], HAPPY[1]])
    assert outcomes == [Outcome.APPLIED, Outcome.DUPLICATE, Outcome.APPLIED, Outcome.DUPLICATE]
    assert len(state.history) == 3


def test_late_earlier_status_never_moves_the_order_back_but_is_kept_in_history() -> None:
    state, outcomes = run([HAPPY[1], HAPPY[0], HAPPY[2]])
    assert outcomes == [Outcome.APPLIED, Outcome.BACKFILLED, Outcome.APPLIED]
    assert state.status is S.DELIVERED
    assigned = [c for c in state.history if c.status is S.ASSIGNED]
    assert len(assigned) == 1 and assigned[0].late


def test_status_after_delivery_is_ignored() -> None:
    state, outcomes = run([HAPPY[2], update(S.PICKED_UP, 2, key="p2"), update(S.CANCELLED, 4)])
    assert state.status is S.DELIVERED
    assert outcomes[-1] is Outcome.CONFLICT


def test_goods_can_be_returned_after_a_cancellation_in_flight() -> None:
    state, _ = run([HAPPY[0], HAPPY[1], update(S.CANCELLED, 3), update(S.RETURNED, 4)])
    assert state.status is S.RETURNED


def test_driver_change_goes_back_to_pending_only_when_it_is_newer() -> None:
    state, outcomes = run([HAPPY[0], update(S.PENDING, 2), update(S.ASSIGNED, 3)])
    assert outcomes == [Outcome.APPLIED, Outcome.APPLIED, Outcome.APPLIED]
    assert state.status is S.ASSIGNED and state.courier_accepted_at == T0 + timedelta(minutes=3)
    # The same driver change arriving after the re-assignment it preceded is stale.
    state, outcomes = run([HAPPY[0], update(S.ASSIGNED, 3), update(S.PENDING, 2)])
    assert state.status is S.ASSIGNED and outcomes[-1] is Outcome.STALE


def test_informational_and_unknown_statuses_change_nothing() -> None:
    state, outcomes = run([update(None, 1, raw="DELAYED")])
    assert outcomes == [Outcome.INFORMATIONAL] and state.status is S.PENDING


def test_same_normalised_status_keeps_newest_raw_status() -> None:
    state, outcomes = run([update(S.PENDING, 1, raw="RECEIVED")])
    assert outcomes == [Outcome.UNCHANGED] and state.raw_status == "RECEIVED"


def test_cancellation_is_refused_for_finished_orders_and_by_platform_window() -> None:
    delivered, _ = run(HAPPY)
    assert cancellation_refusal(delivered, None) == "the delivery is already delivered"
    pending = DeliveryState.booked(T0)
    assert cancellation_refusal(pending, None) is None
    assert cancellation_refusal(pending, "window closed") == "window closed"


SCRIPTS = {
    "delivered": [S.ASSIGNED, S.PICKED_UP, S.DELIVERED],
    "failed": [S.FAILED],
    "returned": [S.ASSIGNED, S.PICKED_UP, S.RETURNED],
    "cancelled_then_returned": [S.ASSIGNED, S.PICKED_UP, S.CANCELLED, S.RETURNED],
}


@settings(max_examples=200, deadline=None)
@given(
    script=st.sampled_from(sorted(SCRIPTS)),
    seed=st.integers(min_value=0, max_value=2**32),
    copies=st.integers(min_value=1, max_value=4),
)
def test_any_order_and_repetition_gives_the_same_final_status_and_one_change_each(
    script: str, seed: int, copies: int
) -> None:
    statuses = SCRIPTS[script]
    events = [update(s, i + 1) for i, s in enumerate(statuses)]
    delivered = [e for e in events for _ in range(copies)]
    random.Random(seed).shuffle(delivered)
    state, outcomes = run(delivered)
    assert state.status is statuses[-1]
    recorded = [c.status for c in state.history]
    assert len(recorded) == len(set(recorded)), "a status change was recorded twice"
    assert set(recorded) == {S.PENDING, *statuses}, "a status change was lost"
    assert outcomes.count(Outcome.DUPLICATE) == len(events) * (copies - 1)
