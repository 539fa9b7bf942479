"""statsmodels baselines that the global model must beat, and that serve short series.

- seasonal naive: the same weekday last week (the floor every forecast is judged against);
- ETS with a weekly season (Holt-Winters), the textbook per-series method;
- MSTL + ETS: weekly and yearly seasons removed by MSTL on log demand, the rest forecast by a
  damped-trend ETS, seasons added back (the weekly one from the last week, the yearly one from
  a year ago).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.seasonal import MSTL

from smartdist_forecast.modelling.panel import DemandPanel

WEEK = 7
YEAR_DAYS = 365


def _history(panel: DemandPanel, series: int, max_days: int | None = None) -> np.ndarray:
    values = panel.demand[series, panel.first_day[series] : panel.last_day[series] + 1]
    if max_days is not None:
        values = values[-max_days:]
    # A missing day inside the history is filled from the same weekday a week earlier, else 0.
    filled = pd.Series(values)
    filled = filled.fillna(filled.shift(WEEK)).fillna(filled.shift(-WEEK)).fillna(0.0)
    history: np.ndarray = filled.to_numpy(dtype=float)
    return history


def seasonal_naive(panel: DemandPanel, horizon: int) -> np.ndarray:
    """Each future day gets the demand of the same weekday in the last known week.

    All series at once; a missing day of that week takes the same weekday a week earlier, else
    0 (as ``_history`` fills). Series with less than two weeks of history go one by one.
    """
    offsets = panel.last_day[:, None] - 2 * WEEK + 1 + np.arange(2 * WEEK)[None, :]
    inside = offsets >= panel.first_day[:, None]
    rows = np.broadcast_to(np.arange(panel.n_series)[:, None], offsets.shape)
    window = np.full(offsets.shape, np.nan)
    window[inside] = panel.demand[rows[inside], offsets[inside]]
    last_week = window[:, WEEK:]
    last_week = np.where(np.isnan(last_week), window[:, :WEEK], last_week)
    last_week = np.nan_to_num(last_week)
    # Day k of the horizon is the same weekday as day k of the last week (k mod 7).
    out: np.ndarray = last_week[:, np.arange(horizon) % WEEK]
    short = (panel.last_day - panel.first_day + 1) < 2 * WEEK
    for i in np.flatnonzero(short):
        history = _history(panel, int(i), WEEK)
        history = np.resize(history, WEEK) if len(history) else np.zeros(WEEK)
        out[i] = np.resize(history, horizon)
    return out


def _ets_weekly_one(history: np.ndarray, horizon: int) -> np.ndarray:
    if len(history) < 2 * WEEK + 2:
        return np.resize(history[-WEEK:] if len(history) else np.zeros(1), horizon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on flat series
        fit = ExponentialSmoothing(
            history, trend=None, seasonal="add", seasonal_periods=WEEK, initialization_method="estimated"
        ).fit()
        forecast: np.ndarray = np.maximum(np.asarray(fit.forecast(horizon)), 0.0)
        return forecast


def ets_weekly(panel: DemandPanel, horizon: int, history_days: int = 365) -> np.ndarray:
    """Per-series Holt-Winters with a weekly season on the last year of demand."""
    return np.vstack([_ets_weekly_one(_history(panel, i, history_days), horizon) for i in range(panel.n_series)])


def _mstl_ets_one(history: np.ndarray, horizon: int) -> np.ndarray:
    if len(history) < 2 * YEAR_DAYS + WEEK:
        return _ets_weekly_one(history, horizon)
    log_demand = np.log1p(history)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = MSTL(log_demand, periods=(WEEK, YEAR_DAYS), stl_kwargs={"robust": False}).fit()
        seasonal = np.asarray(parts.seasonal)
        weekly, yearly = seasonal[:, 0], seasonal[:, 1]
        adjusted = log_demand - weekly - yearly
        level = ExponentialSmoothing(adjusted, trend="add", damped_trend=True, initialization_method="estimated").fit()
        base = np.asarray(level.forecast(horizon))
    steps = np.arange(horizon)
    future_weekly = weekly[len(weekly) - WEEK + steps % WEEK]
    # The yearly component of a few noisy years is itself noisy: average the years we have and
    # smooth over a fortnight before projecting it.
    years = len(yearly) // YEAR_DAYS
    profile = np.mean(
        [yearly[len(yearly) - k * YEAR_DAYS : len(yearly) - (k - 1) * YEAR_DAYS] for k in range(1, years + 1)], axis=0
    )
    smooth = pd.Series(np.concatenate([profile, profile, profile])).rolling(15, center=True).mean().to_numpy()
    profile = smooth[YEAR_DAYS : 2 * YEAR_DAYS]
    future_yearly = profile[steps % YEAR_DAYS]
    forecast: np.ndarray = np.maximum(np.expm1(base + future_weekly + future_yearly), 0.0)
    return forecast


def mstl_ets(panel: DemandPanel, horizon: int, history_days: int = 3 * YEAR_DAYS) -> np.ndarray:
    """Per-series MSTL (weekly + yearly) with a damped-trend ETS on the adjusted log demand."""
    return np.vstack([_mstl_ets_one(_history(panel, i, history_days), horizon) for i in range(panel.n_series)])
