"""Daily demand per store and SKU from every channel: what the models learn from.

Demand = units sold over the counter + delivered + picked up + online units that could not be
served (stock-out): a sale lost to an empty shelf was still demand, and forecasting only what
was sold would teach the model to under-order exactly where stock ran out. Returns happen after
the sale and do not lower that day's demand; they are kept for reporting.
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
    merged["qty"] = merged["store_qty"] + merged["delivery_qty"] + merged["pickup_qty"] + merged["stockout_qty"]
    return merged[DEMAND_COLUMNS].sort_values(key).reset_index(drop=True)
