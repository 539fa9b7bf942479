"""Daily demand per store and SKU from every channel: what the models learn from.

Demand = units sold over the counter + delivered + picked up − units returned (online returns
are sales that did not stick), + online units ordered but not available (recorded lost demand),
never below zero.

A day with a stock-out is *censored*: the recorded online shortfall is only part of what was lost,
because shoppers who found an empty shelf in the shop leave no record. Such days carry
``stockout = True``; the global model does not learn from their targets (see ``training_rows``),
so it is not taught to under-order exactly where stock ran out. Their values still feed the lags.
"""

from __future__ import annotations

import pandas as pd

DEMAND_COLUMNS = [
    "store",
    "sku",
    "date",
    "qty",
    "amount",
    "category",
    "store_qty",
    "delivery_qty",
    "pickup_qty",
    "stockout_qty",
    "returned_qty",
    "stockout",
]


def daily_demand(pos_sales: pd.DataFrame, online_orders: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (store, sku, date) with total demand ``qty`` and its parts per channel."""
    key = ["store", "sku", "date"]
    pos = pos_sales[[*key, "qty", "amount", "category"]].rename(columns={"qty": "store_qty"})
    if online_orders is None or online_orders.empty:
        merged = pos.assign(delivery_qty=0, pickup_qty=0, stockout_qty=0, returned_qty=0)
    else:
        online = online_orders.pivot_table(index=key, columns="channel", values="qty", aggfunc="sum", fill_value=0)
        online = online.reindex(columns=["delivery", "pickup"], fill_value=0)
        online.columns = ["delivery_qty", "pickup_qty"]
        extras = online_orders.groupby(key)[["stockout_qty", "returned_qty"]].sum()
        online = online.join(extras).reset_index()
        merged = pos.merge(online, on=key, how="outer")
        categories = pos.drop_duplicates(["store", "sku"]).set_index(["store", "sku"])["category"]
        missing_category = merged["category"].isna()
        if missing_category.any():
            lookup = merged.loc[missing_category, ["store", "sku"]].apply(tuple, axis=1).map(categories.to_dict())
            merged.loc[missing_category, "category"] = lookup
        merged["category"] = merged["category"].fillna("")
        for column in ("store_qty", "amount", "delivery_qty", "pickup_qty", "stockout_qty", "returned_qty"):
            merged[column] = merged[column].fillna(0).astype("int64")
    sold = merged["store_qty"] + merged["delivery_qty"] + merged["pickup_qty"] - merged["returned_qty"]
    merged["qty"] = (sold + merged["stockout_qty"]).clip(lower=0)
    merged["stockout"] = merged["stockout_qty"] > 0
    return merged[DEMAND_COLUMNS].sort_values(key).reset_index(drop=True)
