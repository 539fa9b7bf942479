"""Pure rules of a listing: the markdown price at a moment, and the listing's domain errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from smartdist.problems import Conflict, NotFound, Unprocessable

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class MarkdownStep:
    """From ``hours_before`` best-before onwards the price is ``percent_off`` lower."""

    hours_before: Decimal
    percent_off: Decimal


def exact(value: float | int | str | Decimal) -> Decimal:
    """A JSON number as the decimal the caller wrote (12.5 stays 12.5, never 12.4999...)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def steps_from(raw: Iterable[dict[str, float | int]]) -> list[MarkdownStep]:
    return [MarkdownStep(exact(s["hours_before"]), exact(s["percent_off"])) for s in raw]


def seconds_between(start: datetime, end: datetime) -> Decimal:
    """``end - start`` in seconds, exactly (timedelta keeps microseconds as integers)."""
    delta: timedelta = end - start
    return Decimal(delta.days * 86_400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1_000_000)


def percent_off_at(steps: Iterable[MarkdownStep], best_before: datetime, at: datetime) -> Decimal:
    """The largest ``percent_off`` among steps whose ``hours_before`` ≥ the hours left at ``at``."""
    seconds_left = seconds_between(at, best_before)
    reached = [s.percent_off for s in steps if s.hours_before * 3600 >= seconds_left]
    return max(reached, default=Decimal(0))


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_at(
    list_price: int, steps: Iterable[MarkdownStep], floor_price: int | None, best_before: datetime, at: datetime
) -> int:
    """``list_price × (100 − p) / 100`` rounded half up to whole TWD, never below ``floor_price``."""
    percent = percent_off_at(steps, best_before, at)
    price = round_half_up(Decimal(list_price) * (HUNDRED - percent) / HUNDRED)
    return max(price, floor_price or 0)


def is_expired(best_before: datetime, at: datetime) -> bool:
    """At ``best_before`` itself the listing is gone."""
    return at >= best_before


class ListingNotFound(NotFound):
    title = "Listing not found"


class ListingNotReservable(Conflict):
    title = "Listing cannot be reserved"


class ListingIncomplete(Unprocessable):
    title = "Listing lacks what publishing needs"


class ListingStateConflict(Conflict):
    title = "Listing is not in a state that allows this"
