import numpy as np

from smartdist_forecast.modelling.global_lgbm import GlobalModelConfig
from smartdist_forecast.modelling.training import GLOBAL_MODEL, ModelArtefact, TrainingOptions, run_training

from ..synthetic_panels import seasonal_panel


def test_training_run_backtests_forecasts_with_band_and_reports_progress():
    panel, _ = seasonal_panel(n_series=3, days=600)
    seen: list[float] = []
    outcome = run_training(
        panel, TrainingOptions(horizon_days=14, model=GlobalModelConfig(rounds=60)), progress=seen.append
    )
    rows = outcome.forecasts
    assert len(rows) == 3 * 14
    assert set(rows.columns) >= {"store", "sku", "date", "yhat", "yhat_lo", "yhat_hi"}
    assert (rows["yhat_lo"] <= rows["yhat"]).all() and (rows["yhat"] <= rows["yhat_hi"]).all()
    assert rows["date"].min() == panel.date_at(panel.n_days)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert set(outcome.artefact.backtest) == {GLOBAL_MODEL, "seasonal_naive", "ets_weekly"}
    for metrics in outcome.artefact.backtest.values():
        assert {"wape", "mase", "bias", "coverage_80"} <= set(metrics)


def test_artefact_round_trips_through_json_and_restores_the_model():
    panel, _ = seasonal_panel(n_series=2, days=500)
    outcome = run_training(panel, TrainingOptions(horizon_days=7, baselines=(), model=GlobalModelConfig(rounds=30)))
    restored = ModelArtefact.from_json(outcome.artefact.to_json())
    assert restored.backtest == outcome.artefact.backtest
    model = restored.global_model()
    forecast = model.forecast(panel, 7)
    assert np.allclose(forecast.reshape(-1), outcome.forecasts["yhat"].to_numpy())


def test_horizon_outside_1_to_90_days_is_refused():
    panel, _ = seasonal_panel(n_series=1, days=300)
    for horizon in (0, 91):
        try:
            run_training(panel, TrainingOptions(horizon_days=horizon))
        except ValueError as refused:
            assert "horizon" in str(refused)
        else:
            raise AssertionError("accepted a horizon outside 1..90")


def test_many_series_back_test_baselines_on_a_subset_and_still_choose_fairly():
    panel, _ = seasonal_panel(n_series=4, days=500)
    options = TrainingOptions(horizon_days=7, baseline_series_cap=2, model=GlobalModelConfig(rounds=30))
    outcome = run_training(panel, options)
    backtest = outcome.artefact.backtest
    assert backtest["ets_weekly"]["n_points"] == backtest[GLOBAL_MODEL]["n_points"] // 2
    assert outcome.forecasts["yhat"].notna().all()
    assert len(outcome.forecasts) == 4 * 7


def test_demand_panel_from_imported_pos_rows_counts_online_lost_sales():
    import pandas as pd

    from smartdist_forecast.modelling.training import demand_panel

    pos = pd.DataFrame(
        {
            "store": ["1", "1"],
            "sku": ["a", "a"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "qty": [5, 6],
            "amount": [50, 60],
            "category": ["c", "c"],
        }
    )
    online = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-02"]),
            "store": ["1"],
            "sku": ["a"],
            "channel": ["delivery"],
            "qty": [2],
            "stockout_qty": [1],
            "returned_qty": [0],
        }
    )
    panel = demand_panel(pos, online)
    assert panel.demand.tolist() == [[5.0, 9.0]]
    assert panel.price is not None and panel.price[0, 1] == 10.0  # counter price, not diluted by online units
    assert panel.censored is not None and panel.censored.tolist() == [[False, True]]


def test_stockout_days_are_left_out_of_the_global_model_targets():
    from smartdist_forecast.modelling.global_lgbm import training_rows

    panel, _ = seasonal_panel(n_series=2, days=400)
    series, day = training_rows(panel, 400)
    censored = np.zeros(panel.demand.shape, dtype=bool)
    censored[0, 300:310] = True
    censored[1, 350] = True
    panel.censored = censored
    kept_series, kept_day = training_rows(panel, 400)
    assert len(kept_series) == len(series) - 11
    assert not censored[kept_series, kept_day].any()
    assert panel.truncated(320).censored is not None and panel.truncated(320).censored.shape == (2, 320)
    assert panel.extended(5).censored is not None and not panel.extended(5).censored[:, -5:].any()


def test_backtest_neither_scores_nor_calibrates_on_stockout_days():
    from smartdist_forecast.modelling import baselines
    from smartdist_forecast.modelling.backtest import rolling_origin_backtest

    panel, _ = seasonal_panel(n_series=2, days=200)
    forecasters = {"seasonal_naive": baselines.seasonal_naive}
    plain = rolling_origin_backtest(panel, 7, forecasters, n_origins=2)
    censored = np.zeros(panel.demand.shape, dtype=bool)
    censored[0, -3:] = True  # three stock-out days in the last origin's window
    panel.censored = censored
    marked = rolling_origin_backtest(panel, 7, forecasters, n_origins=2)
    assert plain.accuracy("seasonal_naive").n_points - marked.accuracy("seasonal_naive").n_points == 3
    assert np.isnan(marked.origins[-1].actual[0, -3:]).all()
