"""Small, seeded demand panels with known structure for model tests (milliseconds to build)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartdist_forecast.modelling.panel import DemandPanel, build_panel

WEEKDAY_SHAPE = np.array([0.8, 0.85, 0.9, 0.95, 1.1, 1.3, 1.25])


def seasonal_sales(n_series: int = 4, days: int = 730, seed: int = 3, start: str = "2022-01-03") -> pd.DataFrame:
    """Poisson demand = level × weekday shape × yearly wave, one level per series."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    weekday = WEEKDAY_SHAPE[dates.day_of_week.to_numpy()]
    yearly = 1.0 + 0.3 * np.sin(2 * np.pi * dates.day_of_year.to_numpy() / 365.25)
    frames = []
    for i in range(n_series):
        level = 20.0 + 15.0 * i
        mean = level * weekday * yearly
        frames.append(
            pd.DataFrame(
                {
                    "store": f"S{i % 2}",
                    "sku": f"P{i}",
                    "date": dates,
                    "qty": rng.poisson(mean),
                    "mean": mean,
                    "category": "C1",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def seasonal_panel(n_series: int = 4, days: int = 730, seed: int = 3) -> tuple[DemandPanel, np.ndarray]:
    """The panel and its true mean matrix."""
    sales = seasonal_sales(n_series, days, seed)
    panel = build_panel(sales)
    truth = sales.pivot_table(index=["store", "sku"], columns="date", values="mean").to_numpy()
    return panel, truth
