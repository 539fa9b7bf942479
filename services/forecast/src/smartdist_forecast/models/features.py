"""Features of the global model for a (series, day) pair, built only from demand ≥ 28 days old.

Every lag and window ends at least ``MIN_LAG`` days before the target day, so one model answers
any day of a 28-day block from what was known at the block's start; longer horizons are filled
block by block with the model's own forecasts (see ``global_lgbm``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from smartdist_forecast.models.calendar import calendar_features
from smartdist_forecast.models.panel import DemandPanel

MIN_LAG = 28
LAGS = (28, 35, 42, 49, 56, 63, 364, 371)
WINDOWS = (7, 14, 28, 56, 91, 182, 364)
YEAR = 364  # 52 weeks: the same weekday a year earlier


class _Cumulative:
    """NaN-aware prefix sums so any window mean is two lookups."""

    def __init__(self, values: np.ndarray) -> None:
        known = ~np.isnan(values)
        zero_padded = np.zeros((values.shape[0], 1))
        self.sums = np.concatenate([zero_padded, np.cumsum(np.where(known, values, 0.0), axis=1)], axis=1)
        self.counts = np.concatenate([zero_padded, np.cumsum(known, axis=1, dtype=float)], axis=1)

    def window_mean(self, series: np.ndarray, end_day: np.ndarray, width: int) -> np.ndarray:
        """Mean of days ``end_day - width + 1 .. end_day`` (inclusive), NaN if none known."""
        hi = np.clip(end_day + 1, 0, self.sums.shape[1] - 1)
        lo = np.clip(end_day + 1 - width, 0, self.sums.shape[1] - 1)
        total = self.sums[series, hi] - self.sums[series, lo]
        count = self.counts[series, hi] - self.counts[series, lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _lookup(matrix: np.ndarray, series: np.ndarray, day: np.ndarray) -> np.ndarray:
    inside = (day >= 0) & (day < matrix.shape[1])
    out = np.full(series.shape, np.nan)
    out[inside] = matrix[series[inside], day[inside]]
    return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def series_codes(panel: DemandPanel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer codes for store, SKU and category so LightGBM can treat them as categories."""
    store_codes = pd.factorize(panel.stores, sort=True)[0]
    sku_codes = pd.factorize(panel.skus, sort=True)[0]
    categories = panel.categories if panel.categories is not None else np.array([""] * panel.n_series)
    category_codes = pd.factorize(categories, sort=True)[0]
    return store_codes, sku_codes, category_codes


CATEGORICAL = ["store", "sku", "category"]


def build_features(panel: DemandPanel, series: np.ndarray, day: np.ndarray) -> pd.DataFrame:
    """Feature rows for target days ``day`` of series ``series`` (parallel integer arrays)."""
    demand = panel.demand
    cumulative = _Cumulative(demand)
    anchor = day - MIN_LAG  # last day whose demand the row may see
    columns: dict[str, np.ndarray] = {}
    for lag in LAGS:
        columns[f"lag_{lag}"] = _lookup(demand, series, day - lag)
    for width in WINDOWS:
        columns[f"mean_{width}"] = cumulative.window_mean(series, anchor, width)
    same_weekday = np.stack([_lookup(demand, series, day - MIN_LAG - 7 * k) for k in range(8)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN weeks at the series start
        columns["weekday_mean_4"] = np.nanmean(same_weekday[:4], axis=0)
        columns["weekday_mean_8"] = np.nanmean(same_weekday, axis=0)
    # Last year around the target day, and how much the series has grown since then.
    columns["last_year_7"] = cumulative.window_mean(series, day - YEAR + 3, 7)
    columns["last_year_28"] = cumulative.window_mean(series, day - YEAR + 14, 28)
    growth = _ratio(columns["mean_91"], cumulative.window_mean(series, anchor - YEAR, 91))
    columns["growth_yoy"] = growth
    columns["last_year_scaled"] = columns["lag_364"] * growth
    columns["last_year_7_scaled"] = columns["last_year_7"] * growth
    columns["weekday_factor"] = _ratio(columns["weekday_mean_8"], columns["mean_56"])
    columns["season_factor"] = _ratio(columns["last_year_28"], cumulative.window_mean(series, anchor - YEAR, 364))
    columns["seasonal_expectation"] = columns["mean_364"] * columns["season_factor"] * columns["weekday_factor"]
    if panel.price is not None:
        # A price known for the target day (a planned promotion) wins over the last seen price.
        known_price = _lookup(panel.price, series, day)
        columns["price"] = np.where(np.isnan(known_price), _lookup(panel.price, series, anchor), known_price)
    store_codes, sku_codes, category_codes = series_codes(panel)
    columns["store"] = store_codes[series].astype(float)
    columns["sku"] = sku_codes[series].astype(float)
    columns["category"] = category_codes[series].astype(float)
    frame = pd.DataFrame(columns)
    dates = pd.DatetimeIndex(panel.start + pd.to_timedelta(day, unit="D"))
    unique_dates = dates.unique()
    calendar = calendar_features(unique_dates)
    position = unique_dates.get_indexer(dates)
    for name in calendar.columns:
        frame[name] = calendar[name].to_numpy()[position]
    return frame
