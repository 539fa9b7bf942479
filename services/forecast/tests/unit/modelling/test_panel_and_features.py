import numpy as np
import pandas as pd

from smartdist_forecast.modelling.features import MIN_LAG, build_features
from smartdist_forecast.modelling.panel import build_panel

from ..synthetic_panels import seasonal_panel


def test_missing_day_stays_unknown_not_zero():
    sales = pd.DataFrame(
        {
            "store": ["A", "A", "A"],
            "sku": ["x", "x", "x"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04"]),
            "qty": [5, 6, 7],
        }
    )
    panel = build_panel(sales)
    assert panel.n_days == 4
    assert np.isnan(panel.demand[0, 2])
    assert panel.first_day[0] == 0 and panel.last_day[0] == 3


def test_series_that_start_late_and_end_early_keep_their_own_span():
    sales = pd.DataFrame(
        {
            "store": ["A", "A", "B", "B"],
            "sku": ["x", "x", "x", "x"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03", "2024-01-04"]),
            "qty": [1, 2, 3, 4],
        }
    )
    panel = build_panel(sales)
    assert list(panel.first_day) == [0, 2]
    assert list(panel.last_day) == [4, 3]


def test_features_of_a_day_never_see_the_last_28_days_before_it():
    panel, _ = seasonal_panel(n_series=2, days=500)
    target = 450
    series = np.array([0, 1])
    day = np.array([target, target])
    before = build_features(panel, series, day)
    tampered = panel.truncated(panel.n_days)
    tampered.demand[:, target - MIN_LAG + 1 :] = 9999.0
    after = build_features(tampered, series, day)
    pd.testing.assert_frame_equal(before, after)


def test_features_change_when_older_history_changes():
    panel, _ = seasonal_panel(n_series=1, days=500)
    day = np.array([450])
    before = build_features(panel, np.array([0]), day)
    tampered = panel.truncated(panel.n_days)
    tampered.demand[:, 450 - MIN_LAG] += 100.0
    after = build_features(tampered, np.array([0]), day)
    assert after["lag_28"].iloc[0] == before["lag_28"].iloc[0] + 100.0


def test_pooled_weekday_factor_recovers_the_shared_weekday_shape_for_every_series():
    from ..synthetic_panels import WEEKDAY_SHAPE

    panel, _ = seasonal_panel(n_series=8, days=500)
    days = np.arange(430, 437)  # one week, well after the first year
    series = np.repeat(np.arange(8), len(days))
    day = np.tile(days, 8)
    frame = build_features(panel, series, day)
    pooled = frame["all_weekday_factor"].to_numpy().reshape(8, len(days))
    assert np.allclose(pooled, pooled[0])  # one shape for all series of the pool
    weekdays = panel.dates()[days].day_of_week.to_numpy()
    truth = WEEKDAY_SHAPE[weekdays] / WEEKDAY_SHAPE.mean()
    own = frame["weekday_factor"].to_numpy().reshape(8, len(days))
    # Pooled over 8 series the shape is much closer to the truth than one series' own estimate.
    assert np.abs(pooled[0] - truth).mean() < 0.03
    assert np.abs(pooled[0] - truth).mean() < np.abs(own - truth).mean()
    assert np.allclose(frame["category_weekday_factor"], frame["all_weekday_factor"])  # one category here
