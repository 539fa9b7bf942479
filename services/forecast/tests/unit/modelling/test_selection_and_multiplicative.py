import numpy as np

from smartdist_forecast.modelling.intervals import ConformalBand
from smartdist_forecast.modelling.metrics import coverage, wape
from smartdist_forecast.modelling.multiplicative import multiplicative, pooled_multiplicative
from smartdist_forecast.modelling.selection import (
    GROUPS,
    blend,
    choose_weights,
    series_groups,
    weight_grid,
    window_weights,
)

from ..synthetic_panels import seasonal_panel


def test_multiplicative_models_recover_a_weekday_and_yearly_shape():
    panel, truth = seasonal_panel(n_series=4, days=900)
    known = panel.truncated(900 - 28)
    for model in (multiplicative, pooled_multiplicative):
        forecast = model(known, 28)
        assert forecast.shape == (4, 28) and (forecast >= 0).all()
        # Close to the true means (the Poisson noise is not forecastable).
        assert wape(truth[:, -28:], forecast) < 0.08, model.__name__


def test_groups_tell_new_intermittent_changing_slow_and_fast_series_apart():
    panel, _ = seasonal_panel(n_series=6, days=500)
    panel.demand[0, :400] = np.nan  # a product listed 100 days ago
    panel.first_day[0] = 400
    panel.demand[1, ::2] = 0.0  # every other day nothing sold
    panel.demand[2, 440:] *= 1.6  # a step up 60 days ago
    group, threshold = series_groups(panel)
    assert [GROUPS[g] for g in group] == ["new", "intermittent", "changing", "slow", "fast", "fast"]
    assert series_groups(panel, slow_below=threshold)[0].tolist() == group.tolist()


def test_weights_per_group_pick_the_model_that_is_right_for_that_group():
    rng = np.random.default_rng(1)
    actual = rng.poisson(20.0, size=(40, 7)).astype(float)
    good, noisy = actual.copy(), actual + rng.normal(0, 8, size=actual.shape)
    # Model "a" is right for the first 20 rows (group "slow"), model "b" for the last 20 ("fast").
    a = np.where(np.arange(40)[:, None] < 20, good, noisy)
    b = np.where(np.arange(40)[:, None] < 20, noisy, good)
    group = np.where(np.arange(40) < 20, GROUPS.index("slow"), GROUPS.index("fast"))
    choices = choose_weights(actual, {"a": a, "b": b}, group, np.zeros(40, dtype=bool), fallback="a")
    assert choices["slow"].weights == {"a": 1.0} and choices["fast"].weights == {"b": 1.0}
    assert choices["new"].rows == 0 and choices["new"].weights == {"a": 1.0}
    assert np.allclose(blend({"a": a, "b": b}, group, choices), good)
    assert len(weight_grid(3)) == 15 and np.allclose(weight_grid(3).sum(axis=1), 1.0)


def test_the_year_ago_window_weighs_as_much_as_the_recent_windows_together():
    assert window_weights(3, seasonal_first=True) == {0: 0.5, 1: 0.25, 2: 0.25}
    assert window_weights(3, seasonal_first=False) == {0: 1 / 3, 1: 1 / 3, 2: 1 / 3}
    # Model "a" is exact in the year-ago window and 3 off in the recent ones; "b" the other way, 4 off.
    actual = np.full((3, 7), 10.0)
    a = actual + np.array([0.0, 3.0, 3.0])[:, None]
    b = actual + np.array([4.0, 0.0, 0.0])[:, None]
    group = np.full(3, GROUPS.index("fast"))
    window = np.arange(3)
    plain = choose_weights(actual, {"a": a, "b": b}, group, np.zeros(3, dtype=bool), "a", window=window)
    seasonal = choose_weights(
        actual, {"a": a, "b": b}, group, np.zeros(3, dtype=bool), "a", window, window_weights(3, True)
    )
    assert plain["fast"].weights == {"b": 1.0}  # all rows pooled: 6 vs 4 units off
    assert seasonal["fast"].weights == {"a": 1.0}  # 0.5 · 0 + 0.5 · 0.3 < 0.5 · 0.4


def test_band_per_level_group_covers_80_percent_of_slow_and_fast_series_alike():
    rng = np.random.default_rng(2)
    level = np.exp(rng.uniform(np.log(2), np.log(500), 600))[:, None] * np.ones((1, 28))
    # Poisson around a mean that is itself 25% off: fast sellers' errors grow faster than sqrt(level).
    actual = rng.poisson(level * rng.lognormal(0, 0.25, level.shape)).astype(float)
    band = ConformalBand.calibrate(actual[::2], level[::2])
    single = ConformalBand.calibrate(actual[::2], level[::2], groups=1)
    assert len(band.level_edges) == 2 and not single.lower_by_level
    fresh, fresh_level = actual[1::2], level[1::2]
    order = np.argsort(fresh_level[:, 0])
    slow, fast = order[:100], order[-100:]
    lo, hi = band.apply(fresh_level)
    lo1, hi1 = single.apply(fresh_level)
    for rows in (slow, fast):
        assert 0.75 <= coverage(fresh[rows], lo[rows], hi[rows]) <= 0.85
    # One band for all: too wide for slow sellers, too narrow for fast ones.
    assert coverage(fresh[slow], lo1[slow], hi1[slow]) > 0.85
    assert coverage(fresh[fast], lo1[fast], hi1[fast]) < 0.75


def test_the_oldest_back_test_window_is_the_forecast_season_a_year_earlier():
    from smartdist_forecast.modelling.backtest import origin_days

    panel, _ = seasonal_panel(n_series=1, days=900)
    assert origin_days(panel, 28, 3) == [816, 844, 872]
    assert origin_days(panel, 28, 3, seasonal=True) == [900 - 364, 844, 872]
    short, _ = seasonal_panel(n_series=1, days=500)  # not enough history before a year-ago window
    assert origin_days(short, 28, 3, seasonal=True) == origin_days(short, 28, 3)


def test_band_by_dispersion_fits_noisy_series_as_well_as_poisson_ones():
    from smartdist_forecast.modelling.intervals import dispersion_index

    rng = np.random.default_rng(4)
    n, days = 900, 28 + 371
    mean = rng.uniform(15, 30, n)[:, None] * np.ones((1, days))
    kind = np.arange(n) % 3  # Poisson, gamma–Poisson with k = 10, and with k = 2
    shape = np.where(kind == 1, 10.0, 2.0)[:, None]
    lumpy = rng.poisson(rng.gamma(shape, mean / shape))
    draws = np.where(kind[:, None] == 0, rng.poisson(mean), lumpy).astype(float)
    history, actual, level = draws[:, :-28], draws[:, -28:], mean[:, -28:]
    dispersion = dispersion_index(history)
    assert dispersion[kind == 0].mean() < 1.3 < 5.0 < dispersion[kind == 2].mean()
    calibrate_rows, check_rows = np.arange(0, 450), np.arange(450, 900)
    band = ConformalBand.calibrate(actual[calibrate_rows], level[calibrate_rows], dispersion=dispersion[calibrate_rows])
    lo, hi = band.apply(level[check_rows], dispersion[check_rows])
    checked = kind[check_rows]
    for k in (0, 2):
        rows = checked == k
        assert 0.75 <= coverage(actual[check_rows][rows], lo[rows], hi[rows]) <= 0.85, k
    lo1, hi1 = band.apply(level[check_rows])  # without dispersion: by level only, as before
    rows = checked == 2
    assert coverage(actual[check_rows][rows], lo1[rows], hi1[rows]) < 0.75
