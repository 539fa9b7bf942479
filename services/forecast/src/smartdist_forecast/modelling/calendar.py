"""Calendar features for Taiwan: public holidays and the lunar festivals shoppers plan around.

Public holidays (incl. bridge days off) come from the ``holidays`` package's TW calendar, which
follows the DGPA announcements; lunar festivals (春節, 端午, 中秋) are computed with ``lunardate``
so forecasts past the last POS row (which carries 農曆) still know where they fall.
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import pandas as pd
from lunardate import LunarDate

# Shoppers stock up before a festival and stay home on its first days: a signed distance in days
# (clipped) lets the model learn both sides from a few years of history.
FESTIVAL_WINDOW_DAYS = 21


@lru_cache(maxsize=64)
def _festival_dates(year: int) -> dict[str, pd.Timestamp]:
    def solar(lunar_year: int, month: int, day: int) -> pd.Timestamp:
        return pd.Timestamp(LunarDate(lunar_year, month, day).to_solar_date())

    return {
        "lunar_new_year": solar(year, 1, 1),
        "dragon_boat": solar(year, 5, 5),
        "mid_autumn": solar(year, 8, 15),
    }


def _signed_distance(dates: pd.DatetimeIndex, festival: str) -> np.ndarray:
    """Days from each date to the nearest occurrence of ``festival`` (negative = before it)."""
    years = range(int(dates.year.min()) - 1, int(dates.year.max()) + 2)
    occurrences = np.array([_festival_dates(y)[festival].value for y in years if 1900 < y < 2100], dtype=np.int64)
    values = dates.values.astype("datetime64[ns]").astype(np.int64)
    day_ns = 86_400 * 10**9
    diffs = (values[:, None] - occurrences[None, :]) // day_ns
    nearest = diffs[np.arange(len(values)), np.abs(diffs).argmin(axis=1)]
    clipped: np.ndarray = np.clip(nearest, -FESTIVAL_WINDOW_DAYS, FESTIVAL_WINDOW_DAYS).astype(float)
    return clipped


def taiwan_public_holidays(years: range) -> dict[pd.Timestamp, str]:
    calendar = holidays.country_holidays("TW", years=list(years))
    return {pd.Timestamp(day): name for day, name in calendar.items()}


def calendar_features(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per date: weekday/season position, Taiwan holidays and lunar festival distances."""
    dates = pd.DatetimeIndex(dates).normalize()
    public = taiwan_public_holidays(range(int(dates.year.min()), int(dates.year.max()) + 1))
    holiday_days = pd.DatetimeIndex(sorted(public))
    is_holiday = dates.isin(holiday_days)
    # Long weekends move demand more than a single day off: count the run of days off around a day.
    day_off = pd.Series(is_holiday | (dates.day_of_week >= 5), index=dates)
    full = pd.date_range(dates.min() - pd.Timedelta(days=10), dates.max() + pd.Timedelta(days=10))
    full_off = pd.Series(full.isin(holiday_days) | (full.day_of_week >= 5), index=full).astype(int)
    run_id = (full_off.diff().fillna(0) != 0).cumsum()
    run_length = full_off.groupby(run_id).transform("sum") * full_off
    frame = pd.DataFrame(
        {
            "dow": dates.day_of_week.astype(float),
            "dom": dates.day.astype(float),
            "month": dates.month.astype(float),
            "doy": dates.day_of_year.astype(float),
            "woy": dates.isocalendar().week.to_numpy(dtype=float),
            "year": dates.year.astype(float),
            "is_public_holiday": is_holiday.astype(float),
            "days_off_run": run_length.reindex(dates).to_numpy(dtype=float),
            "is_day_off": day_off.to_numpy(dtype=float),
            "to_lunar_new_year": _signed_distance(dates, "lunar_new_year"),
            "to_dragon_boat": _signed_distance(dates, "dragon_boat"),
            "to_mid_autumn": _signed_distance(dates, "mid_autumn"),
        },
        index=dates,
    )
    return frame
