"""A training run: back-test every candidate, calibrate the band, pick the best, forecast.

This is what the ``forecast.train`` job runs on all imported sales of a tenant. The outcome is a
registry-ready ``ModelArtefact`` (model text + back-test metrics) and the forecast rows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from smartdist_forecast.modelling import baselines
from smartdist_forecast.modelling.backtest import BacktestResult, rolling_origin_backtest
from smartdist_forecast.modelling.features import MIN_LAG
from smartdist_forecast.modelling.global_lgbm import GlobalDemandModel, GlobalModelConfig, forecast_frame
from smartdist_forecast.modelling.intervals import ConformalBand
from smartdist_forecast.modelling.metrics import wape
from smartdist_forecast.modelling.panel import DemandPanel, build_panel
from smartdist_forecast.sales.demand import daily_demand

GLOBAL_MODEL = "global_lightgbm"
MAX_HORIZON_DAYS = 90
# Series with less history than this get the weekly ETS: the global model's lags would be empty.
MIN_GLOBAL_HISTORY_DAYS = 2 * MIN_LAG

Progress = Callable[[float], None]


@dataclass
class TrainingOptions:
    horizon_days: int = 28
    backtest_origins: int = 2
    baselines: tuple[str, ...] = ("seasonal_naive", "ets_weekly")
    # Per-series baselines cost ~0.06 s a series and origin; past this many series they are
    # back-tested on a fixed random subset (the global model is compared on the same subset).
    baseline_series_cap: int = 100
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

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ModelArtefact:
        return cls(**json.loads(text))

    def band(self) -> ConformalBand:
        return ConformalBand(lower=tuple(self.band_lower), upper=tuple(self.band_upper))

    def global_model(self) -> GlobalDemandModel:
        return GlobalDemandModel.from_text(self.model_text)


@dataclass
class TrainingOutcome:
    artefact: ModelArtefact
    forecasts: pd.DataFrame  # store, sku, date, step, yhat, yhat_lo, yhat_hi, model
    backtest: BacktestResult


def _baseline(name: str, subset: np.ndarray | None) -> Callable[[DemandPanel, int], np.ndarray]:
    forecaster: Callable[[DemandPanel, int], np.ndarray] = getattr(baselines, name)
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


def _selection_wape(backtest: BacktestResult, name: str, rows: np.ndarray | None) -> float:
    """Back-test WAPE of ``name`` on the series every candidate was run on."""
    actual, forecast = backtest.stacked(name)
    if rows is not None:
        mask = np.zeros(len(actual) // len(backtest.origins), dtype=bool)
        mask[rows] = True
        keep = np.tile(mask, len(backtest.origins))
        actual, forecast = actual[keep], forecast[keep]
    return wape(actual, forecast)


def _global_forecaster(config: GlobalModelConfig) -> Callable[[DemandPanel, int], np.ndarray]:
    def forecast(panel: DemandPanel, horizon: int) -> np.ndarray:
        model = GlobalDemandModel.fit(panel, config)
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


def demand_panel(pos_sales: pd.DataFrame, online_orders: pd.DataFrame | None = None) -> DemandPanel:
    """All channels' daily demand of a tenant as the panel the models train on."""
    return build_panel(daily_demand(pos_sales, online_orders))


def run_training(panel: DemandPanel, options: TrainingOptions, progress: Progress | None = None) -> TrainingOutcome:
    horizon = options.horizon_days
    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        raise ValueError(f"horizon_days must be 1..{MAX_HORIZON_DAYS}")
    report = progress or (lambda _: None)
    report(0.02)
    subset = None
    if options.baselines and panel.n_series > options.baseline_series_cap:
        rng = np.random.default_rng(panel.n_series)
        subset = np.sort(rng.choice(panel.n_series, options.baseline_series_cap, replace=False))
    forecasters = {GLOBAL_MODEL: _global_forecaster(options.model)}
    forecasters.update({name: _baseline(name, subset) for name in options.baselines})
    n_origins = options.backtest_origins
    backtest = rolling_origin_backtest(
        panel,
        horizon,
        forecasters,
        n_origins=n_origins,
        on_origin_done=lambda done: report(0.05 + 0.6 * done / n_origins),
    )
    bands = {}
    metrics = {}
    for name in backtest.model_names():
        actual, forecast = backtest.stacked(name)
        bands[name] = ConformalBand.calibrate(actual, forecast)
        lo, hi = bands[name].apply(forecast)
        metrics[name] = backtest.accuracy(name, (lo, hi)).as_dict()
    chosen = min(metrics, key=lambda name: _selection_wape(backtest, name, subset))
    weather_used = panel.weather is not None
    if GLOBAL_MODEL in metrics:
        # With weather, these are perfect-forecast figures: held-out days use their recorded weather.
        metrics[GLOBAL_MODEL]["weather_features"] = weather_used
    report(0.7)
    model_text = ""
    feature_names: list[str] = []
    if chosen == GLOBAL_MODEL:
        model = GlobalDemandModel.fit(panel, options.model)
        matrix = _with_short_series_fallback(panel, model.forecast(panel, horizon), horizon)
        model_text, feature_names = model.to_text(), model.feature_names
    else:
        matrix = _baseline(chosen, None)(panel, horizon)
    report(0.95)
    lo, hi = bands[chosen].apply(matrix)
    rows = forecast_frame(panel, matrix)
    rows["yhat_lo"] = lo.reshape(-1)
    rows["yhat_hi"] = hi.reshape(-1)
    rows["model"] = chosen
    artefact = ModelArtefact(
        version=uuid.uuid4().hex,
        created_at=datetime.now(UTC).isoformat(),
        chosen_model=chosen,
        horizon_days=horizon,
        data_start=panel.start.date().isoformat(),
        data_end=panel.date_at(panel.n_days - 1).date().isoformat(),
        n_series=panel.n_series,
        backtest=metrics,
        band_lower=list(bands[chosen].lower),
        band_upper=list(bands[chosen].upper),
        model_text=model_text,
        feature_names=feature_names,
        params={"rounds": options.model.rounds, "train_days": options.model.train_days, **options.model.params},
        weather={"used": weather_used},
    )
    report(1.0)
    return TrainingOutcome(artefact=artefact, forecasts=rows, backtest=backtest)
