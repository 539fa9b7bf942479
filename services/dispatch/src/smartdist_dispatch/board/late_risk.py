"""Late-risk: which pending stops will miss their window if the driver goes on from here, now.

Pure: a start point and time, then the pending stops in driving order with their windows and
service times; travel times come from the haversine matrix (the planner's default provider).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider


@dataclass(frozen=True)
class PendingStop:
    key: int  # the route_stop id
    lat: float
    lng: float
    windows: tuple[tuple[datetime, datetime], ...]  # sorted by start; empty = any time
    service_s: float


@dataclass(frozen=True)
class StopForecast:
    key: int
    eta: datetime  # when the driver gets there from here
    window_end: datetime | None  # the end of the window the stop can still make, or the last one
    late: bool
    late_by_s: float


def window_for(arrival: datetime, windows: Sequence[tuple[datetime, datetime]]) -> tuple[datetime | None, datetime]:
    """(the end of the first window not yet over at ``arrival``, when service starts); late when none."""
    for start, end in windows:
        if arrival <= end:
            return end, max(arrival, start)
    return None, arrival


def forecast_route(
    start: tuple[float, float],
    now: datetime,
    pending: Sequence[PendingStop],
    provider: HaversineMatrixProvider | None = None,
) -> list[StopForecast]:
    """ETAs from ``start`` (lat, lng) at ``now`` through ``pending`` in order, with waiting for windows."""
    if not pending:
        return []
    provider = provider or HaversineMatrixProvider()
    points = [(start[1], start[0])] + [(s.lng, s.lat) for s in pending]
    matrix = provider.matrix(points)
    out: list[StopForecast] = []
    clock = now
    for k, stop in enumerate(pending):
        clock = clock + timedelta(seconds=float(matrix.duration_s[k, k + 1]))
        end, begin = window_for(clock, stop.windows)
        if stop.windows and end is None:
            last_end = stop.windows[-1][1]
            out.append(StopForecast(stop.key, clock, last_end, True, (clock - last_end).total_seconds()))
        else:
            out.append(StopForecast(stop.key, clock, end, False, 0.0))
        clock = begin + timedelta(seconds=stop.service_s)
    return out
