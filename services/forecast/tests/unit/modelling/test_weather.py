"""Weather features "where given": built only with a weather history AND a forecast for the horizon."""

import numpy as np
import pandas as pd

from smartdist_forecast.modelling.features import build_features
from smartdist_forecast.modelling.global_lgbm import GlobalDemandModel, GlobalModelConfig
from smartdist_forecast.modelling.metrics import wape
from smartdist_forecast.modelling.panel import build_panel
from smartdist_forecast.modelling.training import GLOBAL_MODEL, ModelArtefact, TrainingOptions, run_training
from smartdist_forecast.modelling.weather import WEATHER_FEATURES, attach_weather, rain_flag, store_days

from ..synthetic_panels import seasonal_panel, seasonal_sales


def weather_rows(stores: list[str], dates: pd.DatetimeIndex, seed: int = 5) -> pd.DataFrame:
    """Seeded store-day weather: temperatures around 22 °C, rain on about a third of the days."""
    rng = np.random.default_rng(seed)
    frames = []
    for store in stores:
        low = np.round(rng.normal(18, 4, len(dates)), 1)
        rainy = rng.random(len(dates)) < 0.35
        frames.append(
            pd.DataFrame(
                {
                    "store": store,
                    "date": dates,
                    "temp_low": low,
                    "temp_high": low + np.round(rng.uniform(3, 9, len(dates)), 1),
                    "weather": np.where(rainy, "午後雷陣雨", np.where(rng.random(len(dates)) < 0.5, "晴", "多雲")),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def split(panel, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    end = panel.date_at(panel.n_days)
    return rows[rows["date"] < end], rows[rows["date"] >= end]


def test_rain_flag_reads_rain_in_any_description_and_blank_is_unknown():
    flag = rain_flag(pd.Series(["晴", "午後雷陣雨", "多雲", "", "小雨", None, " 陰 "]))
    assert flag[[0, 1, 2, 4, 6]].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert np.isnan(flag[3]) and np.isnan(flag[5])


def test_store_days_keeps_one_row_per_store_day_from_the_sku_rows():
    rows = pd.DataFrame(
        {
            "store": ["A", "A", "B"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01"]),
            "temp_low": [np.nan, 15.0, 20.0],
            "temp_high": [np.nan, 21.0, 27.0],
            "weather": ["", "雨", "晴"],
        }
    )
    days = store_days(rows).sort_values("store").reset_index(drop=True)
    assert days[["store", "temp_low", "temp_high", "weather"]].values.tolist() == [
        ["A", 15.0, 21.0, "雨"],
        ["B", 20.0, 27.0, "晴"],
    ]


def test_no_forecast_means_no_weather_features_and_identical_features():
    panel, _ = seasonal_panel(n_series=2, days=400)
    recorded = weather_rows(["S0", "S1"], panel.dates())
    same, decision = attach_weather(panel, recorded, None, 14)
    assert same is panel and panel.weather is None
    assert not decision.used and "no weather forecast" in decision.reason
    series, day = np.array([0, 1]), np.array([390, 395])
    assert not set(WEATHER_FEATURES) & set(build_features(panel, series, day).columns)


def test_history_and_full_forecast_give_the_target_days_weather():
    panel, _ = seasonal_panel(n_series=2, days=400)
    horizon = 10
    rows = weather_rows(["S0", "S1"], pd.date_range(panel.start, periods=panel.n_days + horizon))
    recorded, forecast = split(panel, rows)
    with_weather, decision = attach_weather(panel, recorded, forecast, horizon)
    assert decision.used and decision.as_dict()["features"] == WEATHER_FEATURES
    assert "perfect" in decision.as_dict()["backtest"]
    assert with_weather.weather is not None and with_weather.weather.n_days == panel.n_days + horizon
    assert with_weather.demand is panel.demand and panel.weather is None  # the input panel is untouched

    # Series 1 is store S1; one day in the history and one in the forecast.
    series, day = np.array([1, 1]), np.array([100, panel.n_days + 3])
    frame = build_features(with_weather, series, day)
    assert frame.shape == (2, len(build_features(panel, series, day).columns) + 3)
    for k, d in enumerate(day):
        row = rows[(rows["store"] == "S1") & (rows["date"] == panel.date_at(int(d)))].iloc[0]
        assert frame["temp_mean"].iloc[k] == (row.temp_low + row.temp_high) / 2
        assert np.isclose(frame["temp_range"].iloc[k], row.temp_high - row.temp_low)
        assert frame["rain"].iloc[k] == (1.0 if "雨" in row.weather else 0.0)

    # A back-test origin keeps the recorded weather of its held-out days; forecasting extends it.
    origin = with_weather.truncated(panel.n_days - 28)
    assert origin.weather is with_weather.weather
    assert with_weather.extended(40).weather.n_days == panel.n_days + 40


def test_a_forecast_missing_one_store_day_or_a_history_without_weather_turns_weather_off():
    panel, _ = seasonal_panel(n_series=2, days=400)
    horizon = 7
    rows = weather_rows(["S0", "S1"], pd.date_range(panel.start, periods=panel.n_days + horizon))
    recorded, forecast = split(panel, rows)
    gap = panel.date_at(panel.n_days + 4)
    partial = forecast[~((forecast["store"] == "S0") & (forecast["date"] == gap))]
    same, decision = attach_weather(panel, recorded, partial, horizon)
    assert same.weather is None and not decision.used
    assert f"store S0 on {gap.date().isoformat()}" in decision.reason

    bare = recorded.assign(temp_low=np.nan, temp_high=np.nan, weather="")
    same, decision = attach_weather(panel, bare, forecast, horizon)
    assert same.weather is None and "history has weather on 0%" in decision.reason


def test_training_with_weather_records_it_and_still_forecasts_every_day():
    panel, _ = seasonal_panel(n_series=2, days=450)
    horizon = 7
    rows = weather_rows(["S0", "S1"], pd.date_range(panel.start, periods=panel.n_days + horizon))
    recorded, forecast = split(panel, rows)
    with_weather, _ = attach_weather(panel, recorded, forecast, horizon)
    options = TrainingOptions(horizon_days=horizon, baselines=("seasonal_naive",), model=GlobalModelConfig(rounds=30))
    outcome = run_training(with_weather, options)
    assert outcome.artefact.weather == {"used": True}
    assert outcome.artefact.backtest[GLOBAL_MODEL]["weather_features"] is True
    assert len(outcome.forecasts) == 2 * horizon and outcome.forecasts["yhat"].notna().all()
    if outcome.artefact.chosen_model == GLOBAL_MODEL:
        assert set(WEATHER_FEATURES) <= set(outcome.artefact.feature_names)
    restored = ModelArtefact.from_json(outcome.artefact.to_json())
    assert restored.weather == {"used": True}

    plain = run_training(panel, options)
    assert plain.artefact.backtest[GLOBAL_MODEL]["weather_features"] is False
    assert not set(WEATHER_FEATURES) & set(plain.artefact.feature_names)
    # Old artefacts (before weather) still load.
    old = {k: v for k, v in ModelArtefact.from_json(plain.artefact.to_json()).__dict__.items() if k != "weather"}
    assert ModelArtefact(**old).weather == {"used": False}


def test_the_model_learns_a_rain_effect_when_the_weather_is_given():
    """Demand 40% lower on rainy days: with a (perfect) forecast the model should see it coming."""
    days, horizon = 600, 28
    sales = seasonal_sales(n_series=4, days=days, seed=11)
    dates = pd.date_range(sales["date"].min(), periods=days)
    rows = weather_rows(["S0", "S1"], dates, seed=12)
    rainy = rows.assign(rain=rows["weather"].str.contains("雨"))[["store", "date", "rain"]]
    sales = sales.merge(rainy, on=["store", "date"])
    rng = np.random.default_rng(13)
    sales["qty"] = rng.poisson(sales["mean"] * np.where(sales["rain"], 0.6, 1.0))
    full = build_panel(sales)
    known = full.truncated(days - horizon)
    recorded, forecast = split(known, rows)
    with_weather, decision = attach_weather(known, recorded, forecast, horizon)
    assert decision.used
    config = GlobalModelConfig(rounds=80)
    actual = full.demand[:, -horizon:]
    plain_wape = wape(actual, GlobalDemandModel.fit(known, config).forecast(known, horizon))
    weather_wape = wape(actual, GlobalDemandModel.fit(with_weather, config).forecast(with_weather, horizon))
    assert weather_wape < 0.8 * plain_wape, (weather_wape, plain_wape)
