"""The data-quality report shown after an import: what a planner should look at before trusting
a forecast (gaps, runs of zero sales, outliers, unknown stores/products, rejected rows)."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from smartdist_forecast.modelling.panel import build_panel
from smartdist_forecast.sales.csv_source import RowError

# A week of zeros is a stock-out, a delisting or a broken export, rarely true demand.
ZERO_RUN_DAYS = 7
# Robust z-score (MAD units, log scale) above which a day is called an outlier.
OUTLIER_Z = 5.0
MAX_LISTED = 200


@dataclass
class SeriesGap:
    store: str
    sku: str
    missing_days: int
    longest_gap_days: int
    first_missing: str


@dataclass
class ZeroRun:
    store: str
    sku: str
    start: str
    end: str
    days: int


@dataclass
class Outlier:
    store: str
    sku: str
    date: str
    qty: float
    typical: float
    z: float


@dataclass
class QualityReport:
    rows: int
    series: int
    stores: int
    skus: int
    first_date: str | None
    last_date: str | None
    missing_days: int
    gaps: list[SeriesGap] = field(default_factory=list)
    zero_runs: list[ZeroRun] = field(default_factory=list)
    outliers: list[Outlier] = field(default_factory=list)
    negative_rows: int = 0
    unknown_stores: list[str] = field(default_factory=list)
    unknown_skus: list[str] = field(default_factory=list)
    rejected_rows: int = 0
    rejected_by_column: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each run of True in a 1-d boolean array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(s), int(e - s)) for s, e in zip(edges[::2], edges[1::2], strict=True)]


def _same_weekday_median(demand: np.ndarray, weeks: int = 4) -> np.ndarray:
    """Median of the same weekday in the ±``weeks`` weeks around each day (the day itself excluded)."""
    shifted = []
    for k in range(-weeks, weeks + 1):
        if k == 0:
            continue
        lag = 7 * k
        layer = np.full(demand.shape, np.nan)
        if lag > 0:
            layer[:, lag:] = demand[:, :-lag]
        else:
            layer[:, :lag] = demand[:, -lag:]
        shifted.append(layer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median: np.ndarray = np.nanmedian(np.stack(shifted), axis=0)
        return median


def build_quality_report(
    sales: pd.DataFrame,
    known_stores: set[str] | None = None,
    known_skus: set[str] | None = None,
    import_errors: list[RowError] | None = None,
) -> QualityReport:
    """``sales`` has store, sku, date, qty (accepted rows); known_* are the master data, if any."""
    errors = import_errors or []
    rejected_by_column = Counter(error.column or "(row)" for error in errors)
    negative_rows = sum(
        1 for error in errors if error.code in ("forecast.pos.qty_negative", "forecast.pos.amount_negative")
    )
    if sales.empty:
        return QualityReport(
            0,
            0,
            0,
            0,
            None,
            None,
            0,
            rejected_rows=len({e.row for e in errors}),
            rejected_by_column=dict(rejected_by_column),
            negative_rows=negative_rows,
        )
    panel = build_panel(sales)
    gaps: list[SeriesGap] = []
    zero_runs: list[ZeroRun] = []
    missing_total = 0
    for i in range(panel.n_series):
        history = panel.demand[i, panel.first_day[i] : panel.last_day[i] + 1]
        missing = np.isnan(history)
        if missing.any():
            runs = _runs(missing)
            missing_total += int(missing.sum())
            gaps.append(
                SeriesGap(
                    store=str(panel.stores[i]),
                    sku=str(panel.skus[i]),
                    missing_days=int(missing.sum()),
                    longest_gap_days=max(length for _, length in runs),
                    first_missing=panel.date_at(panel.first_day[i] + runs[0][0]).date().isoformat(),
                )
            )
        for start, length in _runs(history == 0):
            if length >= ZERO_RUN_DAYS:
                begin = panel.first_day[i] + start
                zero_runs.append(
                    ZeroRun(
                        store=str(panel.stores[i]),
                        sku=str(panel.skus[i]),
                        start=panel.date_at(begin).date().isoformat(),
                        end=panel.date_at(begin + length - 1).date().isoformat(),
                        days=length,
                    )
                )
    typical = _same_weekday_median(panel.demand)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_ratio = np.log1p(np.maximum(panel.demand, 0)) - np.log1p(np.maximum(typical, 0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mad = np.nanmedian(
                np.abs(log_ratio - np.nanmedian(log_ratio, axis=1, keepdims=True)), axis=1, keepdims=True
            )
        z = np.abs(log_ratio) / np.maximum(1.4826 * mad, 0.05)
    # A jump of a couple of units on a slow mover is noise, not an outlier.
    flagged = (z > OUTLIER_Z) & (np.abs(panel.demand - typical) >= 5)
    series_idx, day_idx = np.nonzero(np.nan_to_num(flagged, nan=False))
    order = np.argsort(-z[series_idx, day_idx])[:MAX_LISTED]
    outliers = [
        Outlier(
            store=str(panel.stores[series_idx[k]]),
            sku=str(panel.skus[series_idx[k]]),
            date=panel.date_at(day_idx[k]).date().isoformat(),
            qty=float(panel.demand[series_idx[k], day_idx[k]]),
            typical=float(typical[series_idx[k], day_idx[k]]),
            z=round(float(z[series_idx[k], day_idx[k]]), 2),
        )
        for k in order
    ]
    stores = set(sales["store"].astype(str))
    skus = set(sales["sku"].astype(str))
    return QualityReport(
        rows=int(len(sales)),
        series=panel.n_series,
        stores=len(stores),
        skus=len(skus),
        first_date=panel.start.date().isoformat(),
        last_date=panel.date_at(panel.n_days - 1).date().isoformat(),
        missing_days=missing_total,
        gaps=gaps[:MAX_LISTED],
        zero_runs=zero_runs[:MAX_LISTED],
        outliers=outliers,
        negative_rows=negative_rows + int((sales["qty"] < 0).sum()),
        unknown_stores=sorted(stores - known_stores) if known_stores is not None else [],
        unknown_skus=sorted(skus - known_skus) if known_skus is not None else [],
        rejected_rows=len({e.row for e in errors}),
        rejected_by_column=dict(rejected_by_column),
    )
