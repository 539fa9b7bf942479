"""Trip distance used for pricing: great-circle (haversine) metres between pickup and dropoff.

The programme prices by trip distance, but no platform gives a road distance before booking
(pandago reports a haversine distance on create, Lalamove only on the order). A straight-line
figure every party can recompute from the coordinates makes the fee reproducible and auditable,
so that is the distance the schedule is applied to.
"""

from __future__ import annotations

import math

# Mean Earth radius used by most haversine implementations (and by pandago's own `distance`).
EARTH_RADIUS_M = 6_371_000.0


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS84 points on a sphere of EARTH_RADIUS_M."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def trip_distance_m(pickup_lat: float, pickup_lng: float, dropoff_lat: float, dropoff_lng: float) -> int:
    """Haversine metres rounded half-up to a whole metre (the integer `distance_m` we publish)."""
    return int(math.floor(haversine_m(pickup_lat, pickup_lng, dropoff_lat, dropoff_lng) + 0.5))
