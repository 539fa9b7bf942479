"""Rolling-origin back-tests: refit at each origin, forecast the horizon, score against actuals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from smartdist_forecast.modelling.metrics import Accuracy, accuracy, weekly_naive_scale
from smartdist_forecast.modelling.panel import DemandPanel

# A forecaster takes the panel as known at the origin and returns (n_series, horizon) forecasts
# for the days after each series' last known day.
Forecaster = Callable[[DemandPanel, int], np.ndarray]


# One that also takes the mask of series it must not fit on (they are scored as unseen series).
HoldoutForecaster = Callable[[DemandPanel, int, np.ndarray], np.ndarray]


@dataclass
class OriginResult:
    origin_day: int  # first forecast day (index into the full panel)
    actual: np.ndarray
    forecasts: dict[str, np.ndarray]
    held_out: np.ndarray | None = None  # series the hold-out forecasters did not fit on


@dataclass
class BacktestResult:
    horizon: int
    origins: list[OriginResult] = field(default_factory=list)
    scale: np.ndarray | None = None

    def stacked(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """All origins' (actual, forecast) matrices stacked row-wise."""
        actual = np.vstack([o.actual for o in self.origins])
        forecast = np.vstack([o.forecasts[model] for o in self.origins])
        return actual, forecast

    def stacked_held_out(self) -> np.ndarray:
        """Per stacked row: was the series held out from fitting at that origin."""
        return np.concatenate(
            [o.held_out if o.held_out is not None else np.zeros(len(o.actual), dtype=bool) for o in self.origins]
        )

    def model_names(self) -> list[str]:
        return list(self.origins[0].forecasts) if self.origins else []

    def accuracy(self, model: str, band: tuple[np.ndarray, np.ndarray] | None = None) -> Accuracy:
        actual, forecast = self.stacked(model)
        scale = np.tile(self.scale, len(self.origins)) if self.scale is not None else np.ones(len(actual))
        lower, upper = band if band is not None else (None, None)
        return accuracy(actual, forecast, scale, lower, upper)


# The same weeks a year earlier: 52 weeks, so weekdays line up.
SEASON_AGO_DAYS = 364
# A year-ago window needs this much history before it (a year of lags and a season to learn from).
SEASON_AGO_MIN_HISTORY = 400


def origin_days(panel: DemandPanel, horizon: int, n_origins: int, seasonal: bool = False) -> list[int]:
    """Origins one horizon apart, oldest first, the last one ``horizon`` days before the end.

    ``seasonal``: the oldest is replaced by the origin a year before the forecast (the days about
    to be forecast, one year earlier), so the candidates are also judged on the season ahead,
    not only on the weeks just past (a December forecast judged only on autumn picks the model
    that is best in autumn). Only with enough history and when that window is not a recent one.
    """
    origins = [panel.n_days - k * horizon for k in range(n_origins, 0, -1)]
    season_ago = panel.n_days - SEASON_AGO_DAYS
    if seasonal and n_origins >= 2 and season_ago < origins[0] and season_ago >= SEASON_AGO_MIN_HISTORY:
        origins = [season_ago, *origins[1:]]
    return origins


def rolling_origin_backtest(
    panel: DemandPanel,
    horizon: int,
    forecasters: dict[str, Forecaster],
    n_origins: int = 2,
    on_origin_done: Callable[[int], None] | None = None,
    holdout_forecasters: dict[str, HoldoutForecaster] | None = None,
    held_out: list[np.ndarray] | None = None,
    on_origin_start: Callable[[int], None] | None = None,
    seasonal: bool = False,
) -> BacktestResult:
    """Forecast from ``n_origins`` origins one horizon apart and keep actuals beside forecasts.

    ``holdout_forecasters`` also get ``held_out[k]`` at origin k: the series they must leave out
    of their fit, so the back-test scores them on series they have never seen as well.
    """
    result = BacktestResult(horizon=horizon)
    origins = origin_days(panel, horizon, n_origins, seasonal)
    if origins[0] <= 2 * 7:
        raise ValueError("history too short for a back-test at this horizon")
    for number, origin in enumerate(origins):
        if on_origin_start is not None:
            on_origin_start(number)
        known = panel.truncated(origin)
        offsets = known.last_day[:, None] + 1 + np.arange(horizon)[None, :]
        inside = offsets < panel.n_days
        actual = np.full(offsets.shape, np.nan)
        rows = np.broadcast_to(np.arange(panel.n_series)[:, None], offsets.shape)
        actual[inside] = panel.demand[rows[inside], offsets[inside]]
        if panel.censored is not None:
            # A stock-out day's demand is only a lower bound: neither scored nor used for the band.
            censored = np.zeros(offsets.shape, dtype=bool)
            censored[inside] = panel.censored[rows[inside], offsets[inside]]
            actual[censored] = np.nan
        forecasts = {name: forecaster(known, horizon) for name, forecaster in forecasters.items()}
        mask = held_out[number] if held_out is not None else np.zeros(panel.n_series, dtype=bool)
        for name, holdout_forecaster in (holdout_forecasters or {}).items():
            forecasts[name] = holdout_forecaster(known, horizon, mask)
        result.origins.append(OriginResult(origin_day=origin, actual=actual, forecasts=forecasts, held_out=mask))
        if on_origin_done is not None:
            on_origin_done(number + 1)
    result.scale = weekly_naive_scale(panel.truncated(origins[0]).demand)
    return result
