"""Forecast benchmark: import + train + back-test + forecast, then accuracy and the KPI-1 replay.

    PYTHONPATH=services/forecast/src .venv/bin/python services/forecast/benchmarks/run_benchmark.py

Runs (each in a fresh process, so peak memory is per data set):
- ``sample``: shared/data/forecast/pos_sample.csv (60 series × 5 years), holding out the last 28
  days: WAPE of the chosen model vs seasonal naive (same weekday last week), weekly ETS and
  MSTL+ETS, 80% band coverage; then the inventory replay (recommended policy vs "cover N days of
  the last 4 weeks' average") on the last 12 weeks with a model fitted before them.
- ``synthetic``: 500 series × 5 years generated from the sample (seeded), written as a POS CSV
  and pushed through the same pipeline; wall time and peak RSS of import + train + back-test +
  forecast, plus the same accuracy figures (MSTL on a 20-series subset: it costs ~0.7 s a series).
Pass ``--only sample`` or ``--only synthetic`` to run one. ``--json`` prints JSON lines.
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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartdist_forecast.modelling import baselines
from smartdist_forecast.modelling.metrics import coverage, wape
from smartdist_forecast.modelling.panel import DemandPanel, build_panel
from smartdist_forecast.modelling.training import TrainingOptions, TrainingOutcome, run_training
from smartdist_forecast.modelling.weather import attach_weather, store_days
from smartdist_forecast.replenishment.policy import ReplenishmentParams
from smartdist_forecast.replenishment.replay import prepare_replay, replay_policies
from smartdist_forecast.replenishment.simulation import Perishability
from smartdist_forecast.sales.demand import daily_demand
from smartdist_forecast.sales.pos_csv import POS_HEADER, parse_pos_csv
from smartdist_forecast.sales.quality import build_quality_report

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "forecast"
HOLDOUT_DAYS = 28
REPLAY_DAYS = 84
SEED = 20261126


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def import_and_train(
    csv_path: Path, holdout: int, weather: bool = False
) -> tuple[DemandPanel, DemandPanel, dict[str, Any], dict[str, float]]:
    """The timed part: import, build demand, train with back-test, forecast the holdout.

    ``weather``: give the model the holdout's recorded weather as the merchant's forecast (a
    perfect forecast), so it trains with weather features (``modelling/weather.py``).
    """
    timings: dict[str, Any] = {}
    cpu_started = time.process_time()
    started = time.perf_counter()
    with open(csv_path, "rb") as handle:
        imported = parse_pos_csv(handle)
    import_s = time.perf_counter() - started
    timings["import_s"] = import_s
    demand = daily_demand(imported.sales)
    build_quality_report(demand, import_errors=imported.errors)
    panel = build_panel(demand)
    known = panel.truncated(panel.n_days - holdout)
    decision = None
    if weather:
        cut = known.date_at(known.n_days)
        recorded = imported.sales[pd.to_datetime(imported.sales["date"]) < cut]
        given = store_days(imported.sales[pd.to_datetime(imported.sales["date"]) >= cut])
        known, decision = attach_weather(known, recorded, given, holdout)
    timings["prepare_s"] = time.perf_counter() - started - import_s
    mark = time.perf_counter()
    stages: list[tuple[float, float, float]] = []
    outcome = run_training(
        known,
        TrainingOptions(horizon_days=holdout),
        progress=lambda done: stages.append((done, time.perf_counter() - mark, time.process_time() - cpu_started)),
    )
    timings["training_stages"] = [(round(f, 2), round(w, 1), round(c, 1)) for f, w, c in stages]
    timings["train_backtest_forecast_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started
    # On a shared machine wall time includes waiting for the CPU; this process's own CPU time is
    # the closer estimate of an idle machine (an upper bound: LightGBM runs two threads).
    timings["total_cpu_s"] = time.process_time() - cpu_started
    result: dict[str, Any] = {
        "rows_accepted": imported.rows_accepted,
        "rows_rejected": imported.rows_rejected,
        "encoding": imported.encoding,
        "outcome": outcome,
        "weather": None if decision is None else decision.as_dict(),
    }
    return panel, known, result, timings


def score_holdout(
    panel: DemandPanel, known: DemandPanel, outcome: TrainingOutcome, mstl_series: int | None
) -> dict[str, Any]:
    horizon = HOLDOUT_DAYS
    actual = panel.demand[:, -horizon:]
    rows = outcome.forecasts
    shape = (panel.n_series, horizon)
    yhat = rows["yhat"].to_numpy().reshape(shape)
    lo = rows["yhat_lo"].to_numpy().reshape(shape)
    hi = rows["yhat_hi"].to_numpy().reshape(shape)
    naive = baselines.seasonal_naive(known, horizon)
    started = time.perf_counter()
    ets = baselines.ets_weekly(known, horizon)
    ets_s = time.perf_counter() - started
    scores: dict[str, Any] = {
        "chosen_model": outcome.artefact.chosen_model,
        "wape_model": wape(actual, yhat),
        "wape_seasonal_naive": wape(actual, naive),
        "wape_ets_weekly": wape(actual, ets),
        "ratio_to_seasonal_naive": wape(actual, yhat) / wape(actual, naive),
        "coverage_80": coverage(actual, lo, hi),
        "bias_model": float((yhat - actual).sum() / actual.sum()),
        "ets_weekly_s": ets_s,
        "backtest": outcome.artefact.backtest,
    }
    if mstl_series == 0:
        return scores
    subset = np.arange(panel.n_series)
    if mstl_series is not None and mstl_series < panel.n_series:
        subset = np.random.default_rng(SEED).choice(panel.n_series, mstl_series, replace=False)
    sub_known = DemandPanel(
        stores=known.stores[subset],
        skus=known.skus[subset],
        start=known.start,
        demand=known.demand[subset],
        first_day=known.first_day[subset],
        last_day=known.last_day[subset],
    )
    started = time.perf_counter()
    mstl = baselines.mstl_ets(sub_known, horizon)
    scores["mstl_s"] = time.perf_counter() - started
    scores["mstl_series"] = int(len(subset))
    scores["wape_mstl_ets_subset"] = wape(actual[subset], mstl)
    scores["wape_model_same_subset"] = wape(actual[subset], yhat[subset])
    return scores


# Assumed shelf lives per category of the sample (乳品冷藏 chilled dairy, 飲料 drinks, 零食餅乾 snacks).
SHELF_LIFE_BY_CATEGORY = {"11000": 10, "12000": 180, "13000": 180}


def sample_perishability(panel: DemandPanel) -> Perishability:
    """Shelf life by category and unit weight read from the product name (936ml → 0.936 kg, 3入 × 0.1 kg)."""
    import re

    items = pd.read_csv(DATA / "items.csv", dtype=str).set_index("商品代碼")
    shelf, weight = [], []
    for sku in panel.skus:
        name, category = items.loc[sku, "品名"], items.loc[sku, "品類"]
        size = re.search(r"(\d+)(ml|g)", name)
        packs = re.search(r"(\d+)入", name)
        kg = int(size.group(1)) / 1000 if size else 0.1 * int(packs.group(1)) if packs else 0.5
        shelf.append(SHELF_LIFE_BY_CATEGORY.get(category, 30))
        weight.append(kg)
    return Perishability(np.array(shelf, dtype=np.int64), np.array(weight))


def replay_inventory(panel: DemandPanel) -> list[dict[str, Any]]:
    """KPI-1 evidence: both policies over the last REPLAY_DAYS days, forecasts from a model fitted before."""
    prepared = prepare_replay(panel, REPLAY_DAYS)
    results = []
    for lead, review, pack, cover in [
        (2, 7, 1, 9),
        (2, 7, 1, 10),
        (2, 7, 1, 12),
        (2, 7, 6, 10),
        (1, 1, 1, 2),
        (1, 1, 1, 3),
    ]:
        params = ReplenishmentParams(lead_time_days=lead, review_period_days=review, pack_size=pack, service_level=0.95)
        replay = replay_policies(prepared, params, cover)
        wasting = replay_policies(prepared, params, cover, sample_perishability(panel)).cheapest_matching
        results.append(
            {
                "lead_time_days": lead,
                "review_period_days": review,
                "pack_size": pack,
                "cover_days": cover,
                "replay_days": replay.replay_days,
                "at_service_level_0.95": replay.at_target.as_dict(),
                "cheapest_matching": replay.cheapest_matching.as_dict(),
                "with_spoilage": {**wasting.as_dict(), "waste_kg_avoided": wasting.waste_kg_avoided},
            }
        )
    return results


def generate_synthetic(path: Path, n_stores: int = 25, seed: int = SEED) -> int:
    """500 series × 5 years from the sample: each new store mixes two sample stores per SKU by
    binomial thinning (Bin(y_a, p) + Bin(y_b, q)), which keeps count noise realistic."""
    sample = pd.read_csv(DATA / "pos_sample.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    stores = sorted(sample["店號"].unique())
    by_store = {s: sample[sample["店號"] == s].reset_index(drop=True) for s in stores}
    template = by_store[stores[0]]
    qty = {s: by_store[s]["總銷量"].astype(np.int64).to_numpy() for s in stores}
    unit_price = (
        (template["總金額"].astype(np.int64) / template["總銷量"].astype(np.int64).clip(lower=1))
        .round()
        .astype(np.int64)
    )
    frames = []
    for k in range(n_stores):
        a, b = rng.choice(len(stores), 2, replace=False)
        p, q = rng.uniform(0.3, 0.8, 2)
        new_qty = rng.binomial(qty[stores[a]], p) + rng.binomial(qty[stores[b]], q)
        frame = template.copy()
        frame["店號"] = f"9{k:04d}"
        frame["店名"] = f"合成門市{k:02d}"
        frame["總銷量"] = new_qty.astype(str)
        frame["總金額"] = (new_qty * unit_price.to_numpy()).astype(str)
        frames.append(frame)
    synthetic = pd.concat(frames, ignore_index=True)[list(POS_HEADER)]
    synthetic.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return len(synthetic)


def run(kind: str, mstl: bool = True, weather: bool = False, replay: bool = True) -> dict[str, Any]:
    report: dict[str, Any] = {"data_set": kind}
    with tempfile.TemporaryDirectory() as scratch:
        if kind == "sample":
            csv_path = DATA / "pos_sample.csv"
        else:
            csv_path = Path(scratch) / "pos_synthetic.csv"
            started = time.perf_counter()
            report["generated_rows"] = generate_synthetic(csv_path)
            report["generate_s"] = time.perf_counter() - started
        rss_before = peak_rss_mb()
        panel, known, result, timings = import_and_train(csv_path, HOLDOUT_DAYS, weather=weather)
        report["weather"] = result["weather"]
        report.update(timings)
        report["peak_rss_mb_pipeline"] = peak_rss_mb()
        report["load_average"] = os.getloadavg()[0]
        report["peak_rss_mb_before_pipeline"] = rss_before
        report["series"] = panel.n_series
        report["days"] = panel.n_days
        report["rows_accepted"] = result["rows_accepted"]
        report["rows_rejected"] = result["rows_rejected"]
        report.update(
            score_holdout(
                panel, known, result["outcome"], mstl_series=(None if kind == "sample" else 20) if mstl else 0
            )
        )
        if kind == "sample" and replay:
            started = time.perf_counter()
            report["inventory_replay"] = replay_inventory(panel)
            report["replay_s"] = time.perf_counter() - started
    report["peak_rss_mb_end"] = peak_rss_mb()
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"== {report['data_set']}: {report['series']} series × {report['days']} days, rows {report['rows_accepted']}")
    print(
        f"   import {report['import_s']:.1f}s  prepare {report['prepare_s']:.1f}s  "
        f"train+backtest+forecast {report['train_backtest_forecast_s']:.1f}s  TOTAL {report['total_s']:.1f}s wall, "
        f"{report['total_cpu_s']:.1f}s CPU (load avg at end {report['load_average']:.1f})  "
        f"peak RSS {report['peak_rss_mb_pipeline']:.0f} MB"
    )
    print(
        f"   holdout {HOLDOUT_DAYS}d WAPE: model({report['chosen_model']}) {report['wape_model']:.4f}  "
        f"seasonal naive {report['wape_seasonal_naive']:.4f}  ETS weekly {report['wape_ets_weekly']:.4f}  "
        f"ratio to naive {report['ratio_to_seasonal_naive']:.3f}  bias {report['bias_model']:+.4f}  "
        f"80% coverage {report['coverage_80']:.3f}"
    )
    if report.get("weather") is not None:
        print(f"   weather: {json.dumps(report['weather'], ensure_ascii=False)}")
    print(f"   training progress (fraction, wall s, process CPU s): {report['training_stages']}")
    if "mstl_series" in report:
        print(
            f"   MSTL+ETS on {report['mstl_series']} series: {report['wape_mstl_ets_subset']:.4f} "
            f"(model on same series {report['wape_model_same_subset']:.4f}; {report['mstl_s']:.0f}s)"
        )
    for name, metrics in report["backtest"].items():
        print(f"   back-test {name}: {json.dumps(metrics)}")
    for case in report.get("inventory_replay", []):
        for label in ("at_service_level_0.95", "cheapest_matching"):
            c = case[label]
            print(
                f"   replay L={case['lead_time_days']} R={case['review_period_days']} pack={case['pack_size']} "
                f"rule=cover {case['cover_days']}d [{label} sl={c['service_level']}]: "
                f"on-hand {c['recommended']['average_on_hand']:.1f} vs {c['simple_rule']['average_on_hand']:.1f} "
                f"(cut {c['inventory_cut']:+.1%}), "
                f"fill {c['recommended']['fill_rate']:.4f} vs {c['simple_rule']['fill_rate']:.4f}"
            )
        w = case["with_spoilage"]
        print(
            f"      with spoilage (dairy 10 d, others 180 d) sl={w['service_level']}: "
            f"on-hand {w['recommended']['average_on_hand']:.1f} vs {w['simple_rule']['average_on_hand']:.1f} "
            f"(cut {w['inventory_cut']:+.1%}), fill {w['recommended']['fill_rate']:.4f} vs "
            f"{w['simple_rule']['fill_rate']:.4f}, waste {w['recommended']['waste_kg']:.1f} vs "
            f"{w['simple_rule']['waste_kg']:.1f} kg, avoided {w['waste_kg_avoided']:.1f} kg = "
            f"{w['waste_kg_avoided'] * 2.06:.1f} kg CO2e"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sample", "synthetic"])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-mstl", action="store_true", help="skip the slow MSTL+ETS comparison")
    parser.add_argument(
        "--weather", action="store_true", help="give the holdout's recorded weather as the forecast (perfect)"
    )
    parser.add_argument("--no-replay", action="store_true", help="skip the KPI-1 inventory replay")
    args = parser.parse_args()
    if args.only:
        report = run(args.only, mstl=not args.no_mstl, weather=args.weather, replay=not args.no_replay)
        print(json.dumps(report, default=float) if args.json else "", end="")
        if not args.json:
            print_report(report)
        return
    for kind in ("sample", "synthetic"):
        # A fresh process per data set, so peak memory is that data set's own.
        extra = [
            flag
            for flag, on in (("--no-mstl", args.no_mstl), ("--weather", args.weather), ("--no-replay", args.no_replay))
            if on
        ]
        subprocess.run([sys.executable, __file__, "--only", kind, *extra], check=True)


if __name__ == "__main__":
    main()
