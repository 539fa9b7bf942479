"""Default provider: great-circle distance, a road-detour factor and a speed per hour of day.

Needs no network, so the embedded demo plans with it; an OSRM provider replaces it where a road
network is available.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from smartdist_dispatch.matrix.port import Coordinate, TravelMatrix

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class SpeedProfile:
    """Average urban driving speed, km/h, optionally by hour of day (rush hours are slower)."""

    default_kmh: float = 30.0
    by_hour_kmh: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.default_kmh <= 0 or any(v <= 0 for v in self.by_hour_kmh.values()):
            raise ValueError("speeds must be positive")
        if any(not 0 <= h <= 23 for h in self.by_hour_kmh):
            raise ValueError("hours must be 0-23")

    def speed_kmh(self, depart_at_s: float | None) -> float:
        if depart_at_s is None:
            return self.default_kmh
        hour = int(depart_at_s // 3600) % 24
        return self.by_hour_kmh.get(hour, self.default_kmh)


# Taipei-like default: slower in the morning and evening peaks.
TAIPEI_PROFILE = SpeedProfile(default_kmh=28.0, by_hour_kmh={7: 20.0, 8: 18.0, 17: 18.0, 18: 19.0, 22: 35.0, 23: 38.0})


def great_circle_m(points: Sequence[Coordinate]) -> np.ndarray:
    coords = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lon, lat = coords[:, 0], coords[:, 1]
    dlat = lat[None, :] - lat[:, None]
    dlon = lon[None, :] - lon[:, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


@dataclass(frozen=True)
class HaversineMatrixProvider:
    profile: SpeedProfile = TAIPEI_PROFILE
    # Roads are longer than the straight line; 1.3 is a common urban circuity figure.
    detour_factor: float = 1.3

    def matrix(self, points: Sequence[Coordinate], depart_at_s: float | None = None) -> TravelMatrix:
        for lon, lat in points:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(f"({lon}, {lat}) is not a longitude, latitude pair")
        distance = great_circle_m(points) * self.detour_factor
        speed_ms = self.profile.speed_kmh(depart_at_s) / 3.6
        return TravelMatrix(distance_m=distance, duration_s=distance / speed_ms)
