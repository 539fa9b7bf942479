"""Grid cells cover every point of a search circle; haversine in metres."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from smartdist_surplus_market.listings.geo import cell_of, cell_ranges, haversine_m


def test_haversine_known_distance() -> None:
    # one degree along a meridian, and along the equator, is pi * R / 180 on the sphere
    assert round(haversine_m(25.0, 121.5, 26.0, 121.5), 2) == 111195.08
    assert round(haversine_m(0.0, 10.0, 0.0, 11.0), 2) == 111195.08
    assert haversine_m(25.0339, 121.5645, 25.0339, 121.5645) == 0


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-80, 80),
    lng=st.floats(-179.9, 179.9),
    radius=st.floats(10, 50_000),
    bearing=st.floats(0, 2 * math.pi),
    fraction=st.floats(0, 0.999),
)
def test_every_point_inside_the_circle_is_in_a_covered_cell(
    lat: float, lng: float, radius: float, bearing: float, fraction: float
) -> None:
    d = radius * fraction
    # a point at distance d on the bearing (spherical destination formula)
    r = 6_371_008.8
    p1, l1 = math.radians(lat), math.radians(lng)
    p2 = math.asin(math.sin(p1) * math.cos(d / r) + math.cos(p1) * math.sin(d / r) * math.cos(bearing))
    l2 = l1 + math.atan2(
        math.sin(bearing) * math.sin(d / r) * math.cos(p1), math.cos(d / r) - math.sin(p1) * math.sin(p2)
    )
    lat2, lng2 = math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
    cell = cell_of(lat2, lng2)
    assert any(lo <= cell <= hi for lo, hi in cell_ranges(lat, lng, radius))
