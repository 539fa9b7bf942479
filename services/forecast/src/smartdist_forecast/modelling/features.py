"""Features of the global model for a (series, day) pair, built only from demand ≥ 28 days old.

Every lag and window ends at least ``MIN_LAG`` days before the target day, so one model answers
any day of a 28-day block from what was known at the block's start; longer horizons are filled
block by block with the model's own forecasts (see ``global_lgbm``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from smartdist_forecast.modelling.calendar import calendar_features
from smartdist_forecast.modelling.panel import DemandPanel

MIN_LAG = 28
LAGS = (28, 35, 42, 49, 56, 63, 364, 371)
WINDOWS = (7, 14, 28, 56, 91, 182, 364)
YEAR = 364  # 52 weeks: the same weekday a year earlier
POOLED = True  # the pooled-shape features below (a switch for the accuracy benchmark)


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
# Pooled shapes (all series, and the series' category): weekday and season factors estimated from
# one series alone are noisy; the same factors from many series sharing a calendar are not.
POOLS = ("all", "category")


def _pooled_means(panel: DemandPanel, codes: np.ndarray) -> np.ndarray:
    """(n_groups, n_days) mean relative demand per day over the series of each group (NaN: none known).

    Each series is divided by its mean over its first year, so big series do not drown the shape of
    small ones. A constant per series: it shifts no day against another, and it is the same when the
    model is trained and when it forecasts (a trailing-mean scale measured worse).
    """
    demand = panel.demand
    first_year = (np.arange(panel.n_days)[None, :] >= panel.first_day[:, None]) & (
        np.arange(panel.n_days)[None, :] < panel.first_day[:, None] + YEAR
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scale = np.nanmean(np.where(first_year, demand, np.nan), axis=1)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    relative = demand / scale[:, None]
    usable = ~np.isnan(relative)
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    group_sums = np.zeros((n_groups, panel.n_days))
    group_counts = np.zeros((n_groups, panel.n_days))
    np.add.at(group_sums, codes, np.where(usable, relative, 0.0))
    np.add.at(group_counts, codes, usable.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(group_counts > 0, group_sums / np.maximum(group_counts, 1), np.nan)


def _pooled_features(
    panel: DemandPanel,
    series: np.ndarray,
    day: np.ndarray,
    columns: dict[str, np.ndarray],
    pool_codes: dict[str, np.ndarray],
) -> None:
    anchor = day - MIN_LAG
    for pool in POOLS:
        codes = pool_codes[pool]
        pooled = _pooled_means(panel, codes)
        cumulative = _Cumulative(pooled)
        group = codes[series]
        same_weekday = np.stack([_lookup(pooled, group, day - MIN_LAG - 7 * k) for k in range(8)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            weekday = _ratio(np.nanmean(same_weekday, axis=0), cumulative.window_mean(group, anchor, 56))
        # How the weeks around the target day compare with the 13 weeks before the anchor, last year.
        season_change = _ratio(
            cumulative.window_mean(group, day - YEAR + 14, 28), cumulative.window_mean(group, anchor - YEAR, 91)
        )
        columns[f"{pool}_weekday_factor"] = weekday
        columns[f"{pool}_season_change"] = season_change
        columns[f"{pool}_expectation"] = columns["mean_91"] * season_change * weekday


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
    if panel.weather is not None:
        # The target day's weather: recorded for past days, the merchant's forecast for future ones.
        columns["temp_mean"] = _lookup(panel.weather.temp_mean, series, day)
        columns["temp_range"] = _lookup(panel.weather.temp_range, series, day)
        columns["rain"] = _lookup(panel.weather.rain, series, day)
    store_codes, sku_codes, category_codes = series_codes(panel)
    if POOLED:
        pool_codes = {
            "all": np.zeros(panel.n_series, dtype=np.int64),
            "category": category_codes,
            "sku": sku_codes,
            "store": store_codes,
        }
        _pooled_features(panel, series, day, columns, pool_codes)
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
