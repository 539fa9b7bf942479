"""Conformal 80% bands calibrated on back-test residuals.

Count demand spreads roughly with the square root of its level, so residuals are scaled by
sqrt(ŷ + 1) before taking their 10% and 90% quantiles; one pair per 28-day horizon block,
because errors grow when the model reads its own forecasts as lags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK_DAYS = 28


def _scaled(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    scores: np.ndarray = (actual - forecast) / np.sqrt(np.maximum(forecast, 0.0) + 1.0)
    return scores


@dataclass(frozen=True)
class ConformalBand:
    """Lower/upper scaled-residual quantiles per horizon block (block 0 = days 1..28)."""

    lower: tuple[float, ...]
    upper: tuple[float, ...]
    level: float = 0.8

    @classmethod
    def calibrate(cls, actual: np.ndarray, forecast: np.ndarray, level: float = 0.8) -> ConformalBand:
        """``actual``/``forecast`` are (n, horizon) back-test matrices (NaN actual = unknown)."""
        horizon = actual.shape[1]
        alpha = (1.0 - level) / 2.0
        lower: list[float] = []
        upper: list[float] = []
        for start in range(0, horizon, BLOCK_DAYS):
            a = actual[:, start : start + BLOCK_DAYS]
            f = forecast[:, start : start + BLOCK_DAYS]
            known = ~np.isnan(a) & ~np.isnan(f)
            if known.sum() < 20:
                break
            scores = _scaled(a[known], f[known])
            lower.append(float(np.quantile(scores, alpha)))
            upper.append(float(np.quantile(scores, 1.0 - alpha)))
        if not lower:
            raise ValueError("too few back-test residuals to calibrate a band")
        return cls(lower=tuple(lower), upper=tuple(upper), level=level)

    def apply(self, forecast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) for an (n_series, horizon) forecast matrix; never below zero."""
        horizon = forecast.shape[1]
        block = np.minimum(np.arange(horizon) // BLOCK_DAYS, len(self.lower) - 1)
        spread = np.sqrt(np.maximum(forecast, 0.0) + 1.0)
        lo = forecast + np.asarray(self.lower)[block][None, :] * spread
        hi = forecast + np.asarray(self.upper)[block][None, :] * spread
        return np.maximum(lo, 0.0), np.maximum(hi, 0.0)
