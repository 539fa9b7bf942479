"""Can a van of the merchant take one more delivery within its shift? (pure; the broker asks
before it offers the own fleet, `POST /api/v1/own-fleet/capacity-checks`).

A van can take the trip when it can leave its depot, reach the customer inside the delivery
window, serve them and be back at the depot before its shift ends, and the goods fit. Travel
time is the planner's default estimate (great circle x 1.3 road detour at the Taipei speed of
that hour). This is a first answer for a quote, not a plan: the route planner still decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from smartdist.timeparams import TAIPEI
from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider

# Reason codes, most telling first when no van can take it.
NO_VEHICLE = "no_vehicle"  # no van set up
NO_DRIVER = "no_driver"  # no van has a driver
NO_DEPOT = "no_depot"  # no van has a depot to leave from
CAPACITY = "capacity"  # the goods fit no van
SHIFT_OVER = "shift_over"  # every shift is over (or ends before the van could be back)
TIME_WINDOW = "time_window"  # a shift has room, but not inside the delivery window
REASONS = {
    NO_VEHICLE: "no vehicle is set up in dispatch",
    NO_DRIVER: "no vehicle has a driver",
    NO_DEPOT: "no vehicle has a depot to leave from",
    CAPACITY: "the goods fit no vehicle",
    SHIFT_OVER: "every vehicle's shift is over for this delivery",
    TIME_WINDOW: "no vehicle can reach the customer within the delivery window in its shift",
}
_PRIORITY = (SHIFT_OVER, TIME_WINDOW, CAPACITY, NO_DEPOT, NO_DRIVER)


@dataclass(frozen=True)
class Van:
    code: str
    depot: tuple[float, float] | None  # (lat, lng)
    shift_start: time
    shift_end: time
    has_driver: bool
    capacity_weight_kg: float
    capacity_volume_l: float
    capacity_boxes: int


@dataclass(frozen=True)
class Load:
    weight_kg: float = 0.0
    volume_l: float = 0.0
    boxes: int = 1


@dataclass(frozen=True)
class Verdict:
    can_take: bool
    reason_code: str | None = None
    vehicle_code: str | None = None
    arrival: datetime | None = None

    @property
    def reason(self) -> str:
        return REASONS.get(self.reason_code or "", "")


def _travel_s(depot: tuple[float, float], dropoff: tuple[float, float], at: datetime) -> float:
    local = at.astimezone(TAIPEI)
    seconds_of_day = local.hour * 3600 + local.minute * 60
    matrix = HaversineMatrixProvider().matrix([(depot[1], depot[0]), (dropoff[1], dropoff[0])], seconds_of_day)
    return float(matrix.duration_s[0][1])


def _shifts(van: Van, around: datetime) -> list[tuple[datetime, datetime]]:
    """The van's shifts on the day before, of and after `around` (Taipei), as aware datetimes;
    an end at or before the start runs past midnight."""
    day = around.astimezone(TAIPEI).date()
    shifts = []
    for offset in (-1, 0, 1):
        d = day + timedelta(days=offset)
        start = datetime.combine(d, van.shift_start, tzinfo=TAIPEI)
        end = datetime.combine(d, van.shift_end, tzinfo=TAIPEI)
        if end <= start:
            end += timedelta(days=1)
        shifts.append((start, end))
    return shifts


def _fits(van: Van, load: Load) -> bool:
    return (
        load.weight_kg <= van.capacity_weight_kg
        and load.volume_l <= van.capacity_volume_l
        and load.boxes <= van.capacity_boxes
    )


def assess(
    vans: Sequence[Van],
    dropoff: tuple[float, float],
    window: tuple[datetime, datetime],
    *,
    now: datetime,
    service_s: float,
    load: Load = Load(),
) -> Verdict:
    """The first van (earliest arrival) that can serve `dropoff` inside `window` within its
    shift, or the reason none can."""
    if not vans:
        return Verdict(False, NO_VEHICLE)
    window_start, window_end = window
    found: set[str] = set()
    best: Verdict | None = None
    for van in vans:
        if not van.has_driver:
            found.add(NO_DRIVER)
            continue
        if van.depot is None:
            found.add(NO_DEPOT)
            continue
        if not _fits(van, load):
            found.add(CAPACITY)
            continue
        travel = timedelta(seconds=_travel_s(van.depot, dropoff, max(now, window_start)))
        service = timedelta(seconds=service_s)
        overlapping = False
        for shift_start, shift_end in _shifts(van, window_start):
            if shift_end <= window_start or shift_start >= window_end:
                continue  # this shift and the delivery window do not meet
            overlapping = True
            earliest = max(shift_start + travel, now + travel, window_start)
            back_by = shift_end - travel - service  # served and back at the depot by the shift's end
            if earliest > back_by:
                found.add(SHIFT_OVER)
                continue
            if earliest > window_end:
                found.add(TIME_WINDOW)
                continue
            if best is None or best.arrival is None or earliest < best.arrival:
                best = Verdict(True, None, van.code, earliest)
        if not overlapping:
            found.add(SHIFT_OVER)
    if best is not None:
        return best
    for code in _PRIORITY:
        if code in found:
            return Verdict(False, code)
    return Verdict(False, SHIFT_OVER)
