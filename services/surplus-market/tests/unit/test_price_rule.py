"""The markdown price rule (SPEC §4.E), checked at every hour of a listing's life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from smartdist_surplus_market.listings.domain import MarkdownStep, percent_off_at, price_at

BEST_BEFORE = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)


def reference(list_price: int, steps: list[tuple[int, int]], floor: int | None, hours_left: Decimal) -> int:
    """The contract's words, written a second way: integers only."""
    reached = [p for h, p in steps if h >= hours_left]
    p = max(reached, default=0)
    value = (Decimal(list_price) * (100 - p) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(int(value), floor or 0)


steps_strategy = st.lists(st.tuples(st.integers(0, 96), st.integers(0, 100)), max_size=6)


@settings(max_examples=300, deadline=None)
@given(list_price=st.integers(0, 100_000), steps=steps_strategy, floor=st.none() | st.integers(0, 1000))
def test_price_at_every_hour_matches_the_rule(list_price: int, steps: list[tuple[int, int]], floor: int | None) -> None:
    md = [MarkdownStep(Decimal(h), Decimal(p)) for h, p in steps]
    for hours_left in range(0, 100):
        at = BEST_BEFORE - timedelta(hours=hours_left)
        got = price_at(list_price, md, floor, BEST_BEFORE, at)
        assert got == reference(list_price, steps, floor, Decimal(hours_left))
        assert got >= (floor or 0)
        # a minute later is never dearer (the closer to expiry, the cheaper)
        assert price_at(list_price, md, floor, BEST_BEFORE, at + timedelta(minutes=1)) <= got


def test_a_step_applies_from_exactly_its_hour() -> None:
    md = [MarkdownStep(Decimal(24), Decimal(30))]
    assert price_at(100, md, None, BEST_BEFORE, BEST_BEFORE - timedelta(hours=24, seconds=1)) == 100
    assert price_at(100, md, None, BEST_BEFORE, BEST_BEFORE - timedelta(hours=24)) == 70


def test_half_up_rounding_without_float_error() -> None:
    # 25 × 0.7 = 17.5 → 18 (half up; banker's rounding would say 18 too, 45 × 0.7 = 31.5 → 32 not 31.49...)
    md = [MarkdownStep(Decimal(10), Decimal(30))]
    at = BEST_BEFORE - timedelta(hours=1)
    assert price_at(25, md, None, BEST_BEFORE, at) == 18
    assert price_at(45, md, None, BEST_BEFORE, at) == 32
    assert price_at(5, [MarkdownStep(Decimal(10), Decimal(50))], None, BEST_BEFORE, at) == 3  # 2.5 → 3
    assert price_at(15, [MarkdownStep(Decimal(10), Decimal("12.5"))], None, BEST_BEFORE, at) == 13  # 13.125


def test_largest_reached_percent_wins_and_floor_holds() -> None:
    md = [
        MarkdownStep(Decimal(48), Decimal(20)),
        MarkdownStep(Decimal(12), Decimal(60)),
        MarkdownStep(Decimal(30), Decimal(10)),
    ]
    at = BEST_BEFORE - timedelta(hours=10)
    assert percent_off_at(md, BEST_BEFORE, at) == 60
    assert price_at(200, md, 100, BEST_BEFORE, at) == 100
    assert price_at(200, md, None, BEST_BEFORE, at) == 80
