"""When to retrain: on demand, on a schedule, and when enough new sales have arrived.

The scheduler (a periodic job) asks ``retraining_due`` for each tenant; a merchant's "train now"
skips it. A model is stale when a week of new sales has landed after its data, or when it is
older than the maximum age even without new data (calendars and holidays move on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class RetrainingPolicy:
    new_sales_days: int = 7
    max_age: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class RetrainingDecision:
    due: bool
    reason: str


def retraining_due(
    last_model_data_end: date | None,
    last_model_created_at: datetime | None,
    latest_sale: date | None,
    now: datetime,
    policy: RetrainingPolicy | None = None,
) -> RetrainingDecision:
    policy = policy or RetrainingPolicy()
    if latest_sale is None:
        return RetrainingDecision(False, "no sales imported yet")
    if last_model_data_end is None or last_model_created_at is None:
        return RetrainingDecision(True, "no model trained yet")
    new_days = (latest_sale - last_model_data_end).days
    if new_days >= policy.new_sales_days:
        return RetrainingDecision(True, f"{new_days} days of new sales since the last model")
    if now - last_model_created_at >= policy.max_age:
        return RetrainingDecision(True, "the last model is older than the maximum age")
    return RetrainingDecision(False, f"model is current ({new_days} new days of sales)")
