"""Periodic-review order-up-to policy with safety stock from the forecast's own uncertainty.

At each review the store orders enough to cover demand until the order after next can arrive:
the protection period is lead time + review period. Order-up-to level
S = expected demand over that period + z(service level) × its standard deviation, where the
daily standard deviation comes from the forecast's calibrated 80% band. The order is S minus the
inventory position, rounded up to whole packs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

# Half-width of a central 80% normal band in standard deviations.
Z_80 = NormalDist().inv_cdf(0.9)


@dataclass(frozen=True)
class ReplenishmentParams:
    lead_time_days: int
    review_period_days: int
    pack_size: int = 1
    service_level: float = 0.95

    def __post_init__(self) -> None:
        if self.lead_time_days < 0 or self.review_period_days < 1:
            raise ValueError("lead time must be ≥ 0 days and the review period ≥ 1 day")
        if self.pack_size < 1:
            raise ValueError("pack size must be at least 1")
        if not 0.5 <= self.service_level < 1.0:
            raise ValueError("service level must be in [0.5, 1)")

    @property
    def protection_days(self) -> int:
        return self.lead_time_days + self.review_period_days


@dataclass(frozen=True)
class Recommendation:
    order_qty: int
    order_up_to: float
    safety_stock: float
    expected_demand: float
    inventory_position: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "order_qty": self.order_qty,
            "order_up_to": round(self.order_up_to, 2),
            "safety_stock": round(self.safety_stock, 2),
            "expected_demand": round(self.expected_demand, 2),
            "inventory_position": self.inventory_position,
        }


def daily_sigma_from_band(yhat_lo: np.ndarray, yhat_hi: np.ndarray) -> np.ndarray:
    """Standard deviation per day implied by an 80% band (normal approximation)."""
    sigma: np.ndarray = np.maximum(np.asarray(yhat_hi) - np.asarray(yhat_lo), 0.0) / (2.0 * Z_80)
    return sigma


def round_up_to_pack(quantity: float, pack_size: int) -> int:
    if quantity <= 0:
        return 0
    return int(math.ceil(quantity / pack_size - 1e-9)) * pack_size


def order_up_to_level(yhat: np.ndarray, sigma: np.ndarray, params: ReplenishmentParams) -> tuple[float, float, float]:
    """(S, safety stock, expected demand) over the protection period starting today.

    Day errors are treated as independent, so the period's variance is the sum of the days'.
    """
    days = params.protection_days
    if len(yhat) < days:
        raise ValueError(f"need a forecast of at least {days} days (lead time + review period)")
    expected = float(np.sum(yhat[:days]))
    z = NormalDist().inv_cdf(params.service_level)
    safety = float(z * math.sqrt(float(np.sum(np.square(sigma[:days])))))
    return expected + safety, safety, expected


def recommend_order(
    yhat: np.ndarray,
    yhat_lo: np.ndarray,
    yhat_hi: np.ndarray,
    on_hand: float,
    on_order: float,
    params: ReplenishmentParams,
) -> Recommendation:
    """Order for one store × SKU from its daily forecast (starting today) and 80% band."""
    sigma = daily_sigma_from_band(yhat_lo, yhat_hi)
    level, safety, expected = order_up_to_level(np.asarray(yhat, dtype=float), sigma, params)
    position = float(on_hand) + float(on_order)
    return Recommendation(
        order_qty=round_up_to_pack(level - position, params.pack_size),
        order_up_to=level,
        safety_stock=safety,
        expected_demand=expected,
        inventory_position=position,
    )


def cover_days_level(recent_sales: np.ndarray, cover_days: float) -> float:
    """The merchant's usual rule: stock up to N days of the last 4 weeks' average daily sales."""
    recent = np.asarray(recent_sales, dtype=float)[-28:]
    recent = recent[~np.isnan(recent)]
    average = float(recent.mean()) if recent.size else 0.0
    return cover_days * average
