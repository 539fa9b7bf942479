"""One LightGBM model across all stores and SKUs (the M5-winning shape), Tweedie objective.

A log link makes store × SKU × weekday × season effects multiply, which is how retail demand
behaves; Tweedie (variance power 1.2) also fits intermittent series with many zero days. One model
across series learns a weekday or festival shape once for all of them. Direct: every feature is
at least 28 days old (``features.MIN_LAG``). Fixed settings (no per-tenant tuning: the rolling
back-test in ``training`` judges it against the simple models instead), float32 features and a
bounded number of recent rows keep a 500-series fit to seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smartdist_forecast.config import get_settings, prefer_passive_openmp
from smartdist_forecast.modelling.features import CATEGORICAL, MIN_LAG, YEAR, build_features
from smartdist_forecast.modelling.panel import DemandPanel

# Before lightgbm loads libgomp: its workers must not spin on the cores the service shares.
prefer_passive_openmp()

import lightgbm as lgb  # noqa: E402 - after the OpenMP setting above
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

DEFAULT_PARAMS: dict[str, object] = {
    "objective": "tweedie",
    "tweedie_variance_power": 1.2,
    "learning_rate": 0.12,
    "num_leaves": 15,
    "min_data_in_leaf": 200,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.7,
    "max_bin": 63,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 0,  # 0: chosen per fit by ``fit_threads`` (SMARTDIST_FORECAST_LGBM_THREADS)
    "verbose": -1,
    "seed": 7,
    "force_col_wise": True,
}


def fit_threads(requested: int = 0) -> int:
    """LightGBM threads for a fit: ``requested`` if > 0, else the setting, else from the machine's load.

    Automatic: every core while the cores are free, one thread when other work already keeps them
    busy (load average ≥ cores - 0.5): two OpenMP threads fighting other processes for two cores
    stall at every barrier and end up slower than one (benchmarks/README.md, "API vs direct").
    """
    if requested > 0:
        return requested
    configured = get_settings().lgbm_threads
    if configured > 0:
        return configured
    cores = os.cpu_count() or 1
    return 1 if os.getloadavg()[0] >= cores - 0.5 else cores


@dataclass
class GlobalModelConfig:
    rounds: int = 120
    # Four years of targets (the 364-day lags reach a year further back): every season seen 4 times.
    train_days: int = 1460
    # Fit time grows with rows; past this many a big tenant trains on a random sample of its
    # (series, day) rows, which keeps 500 series × 5 years to seconds a fit.
    max_train_rows: int = 200_000
    params: dict[str, object] = field(default_factory=lambda: dict(DEFAULT_PARAMS))


def training_rows(panel: DemandPanel, train_days: int) -> tuple[np.ndarray, np.ndarray]:
    """(series, day) pairs with a known, uncensored target and enough history before them."""
    end = panel.n_days
    begin = max(0, end - train_days)
    days = np.arange(begin, end)
    series = np.repeat(np.arange(panel.n_series), len(days))
    day = np.tile(days, panel.n_series)
    target = panel.demand[series, day]
    warm = day >= panel.first_day[series] + MIN_LAG + YEAR // 4
    # A stock-out day's demand is a lower bound: learning it would teach the model to under-order.
    usable = ~np.isnan(target)
    if panel.censored is not None:
        usable &= ~panel.censored[series, day]
    keep = usable & warm
    if not keep.any():
        # Short histories (< ~4 months): learn from whatever has a target.
        keep = usable & (day >= panel.first_day[series] + MIN_LAG)
    return series[keep], day[keep]


@dataclass
class GlobalDemandModel:
    booster: lgb.Booster
    feature_names: list[str]
    threads: int = 1

    @classmethod
    def fit(
        cls,
        panel: DemandPanel,
        config: GlobalModelConfig | None = None,
        held_out: np.ndarray | None = None,
        on_round: Callable[[float], None] | None = None,
    ) -> GlobalDemandModel:
        """Fit on every series but the ``held_out`` mask's (a back-test scores those as unseen).

        ``on_round(fraction)`` is called every few boosting rounds (progress of a long fit).
        """
        config = config or GlobalModelConfig()
        series, day = training_rows(panel, config.train_days)
        if held_out is not None:
            keep = ~held_out[series]
            series, day = series[keep], day[keep]
        if len(series) > config.max_train_rows:
            # A random share of the days rather than fewer years: every season stays in the sample.
            pick = np.sort(np.random.default_rng(7).choice(len(series), config.max_train_rows, replace=False))
            series, day = series[pick], day[pick]
        if len(series) == 0:
            raise ValueError("not enough history to train the global model (needs > 28 days)")
        features = build_features(panel, series, day).astype(np.float32)
        target = panel.demand[series, day]
        dataset = lgb.Dataset(
            features,
            label=np.maximum(target, 0.0),
            categorical_feature=CATEGORICAL,
            free_raw_data=True,
        )
        params = dict(config.params)
        requested = params.get("num_threads")
        threads = fit_threads(requested if isinstance(requested, int) else 0)
        params["num_threads"] = threads
        callbacks = []
        if on_round is not None:
            report = on_round

            def every_tenth_round(env: Any) -> None:
                if env.iteration % 10 == 0:
                    report(env.iteration / max(env.end_iteration, 1))

            callbacks.append(every_tenth_round)
        booster = lgb.train(params, dataset, num_boost_round=config.rounds, callbacks=callbacks)
        return cls(booster=booster, feature_names=list(features.columns), threads=threads)

    def predict_rows(self, panel: DemandPanel, series: np.ndarray, day: np.ndarray) -> np.ndarray:
        features = build_features(panel, series, day)[self.feature_names].astype(np.float32)
        return np.maximum(self.booster.predict(features, num_threads=self.threads), 0.0)

    def forecast(self, panel: DemandPanel, horizon: int) -> np.ndarray:
        """Point forecasts for the ``horizon`` days after each series' last day.

        Returns an (n_series, horizon) matrix. Beyond 28 days the model reads its own earlier
        forecasts as lags, one 28-day block at a time.
        """
        if horizon < 1:
            raise ValueError("horizon must be at least one day")
        last = panel.last_day
        work = panel.extended(int(horizon + last.max() - last.min()))
        first_target = int(last.min()) + 1
        final_target = int(last.max()) + horizon
        block_start = first_target
        while block_start <= final_target:
            block_end = min(block_start + MIN_LAG, final_target + 1)
            days = np.arange(block_start, block_end)
            series = np.repeat(np.arange(panel.n_series), len(days))
            day = np.tile(days, panel.n_series)
            wanted = (day > last[series]) & (day <= last[series] + horizon)
            series, day = series[wanted], day[wanted]
            if len(series):
                work.demand[series, day] = self.predict_rows(work, series, day)
            block_start = block_end
        offsets = last[:, None] + 1 + np.arange(horizon)[None, :]
        return work.demand[np.arange(panel.n_series)[:, None], offsets]

    def lagged_forecast(self, panel: DemandPanel, first_day: int, n_days: int) -> np.ndarray:
        """Forecasts of days ``first_day .. first_day + n_days - 1`` from actual history.

        Each day's features end 28 days before it, so the forecast of day t is one a planner had
        in hand by day t - 28: fair input for replaying ordering decisions over history, as long
        as the model was fitted on data before ``first_day``.
        """
        end = first_day + n_days
        work = panel.extended(end - panel.n_days) if end > panel.n_days else panel
        days = np.arange(first_day, end)
        series = np.repeat(np.arange(panel.n_series), n_days)
        day = np.tile(days, panel.n_series)
        return self.predict_rows(work, series, day).reshape(panel.n_series, n_days)

    def feature_importance(self) -> dict[str, float]:
        gains = self.booster.feature_importance(importance_type="gain")
        return {name: float(g) for name, g in sorted(zip(self.feature_names, gains, strict=True), key=lambda x: -x[1])}

    def to_text(self) -> str:
        return self.booster.model_to_string()

    @classmethod
    def from_text(cls, text: str) -> GlobalDemandModel:
        booster = lgb.Booster(model_str=text)
        return cls(booster=booster, feature_names=list(booster.feature_name()))


def forecast_frame(panel: DemandPanel, matrix: np.ndarray) -> pd.DataFrame:
    """Long (store, sku, date, yhat) rows from an (n_series, horizon) forecast matrix."""
    horizon = matrix.shape[1]
    series = np.repeat(np.arange(panel.n_series), horizon)
    step = np.tile(np.arange(horizon), panel.n_series)
    day = panel.last_day[series] + 1 + step
    return pd.DataFrame(
        {
            "store": panel.stores[series],
            "sku": panel.skus[series],
            "date": panel.start + pd.to_timedelta(day, unit="D"),
            "step": step + 1,
            "yhat": matrix.reshape(-1),
        }
    )
