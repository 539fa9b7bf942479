import numpy as np

from smartdist_forecast.modelling.intervals import ConformalBand
from smartdist_forecast.modelling.metrics import accuracy, bias, mase, wape, weekly_naive_scale


def test_wape_and_bias_on_known_numbers():
    actual = np.array([[10.0, 20.0, np.nan]])
    forecast = np.array([[12.0, 15.0, 99.0]])
    assert wape(actual, forecast) == (2 + 5) / 30
    assert bias(actual, forecast) == (2 - 5) / 30


def test_mase_is_one_for_the_seasonal_naive_error_level():
    history = np.array([np.tile([1.0, 2, 3, 4, 5, 6, 7], 3) + np.repeat([0, 1, 2], 7)])
    scale = weekly_naive_scale(history)
    assert scale[0] == 1.0
    actual = np.array([[10.0, 10.0]])
    assert mase(actual, actual + 1.0, scale) == 1.0


def test_accuracy_reports_coverage_only_with_a_band():
    actual = np.array([[1.0, 2.0, 3.0, 4.0]])
    result = accuracy(actual, actual, np.array([1.0]), actual - 1, actual + 1)
    assert result.coverage_80 == 1.0
    assert accuracy(actual, actual, np.array([1.0])).coverage_80 is None


def test_conformal_band_covers_about_80_percent_of_fresh_poisson_demand():
    rng = np.random.default_rng(0)
    level = rng.uniform(5, 80, size=(300, 1)) * np.ones((1, 28))
    calibration = ConformalBand.calibrate(rng.poisson(level).astype(float), level)
    lo, hi = calibration.apply(level)
    fresh = rng.poisson(level)
    covered = ((fresh >= lo) & (fresh <= hi)).mean()
    assert 0.76 <= covered <= 0.86
    assert (lo >= 0).all() and (lo <= level).all() and (hi >= level).all()


def test_band_beyond_the_calibrated_blocks_reuses_the_last_block():
    band = ConformalBand(lower=(-1.0,), upper=(1.0,))
    lo, hi = band.apply(np.full((1, 60), 99.0))
    assert np.allclose(hi[0] - lo[0], 20.0)
