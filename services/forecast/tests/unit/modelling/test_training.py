import numpy as np

from smartdist_forecast.modelling.global_lgbm import GlobalModelConfig
from smartdist_forecast.modelling.training import (
    COMBINATION,
    GLOBAL_MODEL,
    ModelArtefact,
    TrainingOptions,
    held_out_masks,
    run_training,
)

from ..synthetic_panels import seasonal_panel


def test_training_run_backtests_forecasts_with_band_and_reports_progress():
    panel, _ = seasonal_panel(n_series=3, days=600)
    seen: list[float] = []
    stages: list[tuple[float, str, dict[str, int]]] = []
    outcome = run_training(
        panel,
        TrainingOptions(horizon_days=14, model=GlobalModelConfig(rounds=60)),
        progress=seen.append,
        stages=lambda fraction, stage, **params: stages.append((fraction, stage, params)),
    )
    rows = outcome.forecasts
    assert len(rows) == 3 * 14
    assert set(rows.columns) >= {"store", "sku", "date", "yhat", "yhat_lo", "yhat_hi"}
    assert (rows["yhat_lo"] <= rows["yhat"]).all() and (rows["yhat"] <= rows["yhat_hi"]).all()
    assert rows["date"].min() == panel.date_at(panel.n_days)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert set(outcome.artefact.backtest) == {
        GLOBAL_MODEL,
        "seasonal_naive",
        "multiplicative",
        "pooled_multiplicative",
        "pooled_multiplicative_year",
        COMBINATION,
    }
    for metrics in outcome.artefact.backtest.values():
        assert {"wape", "mase", "bias", "coverage_80"} <= set(metrics)
    assert outcome.artefact.chosen_model == COMBINATION
    # Real stages: each back-test window k of 3 in turn, then the final fit, then the forecast.
    windows = [params["window"] for _, stage, params in stages if stage == "forecast.progress.backtest"]
    assert sorted(set(windows)) == [1, 2, 3] and windows == sorted(windows)
    names = [stage for _, stage, _ in stages]
    assert names.index("forecast.progress.fitting") > max(i for i, n in enumerate(names) if n.endswith("backtest"))
    assert names[-1] == "forecast.progress.forecasting"
    assert [f for f, _, _ in stages] == seen


def test_the_chosen_combination_and_its_back_test_scores_are_recorded_with_the_version():
    panel, _ = seasonal_panel(n_series=6, days=500)
    outcome = run_training(panel, TrainingOptions(horizon_days=7, model=GlobalModelConfig(rounds=30)))
    selection = ModelArtefact.from_json(outcome.artefact.to_json()).selection
    assert selection["chosen"] == COMBINATION and len(selection["windows"]) == 3
    # 500 days: too short for a year-ago window, so the three recent windows weigh alike.
    assert [w["weight"] for w in selection["windows"]] == [0.3333, 0.3333, 0.3333]
    assert selection["held_out_series_per_window"] == 1  # a fifth of 6 series
    groups = selection["groups"]
    assert sum(g["series"] for g in groups.values()) == 6
    for group in groups.values():
        assert abs(sum(group["weights"].values()) - 1.0) < 1e-9
    fitted = [g for g in groups.values() if g["rows"]]
    assert fitted and all(g["score"] <= min(g["candidates"].values()) + 1e-12 for g in fitted)
    assert set(selection["scores"][GLOBAL_MODEL]) == {"later_days", "held_out_series"}
    assert selection["scores"][GLOBAL_MODEL]["held_out_series"] is not None


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


def test_per_series_baselines_run_on_a_subset_are_reported_but_not_combined():
    panel, _ = seasonal_panel(n_series=4, days=500)
    options = TrainingOptions(
        horizon_days=7,
        baselines=("seasonal_naive", "ets_weekly"),
        baseline_series_cap=2,
        model=GlobalModelConfig(rounds=30),
    )
    outcome = run_training(panel, options)
    backtest = outcome.artefact.backtest
    assert backtest["ets_weekly"]["n_points"] == backtest[GLOBAL_MODEL]["n_points"] // 2
    weights = [g["weights"] for g in outcome.artefact.selection["groups"].values()]
    assert all("ets_weekly" not in w for w in weights)
    assert outcome.forecasts["yhat"].notna().all()
    assert len(outcome.forecasts) == 4 * 7


def test_each_window_holds_out_a_different_fifth_of_the_series():
    masks = held_out_masks(20, 3, 0.2)
    assert [int(m.sum()) for m in masks] == [4, 4, 4]
    assert not (masks[0] & masks[1]).any() and not (masks[1] & masks[2]).any()
    assert not any(m.any() for m in held_out_masks(3, 3, 0.2))  # too few series to hold any out


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


def test_a_panel_with_a_new_product_a_dead_one_and_an_intermittent_one_still_trains():
    panel, _ = seasonal_panel(n_series=5, days=800)
    panel.demand[0, :770] = np.nan  # listed 30 days ago
    panel.first_day[0] = 770
    panel.demand[1, 700:] = 0.0  # nothing sold for 100 days
    rng = np.random.default_rng(5)
    panel.demand[2] = rng.poisson(0.3, panel.n_days)  # mostly zero days
    outcome = run_training(panel, TrainingOptions(horizon_days=14, model=GlobalModelConfig(rounds=20)))
    rows = outcome.forecasts
    assert len(rows) == 5 * 14 and np.isfinite(rows[["yhat", "yhat_lo", "yhat_hi"]].to_numpy()).all()
    assert (rows["yhat_lo"] <= rows["yhat"]).all() and (rows["yhat"] <= rows["yhat_hi"]).all()
    groups = outcome.artefact.selection["groups"]
    assert groups["new"]["series"] == 1 and groups["intermittent"]["series"] >= 2
    assert ModelArtefact.from_json(outcome.artefact.to_json()).selection == outcome.artefact.selection
