import numpy as np

from smartdist_forecast.modelling.intervals import ConformalBand
from smartdist_forecast.modelling.metrics import coverage, wape
from smartdist_forecast.modelling.multiplicative import multiplicative, pooled_multiplicative
from smartdist_forecast.modelling.selection import GROUPS, blend, choose_weights, series_groups, weight_grid

from ..synthetic_panels import seasonal_panel


def test_multiplicative_models_recover_a_weekday_and_yearly_shape():
    panel, truth = seasonal_panel(n_series=4, days=900)
    known = panel.truncated(900 - 28)
    for model in (multiplicative, pooled_multiplicative):
        forecast = model(known, 28)
        assert forecast.shape == (4, 28) and (forecast >= 0).all()
        # Close to the true means (the Poisson noise is not forecastable).
        assert wape(truth[:, -28:], forecast) < 0.08, model.__name__


def test_groups_tell_new_intermittent_slow_and_fast_series_apart():
    panel, _ = seasonal_panel(n_series=4, days=500)
    panel.demand[0, :400] = np.nan  # a product listed 100 days ago
    panel.first_day[0] = 400
    panel.demand[1, ::2] = 0.0  # every other day nothing sold
    group, threshold = series_groups(panel)
    assert [GROUPS[g] for g in group] == ["new", "intermittent", "slow", "fast"]
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
