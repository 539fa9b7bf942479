"""The matrix-provider port: points in, metres and seconds between every pair out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# (longitude, latitude) in degrees, the order GeoJSON, OSRM and VROOM use.
Coordinate = tuple[float, float]


@dataclass(frozen=True)
class TravelMatrix:
    distance_m: np.ndarray  # [from, to] metres
    duration_s: np.ndarray  # [from, to] seconds

    def __post_init__(self) -> None:
        if self.distance_m.shape != self.duration_s.shape or self.distance_m.ndim != 2:
            raise ValueError("distance and duration matrices must be square and the same shape")


class MatrixProvider(Protocol):
    def matrix(self, points: Sequence[Coordinate], depart_at_s: float | None = None) -> TravelMatrix:
        """Distances and travel times between every pair of points (seconds since midnight)."""
        ...
