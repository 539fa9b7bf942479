"""A dense store × SKU × day matrix of demand: the shape every model here works on.

Lags and rolling windows become index arithmetic on one float matrix, which keeps feature
building for 500 series × 5 years well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SeriesKey:
    store: str
    sku: str


@dataclass(frozen=True)
class WeatherMatrix:
    """Weather per series and day (the series' store's weather), possibly past the panel's last day.

    Days after the panel's end hold the merchant's weather forecast; a back-test origin's panel
    keeps the recorded weather of its held-out days (a perfect forecast). NaN = unknown.
    """

    temp_mean: np.ndarray  # (n_series, n_weather_days) °C, (low + high) / 2
    temp_range: np.ndarray  # (n_series, n_weather_days) °C, high - low
    rain: np.ndarray  # (n_series, n_weather_days) 1.0 if the description mentions 雨, else 0.0

    @property
    def n_days(self) -> int:
        return int(self.temp_mean.shape[1])

    def select(self, rows: np.ndarray) -> WeatherMatrix:
        return WeatherMatrix(self.temp_mean[rows], self.temp_range[rows], self.rain[rows])

    def covering(self, n_days: int) -> WeatherMatrix:
        """At least ``n_days`` days long (unknown days appended), never shorter than it is."""
        extra = n_days - self.n_days
        if extra <= 0:
            return self
        pad = np.full((self.temp_mean.shape[0], extra), np.nan)
        return WeatherMatrix(
            np.concatenate([self.temp_mean, pad], axis=1),
            np.concatenate([self.temp_range, pad], axis=1),
            np.concatenate([self.rain, pad], axis=1),
        )


@dataclass
class DemandPanel:
    """Daily demand per series on one shared calendar; NaN where a day has no sale row."""

    stores: np.ndarray  # (n_series,) str
    skus: np.ndarray  # (n_series,) str
    start: pd.Timestamp  # date of column 0
    demand: np.ndarray  # (n_series, n_days) float64, NaN = unknown
    price: np.ndarray | None = None  # (n_series, n_days) unit price TWD, NaN = unknown
    categories: np.ndarray | None = None  # (n_series,) str product category (品類)
    first_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    last_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # (n_series, n_days) bool: a stock-out day, whose demand is only a lower bound (censored)
    censored: np.ndarray | None = None
    # Weather of each series' store, only when the merchant gave a forecast for the horizon
    # (``modelling/weather.py`` decides); None = the model uses no weather features.
    weather: WeatherMatrix | None = None

    @property
    def n_series(self) -> int:
        return int(self.demand.shape[0])

    @property
    def n_days(self) -> int:
        return int(self.demand.shape[1])

    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.n_days, freq="D")

    def date_at(self, day: int) -> pd.Timestamp:
        return self.start + pd.Timedelta(days=int(day))

    def day_of(self, date: pd.Timestamp) -> int:
        return int((pd.Timestamp(date) - self.start).days)

    def truncated(self, n_days: int) -> DemandPanel:
        """The panel as it was known at the end of day ``n_days - 1`` (back-test origin).

        Weather is kept whole: the held-out days' recorded weather stands for the forecast a
        merchant gives (a perfect-forecast back-test).
        """
        return DemandPanel(
            stores=self.stores,
            skus=self.skus,
            start=self.start,
            demand=self.demand[:, :n_days].copy(),
            price=None if self.price is None else self.price[:, :n_days].copy(),
            categories=self.categories,
            first_day=np.minimum(self.first_day, n_days - 1),
            last_day=np.minimum(self.last_day, n_days - 1),
            censored=None if self.censored is None else self.censored[:, :n_days].copy(),
            weather=self.weather,
        )

    def extended(self, extra_days: int) -> DemandPanel:
        """The panel with ``extra_days`` unknown days appended (room for a forecast)."""
        pad = np.full((self.n_series, extra_days), np.nan)
        price = None
        if self.price is not None:
            # Without a price plan the last known price is the best guess for future days.
            last_price = _last_valid(self.price)
            price = np.concatenate([self.price, np.repeat(last_price[:, None], extra_days, axis=1)], axis=1)
        return DemandPanel(
            stores=self.stores,
            skus=self.skus,
            start=self.start,
            demand=np.concatenate([self.demand, pad], axis=1),
            price=price,
            categories=self.categories,
            first_day=self.first_day,
            last_day=self.last_day,
            censored=None
            if self.censored is None
            else np.concatenate([self.censored, np.zeros((self.n_series, extra_days), dtype=bool)], axis=1),
            weather=None if self.weather is None else self.weather.covering(self.n_days + extra_days),
        )


def _last_valid(matrix: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame(matrix.T)
    last: np.ndarray = frame.ffill().iloc[-1].to_numpy(dtype=float)
    return last


def build_panel(sales: pd.DataFrame) -> DemandPanel:
    """Pivot long sales (store, sku, date, qty[, amount][, category]) into a panel.

    Days inside a series' own first..last sale that have no row stay NaN (a gap, not a zero):
    a POS that did not export a day says nothing about demand that day.
    """
    if sales.empty:
        raise ValueError("no sales to build a demand panel from")
    frame = sales[["store", "sku", "date", "qty"]].copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.normalize()
    start = frame["date"].min()
    end = frame["date"].max()
    n_days = int((end - start).days) + 1
    keys = frame[["store", "sku"]].drop_duplicates().sort_values(["store", "sku"]).reset_index(drop=True)
    keys["series"] = np.arange(len(keys))
    frame = frame.merge(keys, on=["store", "sku"], how="left")
    day = (frame["date"] - start).dt.days.to_numpy()
    series = frame["series"].to_numpy()
    demand = np.full((len(keys), n_days), np.nan)
    demand[series, day] = frame["qty"].to_numpy(dtype=float)
    price = None
    if "amount" in sales.columns:
        # Online rows carry no till amount: the unit price comes from counter sales only.
        qty_column = "store_qty" if "store_qty" in sales.columns else "qty"
        qty = sales[qty_column].to_numpy(dtype=float)
        amount = sales["amount"].to_numpy(dtype=float)
        price = np.full((len(keys), n_days), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where(qty > 0, amount / np.maximum(qty, 1), np.nan)
        price[series, day] = unit
    categories = None
    if "category" in sales.columns:
        cat = sales[["store", "sku", "category"]].drop_duplicates(["store", "sku"])
        categories = keys.merge(cat, on=["store", "sku"], how="left")["category"].fillna("").to_numpy(dtype=str)
    censored = None
    if "stockout" in sales.columns and bool(sales["stockout"].any()):
        censored = np.zeros((len(keys), n_days), dtype=bool)
        censored[series, day] = sales["stockout"].to_numpy(dtype=bool)
    known = ~np.isnan(demand)
    first_day = known.argmax(axis=1).astype(np.int64)
    last_day = (n_days - 1 - known[:, ::-1].argmax(axis=1)).astype(np.int64)
    return DemandPanel(
        stores=keys["store"].to_numpy(dtype=str),
        skus=keys["sku"].to_numpy(dtype=str),
        start=start,
        demand=demand,
        price=price,
        categories=categories,
        first_day=first_day,
        last_day=last_day,
        censored=censored,
    )
