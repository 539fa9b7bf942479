"""Choose and combine candidate models per series group from rolling back-test forecasts.

The windows are weighted: when the oldest window is the forecast's season a year earlier, it counts
as much as the recent windows together (``SEASON_WINDOW_WEIGHT``): a December forecast should be
chosen by how the models did last December as much as by how they did this autumn.

Series are grouped by what the back-tests show matters for which model wins: a short history
(a new product: no yearly lags, no own season), intermittent demand (many zero days), a recent
change of level against last year (a level shift: year-long means lag behind it), and slow or
fast sellers. Per group, the blend weights (a grid on the simplex, step ``WEIGHT_STEP``, single
models at its corners) with the lowest back-test WAPE are chosen. The score averages the WAPE on
the series the global model was fitted on (later days) and on the series held out from its fit,
so a model that only knows the series it has seen does not win.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from smartdist_forecast.modelling.panel import DemandPanel

GROUPS = ("new", "intermittent", "changing", "slow", "fast")
NEW_HISTORY_DAYS = 365
INTERMITTENT_ZERO_SHARE = 0.3
RECENT_DAYS = 91
# "changing": the last 8 weeks against the same weeks a year earlier moved this much more (or
# less) than the tenant's typical series did (a level shift, a strong launch or a decline).
CHANGE_DAYS = 56
CHANGE_FACTOR = 1.3
WEIGHT_STEP = 0.25
SEASON_WINDOW_WEIGHT = 0.5


def window_weights(n_windows: int, seasonal_first: bool) -> dict[int, float]:
    """Weight of each back-test window in the selection score (they sum to 1)."""
    if not seasonal_first or n_windows < 2:
        return {k: 1.0 / n_windows for k in range(n_windows)}
    rest = (1.0 - SEASON_WINDOW_WEIGHT) / (n_windows - 1)
    return {0: SEASON_WINDOW_WEIGHT, **{k: rest for k in range(1, n_windows)}}


def series_groups(panel: DemandPanel, slow_below: float | None = None) -> tuple[np.ndarray, float]:
    """(group index per series into ``GROUPS``, the slow/fast threshold used).

    The threshold is the median recent daily demand of the non-new, non-intermittent series,
    unless given (the one chosen in training is reused when forecasting).
    """
    offsets = panel.last_day[:, None] - RECENT_DAYS + 1 + np.arange(RECENT_DAYS)[None, :]
    inside = offsets >= panel.first_day[:, None]
    rows = np.broadcast_to(np.arange(panel.n_series)[:, None], offsets.shape)
    recent = np.full(offsets.shape, np.nan)
    recent[inside] = panel.demand[rows[inside], offsets[inside]]
    known = ~np.isnan(recent)
    counts = np.maximum(known.sum(axis=1), 1)
    zero_share = ((recent == 0) & known).sum(axis=1) / counts
    mean = np.where(known, recent, 0.0).sum(axis=1) / counts
    history = panel.last_day - panel.first_day + 1
    new = history < NEW_HISTORY_DAYS
    intermittent = ~new & (zero_share > INTERMITTENT_ZERO_SHARE)
    changing = ~new & ~intermittent & _changed(panel)
    regular = ~new & ~intermittent & ~changing
    if slow_below is None:
        slow_below = float(np.median(mean[regular])) if regular.any() else 0.0
    group = np.where(new, 0, np.where(intermittent, 1, np.where(changing, 2, np.where(mean < slow_below, 3, 4))))
    return group.astype(np.int64), slow_below


def _window_mean(panel: DemandPanel, end: np.ndarray, days: int) -> np.ndarray:
    offsets = end[:, None] - days + 1 + np.arange(days)[None, :]
    inside = (offsets >= panel.first_day[:, None]) & (offsets >= 0)
    rows = np.broadcast_to(np.arange(panel.n_series)[:, None], offsets.shape)
    values = np.full(offsets.shape, np.nan)
    values[inside] = panel.demand[rows[inside], offsets[inside]]
    known = ~np.isnan(values)
    counts = known.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean: np.ndarray = np.where(
            counts > CHANGE_DAYS // 2, np.where(known, values, 0.0).sum(axis=1) / counts, np.nan
        )
    return mean


def _changed(panel: DemandPanel) -> np.ndarray:
    """Series whose last 8 weeks moved against a year earlier by ≥ CHANGE_FACTOR more than the median series."""
    now = _window_mean(panel, panel.last_day, CHANGE_DAYS)
    year_ago = _window_mean(panel, panel.last_day - 364, CHANGE_DAYS)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where((year_ago > 0) & (now > 0), now / year_ago, np.nan)
    if not np.isfinite(ratio).any():
        return np.zeros(panel.n_series, dtype=bool)
    typical = float(np.nanmedian(ratio))
    relative = np.abs(np.log(ratio / typical))
    changed: np.ndarray = np.isfinite(relative) & (relative > np.log(CHANGE_FACTOR))
    return changed


def weight_grid(n_models: int, step: float = WEIGHT_STEP) -> np.ndarray:
    """Every weight vector on the simplex with entries in multiples of ``step``."""
    parts = round(1 / step)
    grid = [c for c in itertools.product(range(parts + 1), repeat=n_models) if sum(c) == parts]
    return np.asarray(grid, dtype=float) / parts


@dataclass
class GroupChoice:
    weights: dict[str, float]
    rows: int  # back-test rows (series × windows) the group had
    score: float  # the selection score of the chosen weights (mean of later-days and held-out WAPE)
    candidates: dict[str, float] = field(default_factory=dict)  # each single model's score

    def as_dict(self) -> dict[str, object]:
        # JSON has no NaN (PostgreSQL refuses it): a group without back-test rows has no score.
        return {
            "weights": self.weights,
            "rows": self.rows,
            "score": None if math.isnan(self.score) else self.score,
            "candidates": {name: None if math.isnan(v) else v for name, v in self.candidates.items()},
        }


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    known = ~np.isnan(actual) & ~np.isnan(forecast)
    total = float(np.abs(actual[known]).sum())
    return float(np.abs(actual[known] - forecast[known]).sum() / total) if total > 0 else float("nan")


def _score(actual: np.ndarray, forecast: np.ndarray, held_out: np.ndarray) -> float:
    """Mean of the WAPE on fitted series and on held-out series (only the first when none is held out)."""
    fitted = _wape(actual[~held_out], forecast[~held_out])
    if not held_out.any():
        return fitted
    unseen = _wape(actual[held_out], forecast[held_out])
    if np.isnan(fitted):
        return unseen
    return fitted if np.isnan(unseen) else (fitted + unseen) / 2


def _window_score(
    actual: np.ndarray,
    forecast: np.ndarray,
    held_out: np.ndarray,
    window: np.ndarray | None,
    window_weights: dict[int, float] | None,
) -> float:
    """``_score`` per back-test window, averaged with ``window_weights`` (windows without a score drop out)."""
    if window is None or not window_weights:
        return _score(actual, forecast, held_out)
    total, weight = 0.0, 0.0
    for k, w in window_weights.items():
        rows = window == k
        if not rows.any():
            continue
        value = _score(actual[rows], forecast[rows], held_out[rows])
        if not np.isnan(value):
            total += w * value
            weight += w
    return total / weight if weight > 0 else float("nan")


def choose_weights(
    actual: np.ndarray,
    forecasts: dict[str, np.ndarray],
    group: np.ndarray,
    held_out: np.ndarray,
    fallback: str,
    window: np.ndarray | None = None,
    window_weights: dict[int, float] | None = None,
) -> dict[str, GroupChoice]:
    """Per group name: the blend of ``forecasts`` (stacked back-test rows) with the best score.

    ``group``, ``held_out`` and ``window`` (the back-test window of the row) are per stacked row;
    with ``window_weights`` the score is the weighted mean of the windows' scores. A group without
    a scored row takes ``fallback`` alone.
    """
    names = [n for n, f in forecasts.items() if not np.isnan(f).all(axis=1).any()]
    grid = weight_grid(len(names))
    choices: dict[str, GroupChoice] = {}
    for g, group_name in enumerate(GROUPS):
        rows = group == g
        n_rows = int(rows.sum())
        if n_rows == 0 or np.isnan(_wape(actual[rows], actual[rows])):
            choices[group_name] = GroupChoice({fallback: 1.0}, 0, float("nan"))
            continue
        a = actual[rows]
        stack = np.stack([forecasts[n][rows] for n in names])
        h = held_out[rows]
        k = None if window is None else window[rows]
        scores = [_window_score(a, np.tensordot(w, stack, axes=1), h, k, window_weights) for w in grid]
        if np.isnan(scores).all():
            choices[group_name] = GroupChoice({fallback: 1.0}, n_rows, float("nan"))
            continue
        best = int(np.nanargmin(scores))
        weights = {n: float(w) for n, w in zip(names, grid[best], strict=True) if w > 0}
        singles = {n: _window_score(a, stack[i], h, k, window_weights) for i, n in enumerate(names)}
        choices[group_name] = GroupChoice(weights, n_rows, float(scores[best]), singles)
    return choices


def blend(forecasts: dict[str, np.ndarray], group: np.ndarray, choices: dict[str, GroupChoice]) -> np.ndarray:
    """The combination's (n_series, horizon) forecast: each series' group's weights."""
    shape = next(iter(forecasts.values())).shape
    out = np.zeros(shape)
    for g, group_name in enumerate(GROUPS):
        rows = group == g
        if not rows.any():
            continue
        for name, weight in choices[group_name].weights.items():
            out[rows] += weight * forecasts[name][rows]
    return out
