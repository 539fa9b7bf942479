"""Whether a van can take one more own-fleet delivery in its shift (issue 13: at 19:20 Taipei with
every shift over, the broker offered the own fleet and the booking waited for ever)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from smartdist.timeparams import TAIPEI
from smartdist_dispatch.intake.capacity import (
    CAPACITY,
    NO_DRIVER,
    NO_VEHICLE,
    SHIFT_OVER,
    Load,
    Van,
    assess,
)

DEPOT = (25.08, 121.57)
NEAR = (25.07, 121.58)  # about 1.5 km: a few minutes' drive
VAN = Van("V1", DEPOT, time(8, 0), time(18, 0), True, 800, 3000, 20)


def at(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, 4, hh, mm, tzinfo=TAIPEI)


def window(start: datetime, hours: float = 4) -> tuple[datetime, datetime]:
    return start, start + timedelta(hours=hours)


def test_a_van_in_its_shift_takes_a_near_trip_soon_after_now() -> None:
    verdict = assess([VAN], NEAR, window(at(10)), now=at(10), service_s=300)
    assert verdict.can_take and verdict.vehicle_code == "V1"
    assert verdict.arrival is not None and at(10) < verdict.arrival < at(10, 15)


def test_at_19_20_every_shift_is_over() -> None:
    verdict = assess([VAN], NEAR, window(at(19, 20)), now=at(19, 20), service_s=300)
    assert (verdict.can_take, verdict.reason_code) == (False, SHIFT_OVER)
    assert "shift is over" in verdict.reason


def test_the_van_must_be_back_before_its_shift_ends() -> None:
    assert assess([VAN], NEAR, window(at(17, 30)), now=at(17, 30), service_s=300).can_take
    late = assess([VAN], NEAR, window(at(17, 55)), now=at(17, 55), service_s=300)
    assert (late.can_take, late.reason_code) == (False, SHIFT_OVER)


def test_a_delivery_scheduled_for_tomorrow_morning_fits_tomorrows_shift() -> None:
    tomorrow = at(9) + timedelta(days=1)
    verdict = assess([VAN], NEAR, window(tomorrow), now=at(19, 20), service_s=300)
    assert verdict.can_take and verdict.arrival is not None and verdict.arrival.date() == tomorrow.date()


def test_a_night_shift_runs_past_midnight() -> None:
    night = Van("N1", DEPOT, time(20, 0), time(2, 0), True, 800, 3000, 20)
    assert assess([night], NEAR, window(at(23, 30)), now=at(23, 30), service_s=300).can_take


def test_reasons_when_no_van_can_take_it() -> None:
    w, now = window(at(10)), at(10)
    assert assess([], NEAR, w, now=now, service_s=300).reason_code == NO_VEHICLE
    no_driver = Van("V2", DEPOT, time(8, 0), time(18, 0), False, 800, 3000, 20)
    assert assess([no_driver], NEAR, w, now=now, service_s=300).reason_code == NO_DRIVER
    heavy = assess([VAN], NEAR, w, now=now, service_s=300, load=Load(weight_kg=900))
    assert heavy.reason_code == CAPACITY
    # One van that can is enough.
    assert assess([no_driver, VAN], NEAR, w, now=now, service_s=300).can_take
