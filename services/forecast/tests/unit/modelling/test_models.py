import numpy as np

from smartdist_forecast.modelling import baselines
from smartdist_forecast.modelling.global_lgbm import GlobalDemandModel, GlobalModelConfig
from smartdist_forecast.modelling.metrics import wape

from ..synthetic_panels import seasonal_panel

FAST = GlobalModelConfig(rounds=120)


def test_global_model_beats_seasonal_naive_on_weekly_and_yearly_pattern():
    panel, truth = seasonal_panel(n_series=4, days=800)
    horizon = 28
    known = panel.truncated(panel.n_days - horizon)
    model = GlobalDemandModel.fit(known, FAST)
    forecast = model.forecast(known, horizon)
    actual = panel.demand[:, -horizon:]
    assert forecast.shape == (4, horizon)
    assert (forecast >= 0).all()
    assert wape(actual, forecast) < 0.9 * wape(actual, baselines.seasonal_naive(known, horizon))
    # Close to the true mean, not just better than naive.
    assert wape(truth[:, -horizon:], forecast) < 0.12


def test_forecast_past_28_days_reads_its_own_forecasts_and_stays_sane():
    panel, truth = seasonal_panel(n_series=3, days=700)
    model = GlobalDemandModel.fit(panel, FAST)
    forecast = model.forecast(panel, 90)
    assert forecast.shape == (3, 90)
    assert not np.isnan(forecast).any()
    ratio = forecast.mean(axis=1) / panel.demand[:, -90:].mean(axis=1)
    assert ((ratio > 0.6) & (ratio < 1.6)).all()


def test_saved_model_text_predicts_the_same():
    panel, _ = seasonal_panel(n_series=2, days=500)
    model = GlobalDemandModel.fit(panel, GlobalModelConfig(rounds=30))
    again = GlobalDemandModel.from_text(model.to_text())
    assert np.allclose(model.forecast(panel, 14), again.forecast(panel, 14))


def test_lagged_forecast_of_history_matches_block_forecast_for_the_first_28_days():
    panel, _ = seasonal_panel(n_series=2, days=500)
    known = panel.truncated(480)
    model = GlobalDemandModel.fit(known, GlobalModelConfig(rounds=30))
    assert np.allclose(model.lagged_forecast(known, 480, 20), model.forecast(known, 20))


def test_seasonal_naive_repeats_the_last_week():
    panel, _ = seasonal_panel(n_series=2, days=100)
    forecast = baselines.seasonal_naive(panel, 10)
    assert np.array_equal(forecast[:, :7], panel.demand[:, -7:])
    assert np.array_equal(forecast[:, 7:], panel.demand[:, -7:-4])


def test_weekly_ets_learns_the_weekday_shape():
    panel, truth = seasonal_panel(n_series=2, days=200)
    forecast = baselines.ets_weekly(panel, 14)
    weekend = forecast[:, [d for d in range(14) if panel.date_at(panel.n_days + d).day_of_week >= 5]]
    weekday = forecast[:, [d for d in range(14) if panel.date_at(panel.n_days + d).day_of_week < 3]]
    assert (weekend.mean(axis=1) > weekday.mean(axis=1)).all()


def test_mstl_ets_follows_the_yearly_wave_that_weekly_ets_misses():
    panel, truth = seasonal_panel(n_series=2, days=3 * 365 + 60, seed=5)
    horizon = 60
    known = panel.truncated(panel.n_days - horizon)
    actual_mean = truth[:, -horizon:]
    mstl = baselines.mstl_ets(known, horizon)
    ets = baselines.ets_weekly(known, horizon)
    assert wape(actual_mean, mstl) < wape(actual_mean, ets)
