"""Conformal 80% bands calibrated on rolling back-test residuals.

Count demand spreads roughly with the square root of its level, so residuals are scaled by
sqrt(ŷ + 1) before taking their 10% and 90% quantiles; one pair per 28-day horizon block,
because errors grow when the model reads its own forecasts as lags. Slow and fast sellers do not
spread alike even after scaling (a fast seller's error is more multiplicative, an intermittent
one's more lumpy), so the quantiles are also taken per level group: series are grouped by the
mean of their own forecast over the horizon, which the band can read again from any forecast
(``apply`` needs nothing but the forecast matrix, as the replenishment code calls it).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

BLOCK_DAYS = 28
# Level groups: quantiles of the series' mean forecast (terciles); each needs this many residuals.
LEVEL_GROUPS = 3
MIN_GROUP_RESIDUALS = 200


def _scaled(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    scores: np.ndarray = (actual - forecast) / np.sqrt(np.maximum(forecast, 0.0) + 1.0)
    return scores


def _block_quantiles(
    actual: np.ndarray, forecast: np.ndarray, alpha: float, minimum: int
) -> tuple[list[float], list[float]]:
    horizon = actual.shape[1]
    lower: list[float] = []
    upper: list[float] = []
    for start in range(0, horizon, BLOCK_DAYS):
        a = actual[:, start : start + BLOCK_DAYS]
        f = forecast[:, start : start + BLOCK_DAYS]
        known = ~np.isnan(a) & ~np.isnan(f)
        if known.sum() < minimum:
            break
        scores = _scaled(a[known], f[known])
        lower.append(float(np.quantile(scores, alpha)))
        upper.append(float(np.quantile(scores, 1.0 - alpha)))
    return lower, upper


def dispersion_index(history: np.ndarray, days: int = 364) -> np.ndarray:
    """Per series: how much more its demand varies than Poisson noise would (≈ 1 for Poisson).

    Var(y_t - y_{t-7}) / (2 · mean y) over the last ``days`` known days: the weekday shape cancels
    in the difference, and a Poisson series has variance = mean. Gamma–Poisson (promotions,
    weather, lumpy orders) gives 1 + mean / k. NaN-safe; 1.0 where it cannot be measured.
    """
    recent = history[:, -days - 7 :]
    diffs = recent[:, 7:] - recent[:, :-7]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        variance = np.nanvar(diffs, axis=1)
        mean = np.nanmean(recent, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(mean > 0, variance / (2 * mean), np.nan)
    result: np.ndarray = np.where(np.isfinite(index), index, 1.0)
    return result


def series_level(forecast: np.ndarray) -> np.ndarray:
    """Each series' mean forecast over the horizon: what the level groups are cut on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row of NaN (a model run on a subset)
        level: np.ndarray = np.nan_to_num(np.nanmean(np.maximum(forecast, 0.0), axis=1))
    return level


def _cut(values: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    cut: np.ndarray = np.searchsorted(np.asarray(edges), values, side="right")
    return cut


def _grouped(
    actual: np.ndarray,
    forecast: np.ndarray,
    group: np.ndarray,
    groups: int,
    alpha: float,
    lower: list[float],
    upper: list[float],
) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]]]:
    """Per group its block quantiles; a group short of residuals for a block takes ``lower``/``upper``."""
    by_lower: list[tuple[float, ...]] = []
    by_upper: list[tuple[float, ...]] = []
    for g in range(groups):
        rows = group == g
        g_lower, g_upper = _block_quantiles(actual[rows], forecast[rows], alpha, MIN_GROUP_RESIDUALS)
        g_lower += lower[len(g_lower) :]
        g_upper += upper[len(g_upper) :]
        by_lower.append(tuple(g_lower))
        by_upper.append(tuple(g_upper))
    return by_lower, by_upper


@dataclass(frozen=True)
class ConformalBand:
    """Lower/upper scaled-residual quantiles per horizon block (block 0 = days 1..28).

    ``level_edges`` cut series into groups by their mean forecast; ``lower_by_level[g]`` /
    ``upper_by_level[g]`` are group g's quantiles per block (empty: one band for all series).
    """

    lower: tuple[float, ...]
    upper: tuple[float, ...]
    level: float = 0.8
    level_edges: tuple[float, ...] = ()
    lower_by_level: tuple[tuple[float, ...], ...] = ()
    upper_by_level: tuple[tuple[float, ...], ...] = ()
    # Cells of level group × dispersion group (``dispersion_index``): cell = level * 3 + dispersion.
    dispersion_edges: tuple[float, ...] = ()
    lower_by_cell: tuple[tuple[float, ...], ...] = ()
    upper_by_cell: tuple[tuple[float, ...], ...] = ()

    @classmethod
    def calibrate(
        cls,
        actual: np.ndarray,
        forecast: np.ndarray,
        level: float = 0.8,
        groups: int = LEVEL_GROUPS,
        dispersion: np.ndarray | None = None,
    ) -> ConformalBand:
        """``actual``/``forecast`` are (n, horizon) back-test matrices (NaN actual = unknown);
        ``dispersion`` (n,) each row's ``dispersion_index`` as known at its origin, if any."""
        alpha = (1.0 - level) / 2.0
        lower, upper = _block_quantiles(actual, forecast, alpha, 20)
        if not lower:
            raise ValueError("too few back-test residuals to calibrate a band")
        levels = series_level(forecast)
        edges: tuple[float, ...] = ()
        by_lower: list[tuple[float, ...]] = []
        by_upper: list[tuple[float, ...]] = []
        if groups > 1 and len(levels) >= groups:
            edges = tuple(float(e) for e in np.quantile(levels, np.arange(1, groups) / groups))
            by_lower, by_upper = _grouped(actual, forecast, _cut(levels, edges), groups, alpha, lower, upper)
        dispersion_edges: tuple[float, ...] = ()
        cell_lower: list[tuple[float, ...]] = []
        cell_upper: list[tuple[float, ...]] = []
        if by_lower and dispersion is not None:
            dispersion_edges = tuple(float(e) for e in np.quantile(dispersion, np.arange(1, groups) / groups))
            cells = _cut(levels, edges) * groups + _cut(dispersion, dispersion_edges)
            cell_lower, cell_upper = [], []
            for g in range(groups):
                # A cell short of residuals falls back to its level group's quantiles.
                level_rows = cells // groups == g
                lo_g, hi_g = _grouped(
                    actual[level_rows],
                    forecast[level_rows],
                    cells[level_rows] % groups,
                    groups,
                    alpha,
                    list(by_lower[g]),
                    list(by_upper[g]),
                )
                cell_lower += lo_g
                cell_upper += hi_g
        return cls(
            lower=tuple(lower),
            upper=tuple(upper),
            level=level,
            level_edges=edges if by_lower else (),
            lower_by_level=tuple(by_lower),
            upper_by_level=tuple(by_upper),
            dispersion_edges=dispersion_edges,
            lower_by_cell=tuple(cell_lower),
            upper_by_cell=tuple(cell_upper),
        )

    def quantiles(self, forecast: np.ndarray, dispersion: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(n_series, horizon) scaled-residual quantiles (lower, upper) that ``apply`` uses."""
        horizon = forecast.shape[1]
        block = np.minimum(np.arange(horizon) // BLOCK_DAYS, len(self.lower) - 1)
        if not self.lower_by_level:
            lower = np.broadcast_to(np.asarray(self.lower)[block][None, :], forecast.shape)
            upper = np.broadcast_to(np.asarray(self.upper)[block][None, :], forecast.shape)
            return lower, upper
        group = _cut(series_level(forecast), self.level_edges)
        lower_table = np.asarray(self.lower_by_level)
        upper_table = np.asarray(self.upper_by_level)
        if dispersion is not None and self.lower_by_cell:
            group = group * (len(self.level_edges) + 1) + _cut(dispersion, self.dispersion_edges)
            lower_table = np.asarray(self.lower_by_cell)
            upper_table = np.asarray(self.upper_by_cell)
        lower_rows: np.ndarray = lower_table[group][:, block]
        upper_rows: np.ndarray = upper_table[group][:, block]
        return lower_rows, upper_rows

    def apply(self, forecast: np.ndarray, dispersion: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) for an (n_series, horizon) forecast matrix; never below zero.

        These are the 10% / 90% demand quantiles per day that the replenishment safety stock
        reads (``yhat_lo`` / ``yhat_hi``). With each series' ``dispersion_index`` the band also
        fits how noisy the series itself is (the published forecast); without it, by level only.
        """
        lower, upper = self.quantiles(forecast, dispersion)
        spread = np.sqrt(np.maximum(forecast, 0.0) + 1.0)
        lo = forecast + lower * spread
        hi = forecast + upper * spread
        return np.maximum(lo, 0.0), np.maximum(hi, 0.0)
