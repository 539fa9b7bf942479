"""OSRM `table` service provider (also fits OSRM-compatible engines)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

from smartdist_dispatch.matrix.port import Coordinate, TravelMatrix


class OsrmUnavailable(RuntimeError):
    """The routing engine did not answer, or answered something other than a full table."""


@dataclass
class OsrmMatrixProvider:
    base_url: str
    profile: str = "driving"
    timeout_s: float = 10.0
    client: httpx.Client | None = None

    def request_path(self, points: Sequence[Coordinate]) -> str:
        """Translate: OSRM wants lon,lat pairs joined by ';' in the path."""
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in points)
        return f"/table/v1/{self.profile}/{coords}"

    @staticmethod
    def read_table(body: dict[str, Any], size: int) -> TravelMatrix:
        """Translate the answer; an unreachable pair (null) is an error, never a zero."""
        if body.get("code") != "Ok":
            raise OsrmUnavailable(f"OSRM answered {body.get('code')}: {body.get('message', '')}")
        try:
            durations = np.array(body["durations"], dtype=float)
            distances = np.array(body["distances"], dtype=float)
        except (KeyError, TypeError, ValueError) as exc:
            raise OsrmUnavailable(f"OSRM table is incomplete: {exc}") from exc
        if durations.shape != (size, size) or distances.shape != (size, size):
            raise OsrmUnavailable("OSRM table has the wrong size")
        if np.isnan(durations).any() or np.isnan(distances).any():
            raise OsrmUnavailable("OSRM found no route between some points")
        return TravelMatrix(distance_m=distances, duration_s=durations)

    def matrix(self, points: Sequence[Coordinate], depart_at_s: float | None = None) -> TravelMatrix:
        client = self.client or httpx.Client(timeout=self.timeout_s)
        try:
            response = client.get(
                self.base_url.rstrip("/") + self.request_path(points),
                params={"annotations": "duration,distance"},
            )
        except httpx.HTTPError as exc:
            raise OsrmUnavailable(f"OSRM unreachable: {exc}") from exc
        finally:
            if self.client is None:
                client.close()
        if response.status_code >= 500:
            raise OsrmUnavailable(f"OSRM failed with HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise OsrmUnavailable("OSRM answered with something that is not JSON") from exc
        return self.read_table(body, len(points))
