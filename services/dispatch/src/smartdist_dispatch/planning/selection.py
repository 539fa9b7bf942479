"""Automatic engine choice: PyVRP where it models the whole problem, OR-Tools otherwise.

Measured on Solomon (see benchmarks/solomon.py) PyVRP reaches shorter plans than tuned OR-Tools
in the same time, so it takes every problem it can model; OR-Tools keeps the rich constraints
(breaks, several windows per stop, pickup-and-delivery pairs, workload balancing).
"""

from __future__ import annotations

from typing import Literal

from smartdist_dispatch.planning.engine import ProgressCallback, SolverEngine
from smartdist_dispatch.planning.model import Plan, RoutingProblem
from smartdist_dispatch.planning.ortools_engine import OrToolsEngine, OrToolsSettings
from smartdist_dispatch.planning.pyvrp_engine import PyVRPEngine

EngineName = Literal["auto", "pyvrp", "ortools", "ortools-warm"]


def choose_engine(problem: RoutingProblem, engine: EngineName = "auto") -> SolverEngine:
    if engine == "ortools":
        return OrToolsEngine()
    if engine == "ortools-warm":
        return OrToolsEngine(OrToolsSettings(warm_start_share=0.3))
    pyvrp_engine = PyVRPEngine()
    if engine == "pyvrp":
        if not pyvrp_engine.supports(problem):
            raise ValueError("the PyVRP engine does not model breaks, multiple windows, pairs or balancing")
        return pyvrp_engine
    return pyvrp_engine if pyvrp_engine.supports(problem) else OrToolsEngine()


def plan_routes(
    problem: RoutingProblem,
    time_limit_s: float,
    engine: EngineName = "auto",
    progress: ProgressCallback | None = None,
) -> Plan:
    """Solve with the chosen engine; every returned route has passed the float re-check."""
    return choose_engine(problem, engine).solve(problem, time_limit_s, progress)
