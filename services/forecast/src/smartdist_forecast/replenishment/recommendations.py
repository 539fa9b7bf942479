"""Order recommendations for every store × SKU of a forecast, and their CSV / Excel downloads."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from smartdist.exports import csv_text, xlsx_bytes
from smartdist_forecast.replenishment.policy import ReplenishmentParams, recommend_order

RECOMMENDATION_COLUMNS = [
    "store",
    "sku",
    "on_hand",
    "on_order",
    "expected_demand",
    "safety_stock",
    "order_up_to",
    "order_qty",
    "lead_time_days",
    "review_period_days",
    "pack_size",
    "service_level",
]
FORECAST_COLUMNS = ["store", "sku", "date", "yhat", "yhat_lo", "yhat_hi"]


def recommend_orders(
    forecasts: pd.DataFrame,
    stock: pd.DataFrame,
    default: ReplenishmentParams,
    overrides: Mapping[tuple[str, str], ReplenishmentParams] | None = None,
) -> pd.DataFrame:
    """One recommendation per (store, sku) that has both a forecast and a stock row.

    ``forecasts``: store, sku, date, yhat, yhat_lo, yhat_hi from the first day to order for.
    ``stock``: store, sku, on_hand[, on_order]. ``overrides`` sets lead time, pack size, … per item.
    """
    overrides = overrides or {}
    stock_by_key = stock.set_index(["store", "sku"])
    rows = []
    for (store, sku), series in forecasts.sort_values("date").groupby(["store", "sku"], sort=True):
        if (store, sku) not in stock_by_key.index:
            continue
        item = stock_by_key.loc[(store, sku)]
        params = overrides.get((store, sku), default)
        on_hand = float(item["on_hand"])
        on_order = float(item["on_order"]) if "on_order" in stock_by_key.columns else 0.0
        recommendation = recommend_order(
            series["yhat"].to_numpy(),
            series["yhat_lo"].to_numpy(),
            series["yhat_hi"].to_numpy(),
            on_hand=on_hand,
            on_order=on_order,
            params=params,
        )
        rows.append(
            {
                "store": store,
                "sku": sku,
                "on_hand": on_hand,
                "on_order": on_order,
                "expected_demand": round(recommendation.expected_demand, 1),
                "safety_stock": round(recommendation.safety_stock, 1),
                "order_up_to": round(recommendation.order_up_to, 1),
                "order_qty": recommendation.order_qty,
                "lead_time_days": params.lead_time_days,
                "review_period_days": params.review_period_days,
                "pack_size": params.pack_size,
                "service_level": params.service_level,
            }
        )
    return pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)


def forecast_csv(forecasts: pd.DataFrame) -> bytes:
    """The contract CSV of GET /api/v1/forecasts?format=csv (date as YYYY-MM-DD, 80% band).

    UTF-8 with a BOM so Excel on a zh-TW Windows opens it without mojibake; cells are neutralised
    against formula injection (``smartdist.exports``).
    """
    table = forecasts[FORECAST_COLUMNS].copy()
    table["date"] = pd.to_datetime(table["date"]).dt.strftime("%Y-%m-%d")
    for column in ("yhat", "yhat_lo", "yhat_hi"):
        table[column] = table[column].round(2)
    return csv_text(FORECAST_COLUMNS, table.itertuples(index=False)).encode("utf-8")


def table_csv(table: pd.DataFrame) -> bytes:
    """A table (recommendations) as CSV with BOM and safe cells."""
    return csv_text(list(table.columns), table.itertuples(index=False)).encode("utf-8")


def table_xlsx(table: pd.DataFrame, sheet: str) -> bytes:
    """One-sheet Excel workbook of a table (recommendations or forecasts), cells safe as in CSV."""
    rows = (
        [value.isoformat()[:10] if isinstance(value, pd.Timestamp) else value for value in r]
        for r in table.itertuples(index=False)
    )
    return xlsx_bytes(list(table.columns), rows, sheet=sheet)
