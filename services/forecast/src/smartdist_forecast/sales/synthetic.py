"""Invented POS history for the demo merchant (the Kaggle-derived sample may not ship, see its licence).

Each series is Poisson demand around a level × weekday × yearly wave, so the demo's models have
the same kind of structure to find as real convenience-store sales, without any real data.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

DEMO_STORES = (("90001", "示範台北店"), ("90002", "示範台中店"))
DEMO_PRODUCTS = (
    ("D0001", "示範鮮乳936ml", "11000", "乳品冷藏", 95),
    ("D0002", "示範吐司", "12000", "麵包烘焙", 45),
    ("D0003", "示範礦泉水600ml", "13000", "飲料", 20),
)
# Saturday and Sunday sell more than weekdays in a neighbourhood store.
WEEKDAY_FACTOR = np.array([0.9, 0.9, 0.95, 1.0, 1.1, 1.25, 1.2])
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def synthetic_pos_sales(days: int, end: date, seed: int = 7) -> pd.DataFrame:
    """``days`` days up to ``end`` for every demo store × product, in the POS parser's columns."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end - timedelta(days=days - 1), end, freq="D")
    yearly = 1.0 + 0.2 * np.sin(2 * np.pi * dates.day_of_year.to_numpy() / 365.25)
    weekly = WEEKDAY_FACTOR[dates.day_of_week.to_numpy()]
    frames = []
    for s_index, (store, store_name) in enumerate(DEMO_STORES):
        for p_index, (sku, name, category, category_name, price) in enumerate(DEMO_PRODUCTS):
            level = 8.0 + 6.0 * p_index + 4.0 * s_index
            qty = rng.poisson(level * weekly * yearly)
            frames.append(
                pd.DataFrame(
                    {
                        "store": store,
                        "store_name": store_name,
                        "date": dates,
                        "sku": sku,
                        "product_name": name,
                        "category": category,
                        "category_name": category_name,
                        "qty": qty.astype(np.int64),
                        "amount": (qty * price).astype(np.int64),
                        "lunar_date": "",
                        "weather": "",
                        "temp_low": np.nan,
                        "temp_high": np.nan,
                        "week": dates.isocalendar().week.to_numpy(dtype=float),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)
