import pandas as pd

from smartdist_forecast.modelling.calendar import calendar_features


def test_lunar_new_year_2024_is_day_zero_and_the_week_before_counts_down():
    features = calendar_features(pd.date_range("2024-02-03", "2024-02-12"))
    assert features.loc["2024-02-10", "to_lunar_new_year"] == 0
    assert features.loc["2024-02-03", "to_lunar_new_year"] == -7
    assert features.loc["2024-02-12", "to_lunar_new_year"] == 2


def test_dragon_boat_and_mid_autumn_fall_on_their_lunar_dates():
    features = calendar_features(pd.DatetimeIndex(["2024-06-10", "2024-09-17", "2025-10-06"]))
    assert features.loc["2024-06-10", "to_dragon_boat"] == 0
    assert features.loc["2024-09-17", "to_mid_autumn"] == 0
    assert features.loc["2025-10-06", "to_mid_autumn"] == 0


def test_taiwan_public_holidays_and_the_length_of_the_break():
    features = calendar_features(pd.date_range("2024-02-07", "2024-02-15"))
    assert features.loc["2024-10-10":"2024-10-10"].empty  # outside the range asked for
    assert features.loc["2024-02-08", "is_public_holiday"] == 1
    assert features.loc["2024-02-07", "is_public_holiday"] == 0
    # 春節 2024: Thursday 8 Feb to Wednesday 14 Feb off in one run of seven days.
    assert features.loc["2024-02-10", "days_off_run"] == 7
    national_day = calendar_features(pd.DatetimeIndex(["2024-10-10"]))
    assert national_day["is_public_holiday"].iloc[0] == 1


def test_far_from_any_festival_the_distance_is_clipped():
    features = calendar_features(pd.DatetimeIndex(["2024-07-20"]))
    assert abs(features["to_lunar_new_year"].iloc[0]) == 21
