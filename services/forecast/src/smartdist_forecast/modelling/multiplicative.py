"""Multiplicative seasonal models: level × weekday factor × annual factor, for all series at once.

Retail demand of a store × product multiplies a level by a weekday shape and a season. Two
versions, both vectorised over the panel (no per-series loop):

- ``multiplicative``: every factor from the series itself (mean of the last 365 days × its own
  weekday factor × its own month factor), the simple model a global model must beat;
- ``pooled_multiplicative``: the weekday and annual shapes pooled over series (the series' own
  shape shrunk towards all series'), the level read from the last 13 weeks with the shapes divided
  out, and the year-on-year trend carried to the target day; ``pooled_multiplicative_year`` reads
  the level from the last 52 weeks (less noise, slower after a shift): the back-test chooses.

Each series is first divided by its centred 365-day mean, so a growing or shrinking series does
not bend its own seasonal shape, and big series do not drown the shape of small ones.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from smartdist_forecast.modelling.panel import DemandPanel

YEAR = 365
WEEK = 7
# Evidence (in weeks of the series' own data) at which its own shape weighs as much as the pool's.
SHRINK_WEEKS = 104.0
# The level is the mean of the last LEVEL_DAYS days with the shapes divided out.
LEVEL_DAYS = 91
# Growth per year is clipped: a shift is not a trend to extrapolate.
MAX_GROWTH = 1.5
# The annual shape is read per week of the year, then smoothed over neighbouring weeks (circularly).
SEASON_BINS = 52
SEASON_SMOOTH_WEEKS = 2


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out: np.ndarray = np.nanmean(values, axis=axis)
    return out


def _trailing(panel: DemandPanel, days: int) -> np.ndarray:
    """(n_series, days) demand of the last ``days`` days up to each series' last day (NaN before its start)."""
    offsets = panel.last_day[:, None] - days + 1 + np.arange(days)[None, :]
    inside = offsets >= panel.first_day[:, None]
    rows = np.broadcast_to(np.arange(panel.n_series)[:, None], offsets.shape)
    out = np.full(offsets.shape, np.nan)
    out[inside] = panel.demand[rows[inside], offsets[inside]]
    return out


def _calendar(panel: DemandPanel, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Weekday (0 = Monday) and month (0-based) of panel days 0 .. n_days - 1."""
    dates = pd.date_range(panel.start, periods=n_days, freq="D")
    return dates.day_of_week.to_numpy(), dates.month.to_numpy() - 1


def _season_week(panel: DemandPanel, n_days: int) -> np.ndarray:
    """Week of the year (0..52) of panel days 0 .. n_days - 1, from the day of the year."""
    dates = pd.date_range(panel.start, periods=n_days, freq="D")
    weeks: np.ndarray = np.minimum((dates.day_of_year.to_numpy() - 1) // WEEK, SEASON_BINS - 1)
    return weeks


def _target_days(panel: DemandPanel, horizon: int) -> np.ndarray:
    days: np.ndarray = panel.last_day[:, None] + 1 + np.arange(horizon)[None, :]
    return days


def _group_mean(values: np.ndarray, keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Per series: NaN-aware mean and count of ``values`` for each key 0..n_keys-1 (keys per column)."""
    known = ~np.isnan(values)
    sums = np.zeros((values.shape[0], n_keys))
    counts = np.zeros((values.shape[0], n_keys))
    for key in range(n_keys):
        column = keys == key
        sums[:, key] = np.where(known[:, column], values[:, column], 0.0).sum(axis=1)
        counts[:, key] = known[:, column].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan), counts


def multiplicative(panel: DemandPanel, horizon: int) -> np.ndarray:
    """Mean of the last 365 days × the series' weekday factor × its month factor."""
    weekday, month = _calendar(panel, int(panel.last_day.max()) + horizon + 1)
    recent = _trailing(panel, YEAR)
    recent_days = panel.last_day[:, None] - YEAR + 1 + np.arange(YEAR)[None, :]
    level = np.nan_to_num(_nanmean(recent, axis=1))
    recent_weekday = weekday[np.maximum(recent_days, 0)]
    weekday_sums = np.zeros((panel.n_series, WEEK))
    weekday_counts = np.zeros((panel.n_series, WEEK))
    for k in range(WEEK):
        hit = (recent_weekday == k) & ~np.isnan(recent)
        weekday_sums[:, k] = np.where(hit, recent, 0.0).sum(axis=1)
        weekday_counts[:, k] = hit.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        weekday_mean = weekday_sums / np.maximum(weekday_counts, 1)
        weekday_factor = np.where((weekday_counts > 0) & (level[:, None] > 0), weekday_mean / level[:, None], 1.0)
    history = panel.demand
    months, _ = _group_mean(history, month[: panel.n_days], 12)
    overall = _nanmean(history, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        month_factor = np.where(np.isfinite(months) & (overall[:, None] > 0), months / overall[:, None], 1.0)
    targets = _target_days(panel, horizon)
    rows = np.arange(panel.n_series)[:, None]
    forecast = level[:, None] * weekday_factor[rows, weekday[targets]] * month_factor[rows, month[targets]]
    result: np.ndarray = np.maximum(np.nan_to_num(forecast), 0.0)
    return result


def _centred_level(demand: np.ndarray, width: int = YEAR) -> np.ndarray:
    """NaN-aware mean of the ``width`` days centred on each day (shorter at the series' edges)."""
    known = ~np.isnan(demand)
    zero = np.zeros((demand.shape[0], 1))
    sums = np.concatenate([zero, np.cumsum(np.where(known, demand, 0.0), axis=1)], axis=1)
    counts = np.concatenate([zero, np.cumsum(known, axis=1, dtype=float)], axis=1)
    days = np.arange(demand.shape[1])
    lo = np.clip(days - width // 2, 0, demand.shape[1])
    hi = np.clip(days + width // 2 + 1, 0, demand.shape[1])
    total = sums[:, hi] - sums[:, lo]
    count = counts[:, hi] - counts[:, lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        level: np.ndarray = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return level


def _shrunk(own: np.ndarray, counts: np.ndarray, pooled: np.ndarray, strength: float) -> np.ndarray:
    """The series' own factors pulled towards the pool's, by how much evidence the series has."""
    weight = counts / (counts + strength)
    mixed = np.where(np.isnan(own), pooled[None, :], weight * np.nan_to_num(own) + (1 - weight) * pooled[None, :])
    normalised: np.ndarray = mixed / np.maximum(_nanmean(mixed, axis=1)[:, None], 1e-9)
    return normalised


def _season(panel: DemandPanel, n_days: int, season: str) -> tuple[np.ndarray, int]:
    if season == "week":
        return _season_week(panel, n_days), SEASON_BINS
    return _calendar(panel, n_days)[1], 12


def _smooth_circular(factors: np.ndarray, half_width: int) -> np.ndarray:
    if half_width <= 0:
        return factors
    stacked = np.stack([np.roll(factors, shift, axis=-1) for shift in range(-half_width, half_width + 1)])
    return _nanmean(stacked, axis=0)


def pooled_shapes(
    panel: DemandPanel,
    shrink_weeks: float = SHRINK_WEEKS,
    history_days: int = 4 * YEAR,
    season: str = "month",
) -> tuple[np.ndarray, np.ndarray]:
    """(n_series, 7) weekday and (n_series, n_bins) season factors, each series' own shrunk towards all series'."""
    n_days = panel.n_days
    begin = max(0, n_days - history_days)
    demand = panel.demand[:, begin:]
    weekday = _calendar(panel, n_days)[0][begin:]
    season_index, n_bins = _season(panel, n_days, season)
    season_index = season_index[begin:]
    level = _centred_level(demand)
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = np.where(level > 0, demand / level, np.nan)
    own_weekday, weekday_counts = _group_mean(relative, weekday, WEEK)
    pooled_weekday = _nanmean(own_weekday, axis=0)
    pooled_weekday = np.where(np.isnan(pooled_weekday), 1.0, pooled_weekday)
    weekday_factor = _shrunk(own_weekday, weekday_counts, pooled_weekday, shrink_weeks)
    # Divide the weekday shape out before reading the season, so a month's weekday mix does not leak in.
    rows = np.arange(panel.n_series)[:, None]
    relative = relative / weekday_factor[rows, weekday[None, :]]
    own_season, season_counts = _group_mean(relative, season_index, n_bins)
    if season == "week":
        own_season = _smooth_circular(own_season, SEASON_SMOOTH_WEEKS)
        season_counts = season_counts * (2 * SEASON_SMOOTH_WEEKS + 1)
    pooled_season = _nanmean(own_season, axis=0)
    pooled_season = np.where(np.isnan(pooled_season), 1.0, pooled_season)
    # A season bin holds several days of evidence per year: the strength is scaled to its days.
    season_factor = _shrunk(own_season, season_counts, pooled_season, shrink_weeks * WEEK * n_bins / 52)
    return weekday_factor, season_factor


def pooled_multiplicative_year(panel: DemandPanel, horizon: int) -> np.ndarray:
    """``pooled_multiplicative`` with the level of the last 364 days: steadier, slower to follow a shift."""
    return pooled_multiplicative(panel, horizon, level_days=YEAR - 1)


def pooled_multiplicative(
    panel: DemandPanel,
    horizon: int,
    shrink_weeks: float = SHRINK_WEEKS,
    level_days: int = LEVEL_DAYS,
    season: str = "month",
) -> np.ndarray:
    """Recent deseasonalised level × pooled weekday and annual shapes, with the yearly trend carried forward."""
    weekday_factor, season_factor = pooled_shapes(panel, shrink_weeks, season=season)
    n_days = int(panel.last_day.max()) + horizon + 1
    weekday = _calendar(panel, n_days)[0]
    season_index, _ = _season(panel, n_days, season)
    rows = np.arange(panel.n_series)[:, None]
    span = 2 * YEAR
    recent = _trailing(panel, span)
    recent_days = np.maximum(panel.last_day[:, None] - span + 1 + np.arange(span)[None, :], 0)
    shape = weekday_factor[rows, weekday[recent_days]] * season_factor[rows, season_index[recent_days]]
    adjusted = recent / shape
    level = _nanmean(adjusted[:, -level_days:], axis=1)
    this_year = _nanmean(adjusted[:, -YEAR:], axis=1)
    last_year = _nanmean(adjusted[:, :YEAR], axis=1)
    full_years = np.sum(~np.isnan(adjusted[:, :YEAR]), axis=1) > YEAR // 2
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.where(full_years & (last_year > 0), this_year / last_year, 1.0)
    growth = np.clip(np.nan_to_num(growth, nan=1.0), 1 / MAX_GROWTH, MAX_GROWTH)
    targets = _target_days(panel, horizon)
    # The level is the mean of the last ``level_days``: centred that many days / 2 before the end.
    years_ahead = (level_days / 2 + 1 + np.arange(horizon))[None, :] / YEAR
    projected = np.nan_to_num(level)[:, None] * growth[:, None] ** years_ahead
    forecast = projected * weekday_factor[rows, weekday[targets]] * season_factor[rows, season_index[targets]]
    result: np.ndarray = np.maximum(np.nan_to_num(forecast), 0.0)
    return result
