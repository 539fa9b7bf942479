"""A training run: rolling back-tests of every candidate, a per-group combination, calibrated bands.

This is what the ``forecast.train`` job runs on all imported sales of a tenant. Steps:

1. rolling-origin back-test over ``backtest_origins`` windows of the horizon (default 3 × 28
   days: the last two, and the days to be forecast one year earlier), refitting at each origin:
   the global LightGBM (direct, lags ≥ 28 days, fitted on all series but a held-out fifth, a
   different fifth at each origin), the pooled and the plain multiplicative models and seasonal
   naive (and weekly ETS when asked for);
2. per series group (new, intermittent, changing, slow, fast: ``selection``) the blend of candidates with
   the best back-test score, scored on later days of fitted series and on held-out series;
3. a conformal 80% band from the combination's back-test residuals, per cell of level group ×
   dispersion group (how much noisier than Poisson the series is);
4. the final fit on all data and the forecast.

The outcome is a registry-ready ``ModelArtefact`` (model text, the chosen combination with its
back-test scores, the band) and the forecast rows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import pandas as pd

from smartdist_forecast.modelling import baselines, multiplicative
from smartdist_forecast.modelling.backtest import SEASON_AGO_DAYS, BacktestResult, rolling_origin_backtest
from smartdist_forecast.modelling.features import MIN_LAG
from smartdist_forecast.modelling.global_lgbm import GlobalDemandModel, GlobalModelConfig, forecast_frame
from smartdist_forecast.modelling.intervals import ConformalBand, dispersion_index
from smartdist_forecast.modelling.metrics import accuracy, wape
from smartdist_forecast.modelling.panel import DemandPanel, build_panel
from smartdist_forecast.modelling.selection import GROUPS, blend, choose_weights, series_groups, window_weights
from smartdist_forecast.sales.demand import daily_demand

GLOBAL_MODEL = "global_lightgbm"
COMBINATION = "combination"
MAX_HORIZON_DAYS = 90
# Series with less history than this get the weekly ETS: the global model's lags would be empty.
MIN_GLOBAL_HISTORY_DAYS = 2 * MIN_LAG
# Candidates computed for all series at once (cheap); the others run per series on a subset.
VECTORISED = {
    "seasonal_naive": baselines.seasonal_naive,
    "multiplicative": multiplicative.multiplicative,
    "pooled_multiplicative": multiplicative.pooled_multiplicative,
    "pooled_multiplicative_year": multiplicative.pooled_multiplicative_year,
}
# Progress stages (catalog keys of the service's messages, i18n plan §5).
STAGE_BACKTEST = "forecast.progress.backtest"
STAGE_FITTING = "forecast.progress.fitting"
STAGE_FORECASTING = "forecast.progress.forecasting"
# Shares of the run's progress: the back-test windows, then the final fit, then the forecast.
BACKTEST_SHARE, FIT_SHARE = 0.7, 0.22


class Progress(Protocol):
    def __call__(self, fraction: float, stage: str, **params: int) -> None: ...


def _no_progress(fraction: float, stage: str, **params: int) -> None:
    return None


@dataclass
class TrainingOptions:
    horizon_days: int = 28
    backtest_origins: int = 3
    baselines: tuple[str, ...] = (
        "seasonal_naive",
        "multiplicative",
        "pooled_multiplicative",
        "pooled_multiplicative_year",
    )
    # Per-series baselines (ETS, MSTL) cost ~0.06 s a series and origin; past this many series they
    # are back-tested on a fixed random subset and reported, but not combined.
    baseline_series_cap: int = 100
    # Share of series the global model leaves out of its fit at each back-test origin.
    holdout_share: float = 0.2
    # The oldest back-test window is the horizon's days one year earlier (``backtest.origin_days``).
    seasonal_window: bool = True
    model: GlobalModelConfig = field(default_factory=GlobalModelConfig)


@dataclass
class ModelArtefact:
    """What the model registry stores for one trained version."""

    version: str
    created_at: str
    chosen_model: str
    horizon_days: int
    data_start: str
    data_end: str
    n_series: int
    backtest: dict[str, dict[str, float | int | None]]
    band_lower: list[float]
    band_upper: list[float]
    model_text: str
    feature_names: list[str]
    params: dict[str, object]
    # Whether the global model used weather features, why (not), and how it was back-tested.
    weather: dict[str, object] = field(default_factory=lambda: {"used": False})
    # The chosen combination per series group with its back-test scores (``selection_record``).
    selection: dict[str, Any] = field(default_factory=dict)
    # The band's level groups: {"edges": [...], "lower": [[...]], "upper": [[...]]} (empty: one band).
    band_levels: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ModelArtefact:
        return cls(**json.loads(text))

    def band(self) -> ConformalBand:
        levels = self.band_levels or {}
        return ConformalBand(
            lower=tuple(self.band_lower),
            upper=tuple(self.band_upper),
            level_edges=tuple(levels.get("edges", ())),
            lower_by_level=tuple(tuple(row) for row in levels.get("lower", ())),
            upper_by_level=tuple(tuple(row) for row in levels.get("upper", ())),
            dispersion_edges=tuple(levels.get("dispersion_edges", ())),
            lower_by_cell=tuple(tuple(row) for row in levels.get("lower_cells", ())),
            upper_by_cell=tuple(tuple(row) for row in levels.get("upper_cells", ())),
        )

    def global_model(self) -> GlobalDemandModel:
        return GlobalDemandModel.from_text(self.model_text)


@dataclass
class TrainingOutcome:
    artefact: ModelArtefact
    forecasts: pd.DataFrame  # store, sku, date, step, yhat, yhat_lo, yhat_hi, model
    backtest: BacktestResult


def _baseline(name: str, subset: np.ndarray | None) -> Callable[[DemandPanel, int], np.ndarray]:
    forecaster: Callable[[DemandPanel, int], np.ndarray] = VECTORISED.get(name) or getattr(baselines, name)
    if subset is None:
        return forecaster

    def on_subset(panel: DemandPanel, horizon: int) -> np.ndarray:
        out = np.full((panel.n_series, horizon), np.nan)
        out[subset] = forecaster(_select(panel, subset), horizon)
        return out

    return on_subset


def _select(panel: DemandPanel, rows: np.ndarray) -> DemandPanel:
    return DemandPanel(
        stores=panel.stores[rows],
        skus=panel.skus[rows],
        start=panel.start,
        demand=panel.demand[rows],
        price=None if panel.price is None else panel.price[rows],
        categories=None if panel.categories is None else panel.categories[rows],
        first_day=panel.first_day[rows],
        last_day=panel.last_day[rows],
        censored=None if panel.censored is None else panel.censored[rows],
        weather=None if panel.weather is None else panel.weather.select(rows),
    )


def _global_forecaster(
    config: GlobalModelConfig, on_round: Callable[[float], None]
) -> Callable[[DemandPanel, int, np.ndarray], np.ndarray]:
    def forecast(panel: DemandPanel, horizon: int, held_out: np.ndarray) -> np.ndarray:
        model = GlobalDemandModel.fit(panel, config, held_out=held_out, on_round=on_round)
        return _with_short_series_fallback(panel, model.forecast(panel, horizon), horizon)

    return forecast


def _with_short_series_fallback(panel: DemandPanel, matrix: np.ndarray, horizon: int) -> np.ndarray:
    short = (panel.last_day - panel.first_day + 1) < MIN_GLOBAL_HISTORY_DAYS
    if short.any():
        matrix = matrix.copy()
        for i in np.flatnonzero(short):
            history = panel.demand[i, panel.first_day[i] : panel.last_day[i] + 1]
            history = np.nan_to_num(history)
            matrix[i] = baselines._ets_weekly_one(history, horizon)
    return matrix


def held_out_masks(n_series: int, n_origins: int, share: float) -> list[np.ndarray]:
    """Per origin, the series the global model leaves out: a different random slice each time."""
    n_held = int(round(n_series * share)) if n_series >= 5 else 0
    order = np.random.default_rng(n_series).permutation(n_series)
    masks = []
    for k in range(n_origins):
        mask = np.zeros(n_series, dtype=bool)
        if n_held:
            mask[np.roll(order, -k * n_held)[:n_held]] = True
        masks.append(mask)
    return masks


def demand_panel(pos_sales: pd.DataFrame, online_orders: pd.DataFrame | None = None) -> DemandPanel:
    """All channels' daily demand of a tenant as the panel the models train on."""
    return build_panel(daily_demand(pos_sales, online_orders))


def _split_wape(actual: np.ndarray, forecast: np.ndarray, held_out: np.ndarray) -> dict[str, float | None]:
    """WAPE on later days of the series fitted on, and on the series held out from the fit."""

    def score(rows: np.ndarray) -> float | None:
        value = wape(actual[rows], forecast[rows]) if rows.any() else float("nan")
        return None if np.isnan(value) else round(value, 5)

    return {"later_days": score(~held_out), "held_out_series": score(held_out)}


def run_training(
    panel: DemandPanel,
    options: TrainingOptions,
    progress: Callable[[float], None] | None = None,
    stages: Progress | None = None,
) -> TrainingOutcome:
    """``progress(fraction)`` and/or ``stages(fraction, catalog key, **params)`` follow the run."""
    horizon = options.horizon_days
    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        raise ValueError(f"horizon_days must be 1..{MAX_HORIZON_DAYS}")
    staged: Progress = stages or _no_progress
    last = [0.0]

    def report(fraction: float, stage: str, **params: int) -> None:
        fraction = max(fraction, last[0])  # never backwards
        last[0] = fraction
        if progress is not None:
            progress(fraction)
        staged(fraction, stage, **params)

    n_origins = options.backtest_origins
    per_series = [name for name in options.baselines if name not in VECTORISED]
    subset = None
    if per_series and panel.n_series > options.baseline_series_cap:
        rng = np.random.default_rng(panel.n_series)
        subset = np.sort(rng.choice(panel.n_series, options.baseline_series_cap, replace=False))
    forecasters = {name: _baseline(name, None if name in VECTORISED else subset) for name in options.baselines}
    window = [0]

    def start_window(number: int) -> None:
        window[0] = number
        report(BACKTEST_SHARE * number / n_origins, STAGE_BACKTEST, window=number + 1, windows=n_origins)

    def window_round(fraction: float) -> None:
        done = window[0] + 0.9 * fraction
        report(BACKTEST_SHARE * done / n_origins, STAGE_BACKTEST, window=window[0] + 1, windows=n_origins)

    masks = held_out_masks(panel.n_series, n_origins, options.holdout_share)
    backtest = rolling_origin_backtest(
        panel,
        horizon,
        forecasters,
        n_origins=n_origins,
        holdout_forecasters={GLOBAL_MODEL: _global_forecaster(options.model, window_round)},
        held_out=masks,
        on_origin_start=start_window,
        seasonal=options.seasonal_window,
    )
    actual, _ = backtest.stacked(GLOBAL_MODEL)
    held = backtest.stacked_held_out()
    stacked = {name: backtest.stacked(name)[1] for name in backtest.model_names()}
    origin_groups = [series_groups(panel.truncated(o.origin_day))[0] for o in backtest.origins]
    group = np.concatenate(origin_groups)
    dispersion = np.concatenate([dispersion_index(panel.demand[:, : o.origin_day]) for o in backtest.origins])
    combinable = {name: f for name, f in stacked.items() if name in VECTORISED or name == GLOBAL_MODEL}
    choices = None
    chosen = GLOBAL_MODEL
    if len(combinable) > 1:
        seasonal_first = backtest.origins[0].origin_day == panel.n_days - SEASON_AGO_DAYS
        weights_of_windows = window_weights(n_origins, options.seasonal_window and seasonal_first)
        row_window = np.repeat(np.arange(n_origins), panel.n_series)
        choices = choose_weights(
            actual, combinable, group, held, GLOBAL_MODEL, window=row_window, window_weights=weights_of_windows
        )
        stacked[COMBINATION] = blend(combinable, group, choices)
        chosen = COMBINATION
    scale = np.tile(backtest.scale, n_origins) if backtest.scale is not None else np.ones(len(actual))
    bands: dict[str, ConformalBand] = {}
    metrics: dict[str, dict[str, float | int | None]] = {}
    for name, forecast in stacked.items():
        bands[name] = ConformalBand.calibrate(actual, forecast, dispersion=dispersion)
        lo, hi = bands[name].apply(forecast, dispersion)
        metrics[name] = accuracy(actual, forecast, scale, lo, hi).as_dict()
    weather_used = panel.weather is not None
    # With weather, these are perfect-forecast figures: held-out days use their recorded weather.
    metrics[GLOBAL_MODEL]["weather_features"] = weather_used

    needed = {GLOBAL_MODEL} if choices is None else {n for c in choices.values() for n in c.weights}
    report(BACKTEST_SHARE, STAGE_FITTING)
    model_text = ""
    feature_names: list[str] = []
    final: dict[str, np.ndarray] = {}
    if GLOBAL_MODEL in needed or choices is None:
        model = GlobalDemandModel.fit(
            panel,
            options.model,
            on_round=lambda fraction: report(BACKTEST_SHARE + FIT_SHARE * fraction, STAGE_FITTING),
        )
        final[GLOBAL_MODEL] = _with_short_series_fallback(panel, model.forecast(panel, horizon), horizon)
        model_text, feature_names = model.to_text(), model.feature_names
    report(BACKTEST_SHARE + FIT_SHARE, STAGE_FORECASTING)
    for name in needed - {GLOBAL_MODEL}:
        final[name] = VECTORISED[name](panel, horizon)
    final_groups, slow_below = series_groups(panel)
    matrix = final[GLOBAL_MODEL] if choices is None else blend(final, final_groups, choices)
    band = bands[chosen]
    lo, hi = band.apply(matrix, dispersion_index(panel.demand))
    rows = forecast_frame(panel, matrix)
    rows["yhat_lo"] = lo.reshape(-1)
    rows["yhat_hi"] = hi.reshape(-1)
    rows["model"] = chosen
    selection = selection_record(backtest, panel, stacked, actual, held, choices, final_groups, slow_below)
    if choices is not None:
        for number, window_record in enumerate(selection["windows"]):
            window_record["weight"] = round(weights_of_windows[number], 4)
    artefact = ModelArtefact(
        version=uuid.uuid4().hex,
        created_at=datetime.now(UTC).isoformat(),
        chosen_model=chosen,
        horizon_days=horizon,
        data_start=panel.start.date().isoformat(),
        data_end=panel.date_at(panel.n_days - 1).date().isoformat(),
        n_series=panel.n_series,
        backtest=metrics,
        band_lower=list(band.lower),
        band_upper=list(band.upper),
        model_text=model_text,
        feature_names=feature_names,
        params={"rounds": options.model.rounds, "train_days": options.model.train_days, **options.model.params},
        weather={"used": weather_used},
        selection=selection,
        band_levels={
            "edges": list(band.level_edges),
            "lower": [list(row) for row in band.lower_by_level],
            "upper": [list(row) for row in band.upper_by_level],
            "dispersion_edges": list(band.dispersion_edges),
            "lower_cells": [list(row) for row in band.lower_by_cell],
            "upper_cells": [list(row) for row in band.upper_by_cell],
        },
    )
    report(1.0, STAGE_FORECASTING)
    return TrainingOutcome(artefact=artefact, forecasts=rows, backtest=backtest)


def selection_record(
    backtest: BacktestResult,
    panel: DemandPanel,
    stacked: dict[str, np.ndarray],
    actual: np.ndarray,
    held: np.ndarray,
    choices: dict[str, Any] | None,
    final_groups: np.ndarray,
    slow_below: float,
) -> dict[str, Any]:
    """The chosen combination and its back-test scores, as stored with the model version."""
    return {
        "chosen": COMBINATION if choices is not None else GLOBAL_MODEL,
        "windows": [
            {"from": panel.date_at(o.origin_day).date().isoformat(), "days": backtest.horizon} for o in backtest.origins
        ],
        "held_out_series_per_window": int(backtest.origins[0].held_out.sum())
        if backtest.origins and backtest.origins[0].held_out is not None
        else 0,
        "slow_below_units_per_day": round(slow_below, 3),
        "groups": {
            name: {
                "series": int((final_groups == g).sum()),
                **(choices[name].as_dict() if choices is not None else {"weights": {GLOBAL_MODEL: 1.0}}),
            }
            for g, name in enumerate(GROUPS)
        },
        "scores": {name: _split_wape(actual, forecast, held) for name, forecast in stacked.items()},
    }
