"""Accuracy measures used in back-tests: WAPE, MASE (weekly seasonal scale) and bias.

A NaN actual (no sale row) or a NaN forecast (a model run on a subset of series) is left out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Accuracy:
    wape: float  # Σ|y - ŷ| / Σ y
    mase: float  # mean over series of MAE / in-sample MAE of same-weekday-last-week
    bias: float  # Σ(ŷ - y) / Σ y: positive = over-forecast
    coverage_80: float | None  # share of actuals inside the 80% band, when a band was given
    n_points: int

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    known = ~np.isnan(actual) & ~np.isnan(forecast)
    total = np.abs(actual[known]).sum()
    return float(np.abs(actual[known] - forecast[known]).sum() / total) if total > 0 else float("nan")


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    known = ~np.isnan(actual) & ~np.isnan(forecast)
    total = np.abs(actual[known]).sum()
    return float((forecast[known] - actual[known]).sum() / total) if total > 0 else float("nan")


def weekly_naive_scale(history: np.ndarray) -> np.ndarray:
    """Per-series in-sample MAE of the same-weekday-last-week forecast (the MASE denominator)."""
    diffs = np.abs(history[:, 7:] - history[:, :-7])
    with np.errstate(invalid="ignore"):
        counts = np.sum(~np.isnan(diffs), axis=1)
        sums = np.nansum(diffs, axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def mase(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> float:
    known = ~np.isnan(actual) & ~np.isnan(forecast)
    errors = np.where(known, np.abs(actual - forecast), 0.0).sum(axis=1)
    counts = known.sum(axis=1)
    usable = (counts > 0) & (scale > 0) & ~np.isnan(scale)
    if not usable.any():
        return float("nan")
    return float(np.mean(errors[usable] / counts[usable] / scale[usable]))


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    known = ~np.isnan(actual) & ~np.isnan(lower)
    inside = (actual[known] >= lower[known]) & (actual[known] <= upper[known])
    return float(inside.mean()) if inside.size else float("nan")


def accuracy(
    actual: np.ndarray,
    forecast: np.ndarray,
    scale: np.ndarray,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> Accuracy:
    return Accuracy(
        wape=wape(actual, forecast),
        mase=mase(actual, forecast, scale),
        bias=bias(actual, forecast),
        coverage_80=None if lower is None or upper is None else coverage(actual, lower, upper),
        n_points=int((~np.isnan(actual) & ~np.isnan(forecast)).sum()),
    )
