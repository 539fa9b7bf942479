"""Rules of training runs and the published forecast: the job's name, the event, the weather
forecast a merchant may give, and the registry's model order."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from smartdist.problems import Unprocessable

TRAIN_JOB = "forecast.train"
PUBLISHED_EVENT = "smartdist.forecast.forecast.published"
FORECAST_COLUMNS = ["store", "sku", "date", "yhat", "yhat_lo", "yhat_hi"]
# Plausible air temperatures in °C (Taiwan's records lie well inside; a typo like 245 does not).
MIN_TEMP_C, MAX_TEMP_C = -30.0, 50.0
MAX_WEATHER_ROWS = 50_000
# The model registry's metric names, in the order the accuracy table shows them.
MODEL_ORDER = (
    "combination",
    "global_lightgbm",
    "pooled_multiplicative",
    "pooled_multiplicative_year",
    "multiplicative",
    "ets_weekly",
    "seasonal_naive",
)


class NoSales(Unprocessable):
    """Nothing to train on (or to replay) yet."""

    type_slug = "unprocessable"

    def __init__(self, what: str = "train on") -> None:
        super().__init__(
            "no sales imported yet: POST /api/v1/sales/import first",
            errors=[{"loc": ["body"], "message": f"the tenant has no sales to {what}"}],
        )


def check_weather_rows(
    rows: list[Any], last_sale: dict[str, date], last_online: dict[str, date], horizon_days: int
) -> None:
    """422 naming the first bad row: unknown store, a day not after the store's last sale or past
    the horizon, or a store-day given twice."""
    seen: dict[tuple[str, date], int] = {}
    for i, row in enumerate(rows):
        loc: list[str | int] = ["body", "weather", i]
        if row.store not in last_sale:
            raise Unprocessable(
                f"weather row {i}: store {row.store!r} has no sales",
                errors=[{"loc": [*loc, "store"], "message": f"unknown store {row.store!r}"}],
            )
        first_allowed = last_sale[row.store] + timedelta(days=1)
        last_allowed = max(last_sale[row.store], last_online.get(row.store, last_sale[row.store])) + timedelta(
            days=horizon_days
        )
        if not first_allowed <= row.date <= last_allowed:
            raise Unprocessable(
                f"weather row {i}: {row.date} is outside store {row.store}'s horizon",
                errors=[
                    {
                        "loc": [*loc, "date"],
                        "message": f"must be after the store's last sale and within the horizon: "
                        f"{first_allowed} … {last_allowed}",
                    }
                ],
            )
        key = (row.store, row.date)
        if key in seen:
            raise Unprocessable(
                f"weather row {i}: store {row.store} on {row.date} is already given in row {seen[key]}",
                errors=[{"loc": [*loc, "date"], "message": f"duplicate of row {seen[key]}"}],
            )
        seen[key] = i


def ordered_models(metrics: dict[str, Any]) -> list[str]:
    """The registry's models, known ones first in a fixed order, then any others by name."""
    known = [name for name in MODEL_ORDER if name in metrics]
    return known + sorted(name for name in metrics if name not in MODEL_ORDER)
