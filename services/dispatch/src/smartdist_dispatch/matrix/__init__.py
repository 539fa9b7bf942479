"""Travel-time matrix providers: the port, a haversine + speed-profile default, and OSRM."""

from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider, SpeedProfile
from smartdist_dispatch.matrix.osrm import OsrmMatrixProvider, OsrmUnavailable
from smartdist_dispatch.matrix.port import Coordinate, MatrixProvider, TravelMatrix

__all__ = [
    "Coordinate",
    "HaversineMatrixProvider",
    "MatrixProvider",
    "OsrmMatrixProvider",
    "OsrmUnavailable",
    "SpeedProfile",
    "TravelMatrix",
]
