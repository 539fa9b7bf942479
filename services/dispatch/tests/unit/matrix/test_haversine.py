from __future__ import annotations

import pytest

from smartdist_dispatch.matrix import HaversineMatrixProvider, SpeedProfile

TAIPEI_101 = (121.5645, 25.0340)
TAIPEI_MAIN_STATION = (121.5170, 25.0478)


def test_taipei_101_to_main_station_is_about_five_km_straight_and_longer_by_road():
    straight = HaversineMatrixProvider(detour_factor=1.0).matrix([TAIPEI_101, TAIPEI_MAIN_STATION])
    assert straight.distance_m[0, 1] == pytest.approx(5_000, rel=0.03)
    assert straight.distance_m[0, 0] == 0.0
    assert straight.distance_m[1, 0] == pytest.approx(straight.distance_m[0, 1])
    road = HaversineMatrixProvider(detour_factor=1.3).matrix([TAIPEI_101, TAIPEI_MAIN_STATION])
    assert road.distance_m[0, 1] == pytest.approx(1.3 * straight.distance_m[0, 1])


def test_travel_time_follows_the_speed_of_the_departure_hour():
    profile = SpeedProfile(default_kmh=36.0, by_hour_kmh={8: 18.0})
    provider = HaversineMatrixProvider(profile=profile, detour_factor=1.0)
    points = [TAIPEI_101, TAIPEI_MAIN_STATION]
    free = provider.matrix(points, depart_at_s=11 * 3600)
    rush = provider.matrix(points, depart_at_s=8 * 3600 + 600)
    assert free.duration_s[0, 1] == pytest.approx(free.distance_m[0, 1] / 10.0)
    assert rush.duration_s[0, 1] == pytest.approx(2 * free.duration_s[0, 1])


def test_latitude_longitude_swapped_out_of_range_is_rejected():
    with pytest.raises(ValueError):
        HaversineMatrixProvider().matrix([(25.0, 121.5), (25.0, 191.0)])


def test_speed_profile_rejects_nonsense():
    with pytest.raises(ValueError):
        SpeedProfile(default_kmh=0.0)
    with pytest.raises(ValueError):
        SpeedProfile(by_hour_kmh={24: 30.0})
