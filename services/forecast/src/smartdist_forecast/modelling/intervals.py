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


def series_level(forecast: np.ndarray) -> np.ndarray:
    """Each series' mean forecast over the horizon: what the level groups are cut on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row of NaN (a model run on a subset)
        level: np.ndarray = np.nan_to_num(np.nanmean(np.maximum(forecast, 0.0), axis=1))
    return level


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

    @classmethod
    def calibrate(
        cls, actual: np.ndarray, forecast: np.ndarray, level: float = 0.8, groups: int = LEVEL_GROUPS
    ) -> ConformalBand:
        """``actual``/``forecast`` are (n, horizon) back-test matrices (NaN actual = unknown)."""
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
            group = np.searchsorted(np.asarray(edges), levels, side="right")
            for g in range(groups):
                rows = group == g
                g_lower, g_upper = _block_quantiles(actual[rows], forecast[rows], alpha, MIN_GROUP_RESIDUALS)
                # A group with too few residuals for a block takes the all-series quantiles there.
                g_lower += lower[len(g_lower) :]
                g_upper += upper[len(g_upper) :]
                by_lower.append(tuple(g_lower))
                by_upper.append(tuple(g_upper))
        return cls(
            lower=tuple(lower),
            upper=tuple(upper),
            level=level,
            level_edges=edges if by_lower else (),
            lower_by_level=tuple(by_lower),
            upper_by_level=tuple(by_upper),
        )

    def quantiles(self, forecast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n_series, horizon) scaled-residual quantiles (lower, upper) that ``apply`` uses."""
        n_series, horizon = forecast.shape
        block = np.minimum(np.arange(horizon) // BLOCK_DAYS, len(self.lower) - 1)
        if not self.lower_by_level:
            lower = np.broadcast_to(np.asarray(self.lower)[block][None, :], forecast.shape)
            upper = np.broadcast_to(np.asarray(self.upper)[block][None, :], forecast.shape)
            return lower, upper
        group = np.searchsorted(np.asarray(self.level_edges), series_level(forecast), side="right")
        lower_table = np.asarray(self.lower_by_level)
        upper_table = np.asarray(self.upper_by_level)
        lower_rows: np.ndarray = lower_table[group][:, block]
        upper_rows: np.ndarray = upper_table[group][:, block]
        return lower_rows, upper_rows

    def apply(self, forecast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) for an (n_series, horizon) forecast matrix; never below zero.

        These are the 10% / 90% demand quantiles per day that the replenishment safety stock
        reads (``yhat_lo`` / ``yhat_hi``).
        """
        lower, upper = self.quantiles(forecast)
        spread = np.sqrt(np.maximum(forecast, 0.0) + 1.0)
        lo = forecast + lower * spread
        hi = forecast + upper * spread
        return np.maximum(lo, 0.0), np.maximum(hi, 0.0)
