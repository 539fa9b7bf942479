"""Weather features "where given": only when the merchant forecasts the weather of the horizon.

The weather of a target day is known at forecast time only if the merchant gives a forecast for
it. So the global model gets the target day's weather (mean temperature, daily range, a rain flag)
only when the tenant's sales history has weather (the POS columns 天氣概況 / 天氣溫度) AND the
training request gives a forecast for every store × day of the horizon. Otherwise the panel keeps
``weather=None`` and the model trains exactly as without this module.

Back-tests then score the model on held-out days with their *recorded* weather standing in for the
forecast: a perfect-forecast back-test, optimistic by however wrong a real forecast would be.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from smartdist_forecast.modelling.panel import DemandPanel, WeatherMatrix

WEATHER_COLUMNS = ["store", "date", "temp_low", "temp_high", "weather"]
WEATHER_FEATURES = ["temp_mean", "temp_range", "rain"]
# The history "has weather" when at least this share of its store-days with sales has temperatures.
MIN_HISTORY_SHARE = 0.5
RAIN_MARK = "雨"  # 雨, 小雨, 陣雨, 雷陣雨, 午後雷陣雨 ...
PERFECT_FORECAST_BACKTEST = "back-test days use their recorded weather (a perfect weather forecast)"


@dataclass(frozen=True)
class WeatherDecision:
    used: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"used": self.used, "reason": self.reason}
        if self.used:
            out["features"] = list(WEATHER_FEATURES)
            out["backtest"] = PERFECT_FORECAST_BACKTEST
        return out


def rain_flag(descriptions: pd.Series) -> np.ndarray:
    """1.0 where the description mentions rain (雨), 0.0 where it says something else, NaN if blank."""
    text = descriptions.fillna("").astype(str).str.strip()
    flag: np.ndarray = text.str.contains(RAIN_MARK, regex=False).to_numpy(dtype=float)
    flag[(text == "").to_numpy()] = np.nan
    return flag


def store_days(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (store, date): the first known temperatures and description of that store-day."""
    if rows.empty:
        return pd.DataFrame(columns=WEATHER_COLUMNS)
    frame = rows[WEATHER_COLUMNS].copy()
    frame["store"] = frame["store"].astype(str)
    frame["date"] = pd.to_datetime(frame["date"]).dt.normalize()
    frame["weather"] = frame["weather"].fillna("").astype(str).str.strip().replace("", np.nan)
    grouped = frame.groupby(["store", "date"], sort=False).agg(
        temp_low=("temp_low", "first"), temp_high=("temp_high", "first"), weather=("weather", "first")
    )
    return grouped.reset_index().assign(weather=lambda f: f["weather"].fillna(""))


def _store_matrices(
    panel: DemandPanel, rows: pd.DataFrame, n_days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(store index per series, low, high, rain) with the weather matrices (n_stores, n_days)."""
    stores, series_store = np.unique(panel.stores, return_inverse=True)
    low = np.full((len(stores), n_days), np.nan)
    high = np.full((len(stores), n_days), np.nan)
    rain = np.full((len(stores), n_days), np.nan)
    if not rows.empty:
        store = pd.Index(stores).get_indexer(rows["store"].astype(str))
        day = (pd.to_datetime(rows["date"]) - panel.start).dt.days.to_numpy()
        keep = (store >= 0) & (day >= 0) & (day < n_days)
        low[store[keep], day[keep]] = rows["temp_low"].to_numpy(dtype=float)[keep]
        high[store[keep], day[keep]] = rows["temp_high"].to_numpy(dtype=float)[keep]
        rain[store[keep], day[keep]] = rain_flag(rows["weather"])[keep]
    return series_store, low, high, rain


def attach_weather(
    panel: DemandPanel, recorded: pd.DataFrame, forecast: pd.DataFrame | None, horizon: int
) -> tuple[DemandPanel, WeatherDecision]:
    """The panel with weather for the model when history and forecast allow, and why (or why not).

    ``recorded``: the POS rows' weather (store, date, temp_low, temp_high, weather), any number of
    rows per store-day. ``forecast``: the merchant's rows for days after the sales, one per
    store-day. The panel is returned unchanged (``weather=None``) unless weather is used.
    """
    if forecast is None or forecast.empty:
        return panel, WeatherDecision(False, "no weather forecast given for the horizon")
    history = store_days(recorded)
    n_days = max(panel.n_days, int(panel.last_day.max()) + horizon + 1)
    series_store, low, high, rain = _store_matrices(panel, history, n_days)
    # Store-days with a sale: how many of them have recorded temperatures?
    sold = np.zeros((low.shape[0], panel.n_days), dtype=bool)
    np.logical_or.at(sold, series_store, ~np.isnan(panel.demand))
    recorded_days = sold & ~np.isnan(low[:, : panel.n_days]) & ~np.isnan(high[:, : panel.n_days])
    share = recorded_days.sum() / max(int(sold.sum()), 1)
    if share < MIN_HISTORY_SHARE:
        return panel, WeatherDecision(
            False, f"the sales history has weather on {share:.0%} of its store-days (needs {MIN_HISTORY_SHARE:.0%})"
        )
    _, f_low, f_high, f_rain = _store_matrices(panel, store_days(forecast), n_days)
    unknown = np.isnan(low) | np.isnan(high)
    low = np.where(unknown, f_low, low)
    high = np.where(unknown, f_high, high)
    rain = np.where(unknown, f_rain, rain)
    # Every series' horizon day needs its store's temperatures (recorded or forecast).
    offsets = panel.last_day[:, None] + 1 + np.arange(horizon)[None, :]
    stores = np.broadcast_to(series_store[:, None], offsets.shape)
    missing = np.isnan(low[stores, offsets]) | np.isnan(high[stores, offsets])
    if missing.any():
        rows, steps = np.nonzero(missing)
        first = int(np.argmin(offsets[rows, steps]))
        when = panel.date_at(int(offsets[rows[first], steps[first]])).date().isoformat()
        return panel, WeatherDecision(
            False,
            f"the weather forecast misses store {panel.stores[rows[first]]} on {when}"
            f" ({int(missing.sum())} series-days of the horizon without weather)",
        )
    with np.errstate(invalid="ignore"):
        matrix = WeatherMatrix(
            temp_mean=((low + high) / 2.0)[series_store],
            temp_range=(high - low)[series_store],
            rain=rain[series_store],
        )
    with_weather = replace(panel, weather=matrix)
    return with_weather, WeatherDecision(True, f"weather recorded on {share:.0%} of the history's store-days")
