"""Accuracy on series no one tuned on, and the cost of one training run for 500 series × 5 years.

    PYTHONPATH=services/forecast/src .venv/bin/python services/forecast/benchmarks/unseen_series.py \
        [--only families|sample] [--series 500] [--ets-series 100] [--json]

Data sets (each in a fresh process, so peak RSS is that run's own):

- ``families``: ``--series`` store × product series × 5 years (2019-12-31 … 2024-12-29) generated
  here in the POS contract format (header, 農曆, 星期, 年度週別 as the real export) from six
  retail families, about a sixth each: ``smooth`` (level × weekday × annual shape × trend, per
  category and store type, 春節 stock-up), ``level_shift`` (a permanent step of ×0.5–0.8 or
  ×1.3–1.8 in the last two years, some in the last 4 months), ``intermittent`` (0.05–1.5 units a
  day, most days zero), ``new_product`` (listed 60–400 days before the end, with a launch ramp),
  ``promotion`` (3–7 day promotions about every 6 weeks at 20–30% off: ×1.5–2.5 sales, a dip
  after, the price visible in 總金額; some fall in the held-out days) and ``overdispersed``
  (smooth shapes with gamma–Poisson noise, k = 3–8). Noise is gamma–Poisson throughout; zero days
  are written as rows with 總銷量 0. The seed is fixed; nothing here was tuned on these series.
- ``sample``: ``../shared/data/forecast/pos_sample.csv`` (60 series), reported for all series and
  for store 10203 alone (its 20 series are the part of the sample kept out of tuning decisions).

Timed (wall, process CPU, peak RSS from ``getrusage`` of the child process, and the tracemalloc
peak of Python allocations): POS import → demand → panel → training run (rolling back-test of every
candidate over 3 × 28 days, per-group selection, bands, final fit) → forecast of the last 28 days,
which are held out. Then every candidate is scored on the held-out days: seasonal naive (same
weekday last week), the plain multiplicative model (mean of the last 365 days × weekday × month
factor), the pooled multiplicative model, weekly ETS (statsmodels Holt-Winters, on ``--ets-series``
series: it runs per series), the global LightGBM (direct, lags ≥ 28 days, Tweedie) and the chosen
combination the service publishes. Bands of single candidates are calibrated the same way on their
own back-test residuals. The machine is shared: time figures are pessimistic, load is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from lunardate import LunarDate

from smartdist_forecast.modelling import baselines, multiplicative
from smartdist_forecast.modelling.global_lgbm import GlobalDemandModel
from smartdist_forecast.modelling.intervals import ConformalBand, dispersion_index
from smartdist_forecast.modelling.metrics import accuracy, weekly_naive_scale
from smartdist_forecast.modelling.panel import DemandPanel, build_panel
from smartdist_forecast.modelling.training import (
    COMBINATION,
    GLOBAL_MODEL,
    TrainingOptions,
    TrainingOutcome,
    _with_short_series_fallback,
    run_training,
)
from smartdist_forecast.sales.demand import daily_demand
from smartdist_forecast.sales.pos_csv import POS_HEADER, parse_pos_csv

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "forecast"
HOLDOUT_DAYS = 28
SEED = 20261204
START = pd.Timestamp("2019-12-31")
N_DAYS = 1826
FAMILIES = ("smooth", "level_shift", "intermittent", "new_product", "promotion", "overdispersed")
CATEGORIES = {
    "11000": ("乳品冷藏", 0.10, 200),  # name, annual amplitude, peak day of year
    "12000": ("飲料", 0.35, 200),
    "13000": ("零食餅乾", 0.10, 30),
    "14000": ("泡麵沖調", 0.25, 20),
    "15000": ("米油調味", 0.08, 20),
    "16000": ("日用清潔", 0.05, 100),
}
WEEKDAY_SHAPES = {
    "residential": np.array([0.9, 0.88, 0.9, 0.95, 1.05, 1.25, 1.2]),
    "office": np.array([1.15, 1.12, 1.1, 1.12, 1.15, 0.7, 0.62]),
}
SAMPLE_HELD_OUT_STORE = "10203"


# --- generation -----------------------------------------------------------------------------


def _day_columns(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The per-day columns of the POS contract: 銷售日期, 農曆, 星期, 年度週別, weather."""
    weekdays = np.array(["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"])
    lunar = []
    for day in dates:
        d = LunarDate.fromSolarDate(day.year, day.month, day.day)
        lunar.append(f"{d.year:04d}{d.month:02d}{d.day:02d}")
    return pd.DataFrame(
        {
            "銷售日期": dates.strftime("%Y/%m/%d"),
            "農曆": lunar,
            "星期": weekdays[dates.day_of_week.to_numpy()],
            "天氣概況": "多雲",
            "天氣溫度": "20~27",
            "年度週別": dates.isocalendar().week.to_numpy().astype(str),
        }
    )


def _lunar_new_year_effect(dates: pd.DatetimeIndex) -> np.ndarray:
    """Stock-up in the 10 days before 春節 (×1.4 at its peak), closed-ish first 3 days (×0.6)."""
    effect = np.ones(len(dates))
    for year in range(dates.year.min(), dates.year.max() + 2):
        new_year = pd.Timestamp(LunarDate(year, 1, 1).toSolarDate())
        offset = (dates - new_year).days.to_numpy()
        before = (offset >= -10) & (offset < 0)
        effect[before] *= 1.0 + 0.4 * (10 + offset[before]) / 10
        effect[(offset >= 0) & (offset < 3)] *= 0.6
    return effect


def generate_families(n_series: int, seed: int = SEED) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """POS rows of ``n_series`` generated series, and each (店號, 商品代碼)'s family."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=N_DAYS, freq="D")
    t = np.arange(N_DAYS)
    doy = dates.day_of_year.to_numpy()
    weekday = dates.day_of_week.to_numpy()
    lny = _lunar_new_year_effect(dates)
    n_stores = max(1, n_series // 25)
    skus_per_store = int(np.ceil(n_series / n_stores))
    store_types = rng.choice(list(WEEKDAY_SHAPES), n_stores, p=[0.7, 0.3])
    category_codes = list(CATEGORIES)
    day_columns = _day_columns(dates)
    frames = []
    family_of: dict[tuple[str, str], str] = {}
    count = 0
    for s in range(n_stores):
        store = f"7{s:04d}"
        for k in range(skus_per_store):
            if count == n_series:
                break
            family = FAMILIES[count % len(FAMILIES)]
            category = category_codes[k % len(category_codes)]
            _, amplitude, peak = CATEGORIES[category]
            sku = f"{category[:2]}9{k:05d}"
            shape = WEEKDAY_SHAPES[store_types[s]] * rng.lognormal(0, 0.05, 7)
            annual = 1 + amplitude * rng.uniform(0.6, 1.4) * np.cos(2 * np.pi * (doy - peak) / 365.25)
            level = rng.lognormal(np.log(12), 0.9)
            growth = rng.normal(0.03, 0.08)
            mean = level * shape[weekday] * annual * np.exp(growth * t / 365.25)
            if category in ("13000", "14000", "15000"):
                mean = mean * lny
            price = float(rng.choice([25, 35, 49, 59, 89, 129, 199]))
            unit_price = np.full(N_DAYS, price)
            first = 0
            dispersion = 30.0
            if family == "level_shift":
                step = int(rng.integers(N_DAYS - 730, N_DAYS - 60))
                factor = rng.uniform(0.5, 0.8) if rng.random() < 0.5 else rng.uniform(1.3, 1.8)
                mean[step:] *= factor
            elif family == "intermittent":
                mean = mean / level * rng.uniform(0.05, 1.5)
                dispersion = 2.0
            elif family == "new_product":
                first = int(rng.integers(N_DAYS - 400, N_DAYS - 60))
                ramp = np.clip((t - first) / 21.0, 0.3, 1.0)
                mean = mean * ramp
            elif family == "promotion":
                day = int(rng.integers(0, 42))
                while day < N_DAYS:
                    length = int(rng.integers(3, 8))
                    mean[day : day + length] *= rng.uniform(1.5, 2.5)
                    mean[day + length : day + length + 7] *= 0.85
                    unit_price[day : day + length] = price * (1 - rng.uniform(0.2, 0.3))
                    day += length + int(rng.integers(28, 56))
            elif family == "overdispersed":
                dispersion = float(rng.uniform(3, 8))
            qty = rng.poisson(rng.gamma(dispersion, mean / dispersion))
            frame = day_columns.iloc[first:].copy()
            frame["店號"] = store
            frame["店名"] = f"測試門市{s:02d}"
            frame["商品代碼"] = sku
            frame["品名"] = f"測試商品{k:03d}"
            frame["品類"] = category
            frame["品類名稱"] = CATEGORIES[category][0]
            frame["總銷量"] = qty[first:].astype(str)
            frame["總金額"] = np.round(qty[first:] * unit_price[first:]).astype(np.int64).astype(str)
            frames.append(frame)
            family_of[(store, sku)] = family
            count += 1
    rows = pd.concat(frames, ignore_index=True)[list(POS_HEADER)]
    return rows.sort_values(["店號", "銷售日期", "商品代碼"], kind="stable"), family_of


# --- the timed pipeline and the scores ------------------------------------------------------


def timed_training(csv_path: Path) -> tuple[DemandPanel, DemandPanel, TrainingOutcome, dict[str, Any]]:
    stages: list[dict[str, Any]] = []
    tracemalloc.start()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with open(csv_path, "rb") as handle:
        imported = parse_pos_csv(handle)
    import_s = time.perf_counter() - wall0
    panel = build_panel(daily_demand(imported.sales))
    known = panel.truncated(panel.n_days - HOLDOUT_DAYS)
    prepare_s = time.perf_counter() - wall0 - import_s
    mark = time.perf_counter()

    def stage_seen(fraction: float, stage: str, **params: int) -> None:
        if not stages or stages[-1]["stage"] != stage or stages[-1].get("params", {}) != params:
            stages.append({"t": round(time.perf_counter() - mark, 1), "fraction": round(fraction, 3), "stage": stage})
            if params:
                stages[-1]["params"] = params

    outcome = run_training(known, TrainingOptions(horizon_days=HOLDOUT_DAYS), stages=stage_seen)
    train_s = time.perf_counter() - mark
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    timings = {
        "import_s": round(import_s, 1),
        "prepare_s": round(prepare_s, 1),
        "train_backtest_forecast_s": round(train_s, 1),
        "total_wall_s": round(time.perf_counter() - wall0, 1),
        "process_cpu_s": round(time.process_time() - cpu0, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 0),
        "tracemalloc_peak_mb": round(traced_peak / 2**20, 0),
        "rows": len(imported.sales),
        "stages": stages,
    }
    return panel, known, outcome, timings


def candidate_forecasts(known: DemandPanel, outcome: TrainingOutcome, ets_rows: np.ndarray) -> dict[str, np.ndarray]:
    horizon = HOLDOUT_DAYS
    shape = (known.n_series, horizon)
    rows = outcome.forecasts.sort_values(["store", "sku", "date"])
    text = outcome.artefact.model_text
    model = GlobalDemandModel.from_text(text) if text else GlobalDemandModel.fit(known)
    ets = np.full(shape, np.nan)
    sub = DemandPanel(
        stores=known.stores[ets_rows],
        skus=known.skus[ets_rows],
        start=known.start,
        demand=known.demand[ets_rows],
        first_day=known.first_day[ets_rows],
        last_day=known.last_day[ets_rows],
    )
    ets[ets_rows] = baselines.ets_weekly(sub, horizon)
    return {
        "seasonal_naive": baselines.seasonal_naive(known, horizon),
        "multiplicative": multiplicative.multiplicative(known, horizon),
        "pooled_multiplicative": multiplicative.pooled_multiplicative(known, horizon),
        "pooled_multiplicative_year": multiplicative.pooled_multiplicative_year(known, horizon),
        "ets_weekly": ets,
        GLOBAL_MODEL: _with_short_series_fallback(known, model.forecast(known, horizon), horizon),
        COMBINATION: rows["yhat"].to_numpy().reshape(shape),
    }


def candidate_bands(panel: DemandPanel, outcome: TrainingOutcome, names: list[str]) -> dict[str, ConformalBand | None]:
    bands: dict[str, ConformalBand | None] = {COMBINATION: outcome.artefact.band()}
    backtest = outcome.backtest
    dispersion = np.concatenate([dispersion_index(panel.demand[:, : o.origin_day]) for o in backtest.origins])
    for name in names:
        if name in backtest.model_names():
            actual, forecast = backtest.stacked(name)
            bands[name] = ConformalBand.calibrate(actual, forecast, dispersion=dispersion)
        elif name != COMBINATION:
            bands[name] = None
    return bands


def score(
    panel: DemandPanel,
    known: DemandPanel,
    forecasts: dict[str, np.ndarray],
    bands: dict[str, ConformalBand | None],
    rows: np.ndarray,
    outcome: TrainingOutcome,
) -> dict[str, dict[str, float | int | None]]:
    actual = panel.demand[rows, -HOLDOUT_DAYS:]
    scale = weekly_naive_scale(known.demand[rows])
    naive = forecasts["seasonal_naive"][rows]
    out: dict[str, dict[str, float | int | None]] = {}
    for name, matrix in forecasts.items():
        f = matrix[rows]
        keep = ~np.isnan(f).any(axis=1)
        if not keep.any():
            continue
        band = bands.get(name)
        if name == COMBINATION:
            ordered = outcome.forecasts.sort_values(["store", "sku", "date"])
            lo = ordered["yhat_lo"].to_numpy().reshape(matrix.shape)[rows]
            hi = ordered["yhat_hi"].to_numpy().reshape(matrix.shape)[rows]
        elif band is not None:
            lo, hi = band.apply(matrix, dispersion_index(known.demand))
            lo, hi = lo[rows], hi[rows]
        else:
            lo = hi = None
        result = accuracy(
            actual[keep],
            f[keep],
            scale[keep],
            None if lo is None else lo[keep],
            None if hi is None else hi[keep],
        ).as_dict()
        naive_result = accuracy(actual[keep], naive[keep], scale[keep])
        result["ratio_to_seasonal_naive"] = result["wape"] / naive_result.wape  # type: ignore[operator]
        result["series"] = int(keep.sum())
        out[name] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.items()}
    return out


def run(kind: str, n_series: int, ets_series: int) -> dict[str, Any]:
    report: dict[str, Any] = {"data_set": kind, "load_average_start": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as scratch:
        family_of: dict[tuple[str, str], str] = {}
        if kind == "sample":
            csv_path = DATA / "pos_sample.csv"
        else:
            csv_path = Path(scratch) / "pos_families.csv"
            started = time.perf_counter()
            rows, family_of = generate_families(n_series)
            rows.to_csv(csv_path, index=False, encoding="utf-8", lineterminator="\n")
            report["generate_s"] = round(time.perf_counter() - started, 1)
        panel, known, outcome, timings = timed_training(csv_path)
    report["timing"] = timings
    report["load_average_end"] = round(os.getloadavg()[0], 2)
    report["series"], report["days"] = panel.n_series, panel.n_days
    ets_rows = np.arange(panel.n_series)
    if ets_series < panel.n_series:
        ets_rows = np.sort(np.random.default_rng(SEED).choice(panel.n_series, ets_series, replace=False))
    forecasts = candidate_forecasts(known, outcome, ets_rows)
    bands = candidate_bands(known, outcome, list(forecasts))
    everything = np.arange(panel.n_series)
    report["scores"] = {"all": score(panel, known, forecasts, bands, everything, outcome)}
    if family_of:
        family = np.array([family_of[(str(s), str(k))] for s, k in zip(panel.stores, panel.skus, strict=True)])
        for name in FAMILIES:
            report["scores"][name] = score(panel, known, forecasts, bands, np.flatnonzero(family == name), outcome)
    else:
        held = np.flatnonzero(panel.stores == SAMPLE_HELD_OUT_STORE)
        report["scores"][f"store {SAMPLE_HELD_OUT_STORE} (kept out of tuning)"] = score(
            panel, known, forecasts, bands, held, outcome
        )
    report["selection"] = outcome.artefact.selection
    report["backtest"] = outcome.artefact.backtest
    return report


def print_report(report: dict[str, Any]) -> None:
    timing = report["timing"]
    print(
        f"\n## {report['data_set']}: {report['series']} series × {report['days']} days "
        f"(load {report['load_average_start']} → {report['load_average_end']})"
    )
    print(
        f"import {timing['import_s']} s, prepare {timing['prepare_s']} s, train + back-test + forecast "
        f"{timing['train_backtest_forecast_s']} s, total {timing['total_wall_s']} s wall / "
        f"{timing['process_cpu_s']} s CPU, peak RSS {timing['peak_rss_mb']:.0f} MB, "
        f"tracemalloc peak {timing['tracemalloc_peak_mb']:.0f} MB"
    )
    print("stages:", ", ".join(f"{s['t']}s {s['stage'].split('.')[-1]}{s.get('params', '')}" for s in timing["stages"]))
    for subset, scores in report["scores"].items():
        print(f"\n### {subset}\n")
        print("| model | series | WAPE | ratio to seasonal naive | MASE | bias | 80% band coverage |")
        print("|---|---|---|---|---|---|---|")
        for name, s in scores.items():
            cov = "—" if s["coverage_80"] is None else f"{s['coverage_80']:.3f}"
            print(
                f"| {name} | {s['series']} | {s['wape']:.4f} | {s['ratio_to_seasonal_naive']:.3f} | "
                f"{s['mase']:.3f} | {s['bias']:+.3f} | {cov} |"
            )
    print("\nchosen weights per group:")
    for group, choice in report["selection"]["groups"].items():
        print(f"- {group} ({choice['series']} series): {choice['weights']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["families", "sample"])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--ets-series", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["families", "sample"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.series, args.ets_series), ensure_ascii=False, default=float))
        return
    for kind in [args.only] if args.only else ["families", "sample"]:
        command = [sys.executable, __file__, "--child", kind, "--series", str(args.series)]
        command += ["--ets-series", str(args.ets_series)]
        done = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ.copy())
        report = json.loads(done.stdout.strip().splitlines()[-1])
        if args.json:
            print(json.dumps(report, ensure_ascii=False))
        else:
            print_report(report)


if __name__ == "__main__":
    main()
