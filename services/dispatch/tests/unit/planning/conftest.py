"""Small routing problems for the planning tests: hand-made lines and Solomon prefixes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from smartdist_dispatch.planning.model import RoutingProblem, Stop, TimeWindow, Vehicle

SOLOMON = Path(__file__).resolve().parents[5] / ".." / "shared" / "data" / "vrp" / "solomon"


def euclidean(points: list[tuple[float, float]]) -> np.ndarray:
    xy = np.asarray(points, dtype=float)
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))


@pytest.fixture
def line_problem() -> Callable[..., RoutingProblem]:
    """Depot at x=0, stops s1..s5 at x=10..50 on a line; travel time equals distance."""

    def build(stops: list[Stop] | None = None, vehicles: list[Vehicle] | None = None, **kwargs) -> RoutingProblem:
        points = [(0.0, 0.0)] + [(10.0 * k, 0.0) for k in range(1, 6)]
        matrix = euclidean(points)
        if stops is None:
            stops = [Stop(f"s{k}", k, (1,), (), 0.0) for k in range(1, 6)]
        if vehicles is None:
            vehicles = [Vehicle("v1", (10,), shift=TimeWindow(0.0, 1000.0))]
        return RoutingProblem(matrix, matrix, stops, vehicles, **kwargs)

    return build


@pytest.fixture
def solomon_problem() -> Callable[..., RoutingProblem]:
    """The first `customers` customers of a Solomon instance, fleet and capacity as in the file."""

    def build(name: str, customers: int = 25, objective: str = "distance") -> RoutingProblem:
        rows, fleet = [], None
        for line in (SOLOMON / f"{name}.txt").read_text().splitlines():
            parts = line.split()
            if fleet is None and len(parts) == 2 and all(p.isdigit() for p in parts):
                fleet = (int(parts[0]), int(parts[1]))
            elif len(parts) == 7 and all(p.replace(".", "", 1).isdigit() for p in parts):
                rows.append([float(p) for p in parts])
        assert fleet is not None
        rows = rows[: customers + 1]
        matrix = euclidean([(r[1], r[2]) for r in rows])
        depot = rows[0]
        stops = [
            Stop(str(int(r[0])), k, (int(r[3]),), (TimeWindow(r[4], r[5]),), r[6]) for k, r in enumerate(rows) if k > 0
        ]
        vehicles = [Vehicle(f"v{k}", (fleet[1],), shift=TimeWindow(depot[4], depot[5])) for k in range(fleet[0])]
        return RoutingProblem(matrix, matrix, stops, vehicles, objective=objective)

    return build
