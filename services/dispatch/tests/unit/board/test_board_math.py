"""Late-risk forecasts, analytics rates and CSV, the CO2e saving, and which stops stay fixed."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from smartdist_dispatch.board.domain import co2e_kg, fixed_count, rates
from smartdist_dispatch.board.late_risk import PendingStop, forecast_route, window_for
from smartdist_dispatch.board.service import analytics_csv
from smartdist_dispatch.kpi import saved_km
from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider, SpeedProfile

NOW = datetime.fromisoformat("2026-11-27T10:00:00+08:00")
# 1 km north of the start is 0.009 degrees; a flat 36 km/h (10 m/s) and no detour keep the sums round.
FLAT = HaversineMatrixProvider(SpeedProfile(default_kmh=36.0), detour_factor=1.0)


def hours(a: float, b: float) -> tuple[datetime, datetime]:
    return NOW + timedelta(hours=a), NOW + timedelta(hours=b)


def test_a_stop_is_late_only_when_the_eta_from_here_passes_its_last_window() -> None:
    start = (25.000, 121.5)
    pending = [
        PendingStop(1, 25.009, 121.5, (hours(-1, 0.1),), 600),  # ~100 s away, window ends in 6 min: fine
        PendingStop(2, 25.018, 121.5, (hours(-2, 0.1),), 0),  # after 10 min of service: 6 min too late
        PendingStop(3, 25.027, 121.5, (hours(-3, -2), hours(1, 2)), 0),  # waits for its second window
        PendingStop(4, 25.036, 121.5, (), 0),  # no window: never late
    ]
    out = forecast_route(start, NOW, pending, FLAT)
    assert [f.late for f in out] == [False, True, False, False]
    assert (out[0].eta - NOW).total_seconds() == pytest.approx(100, abs=1)
    assert out[1].late_by_s == pytest.approx(100 + 600 + 100 - 360, abs=2)
    assert out[2].window_end == NOW + timedelta(hours=2)
    # Stop 4 is reached 100 s after stop 3's service starts, at its window opening (11:00).
    assert (out[3].eta - NOW).total_seconds() == pytest.approx(3600 + 100, abs=2)


def test_window_for_picks_the_first_window_not_over() -> None:
    windows = [hours(0, 1), hours(2, 3)]
    assert window_for(NOW + timedelta(minutes=30), windows) == (NOW + timedelta(hours=1), NOW + timedelta(minutes=30))
    assert window_for(NOW + timedelta(minutes=90), windows) == (NOW + timedelta(hours=3), NOW + timedelta(hours=2))
    assert window_for(NOW + timedelta(hours=4), windows) == (None, NOW + timedelta(hours=4))


def test_no_pending_stops_no_forecast() -> None:
    assert forecast_route((25.0, 121.5), NOW, []) == []


def test_rates_divide_by_what_was_handled_and_are_none_without_data() -> None:
    assert rates(delivered=2, failed=1, on_time=1) == {"success_rate": 0.6667, "on_time_rate": 0.5}
    assert rates(delivered=0, failed=3, on_time=0) == {"success_rate": 0.0, "on_time_rate": None}
    assert rates(delivered=0, failed=0, on_time=0) == {"success_rate": None, "on_time_rate": None}


def test_csv_has_a_column_per_reason_and_folds_unknown_reasons_into_other() -> None:
    result = {
        "items": [
            {
                "key": "V1",
                "routes": 1,
                "stops": 3,
                "delivered": 1,
                "failed": 2,
                "success_rate": 0.3333,
                "on_time_rate": None,
                "distance_m": 1200,
                "duration_s": 3600,
                "exceptions": {"refused": 1, "flat_tyre": 1},
            }
        ]
    }
    exported = analytics_csv(result)
    assert exported.startswith("\ufeff")  # a BOM, so Excel opens the CSV as UTF-8
    (row,) = csv.DictReader(io.StringIO(exported.removeprefix("\ufeff")))
    assert row["exceptions_refused"] == "1" and row["exceptions_other"] == "1" and row["exceptions_damaged"] == "0"
    assert row["on_time_rate"] == "" and row["success_rate"] == "0.3333"


def test_saving_is_never_negative_and_co2e_uses_the_van_factor() -> None:
    assert saved_km(50_000, 38_000) == 12.0
    assert saved_km(30_000, 38_000) == 0.0
    assert saved_km(None, 38_000) == 0.0
    assert co2e_kg(7_000) == pytest.approx(2.263)  # 7 km at 7 km/L is one litre of petrol
    assert co2e_kg(-5) == 0.0


def test_everything_up_to_the_last_reached_stop_stays_fixed() -> None:
    assert fixed_count(["pending", "pending"]) == 0
    assert fixed_count(["delivered", "pending", "pending"]) == 1
    # The driver skipped stop 2 and went to 3: stop 2 stays before the insertion point too.
    assert fixed_count(["delivered", "pending", "arrived", "pending"]) == 3
