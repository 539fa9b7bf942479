"""optimize(request) -> response: the contract mapped onto the planning domain and back."""

from __future__ import annotations

import math
import time

import numpy as np

from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider
from smartdist_dispatch.optimize.schemas import OptimizeRequest, OptimizeResponse, RouteOut
from smartdist_dispatch.planning.model import Plan, RoutingProblem, Stop, TimeWindow, Vehicle
from smartdist_dispatch.planning.selection import EngineName, plan_routes

INFINITY = float("inf")


def build_problem(request: OptimizeRequest) -> tuple[RoutingProblem, dict[str, object], dict[str, object]]:
    """The routing problem plus the maps from internal string ids back to the caller's ids."""
    points = [tuple(request.depot.location)] + [tuple(j.location) for j in request.jobs]
    if request.metric == "euclidean":
        xy = np.asarray(points, dtype=float)
        distance = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
        travel = distance
    else:
        matrix = HaversineMatrixProvider().matrix(points)
        distance, travel = matrix.distance_m, matrix.duration_s
    depot_window = request.depot.time_window or [0.0, INFINITY]
    job_ids = {str(j.id): j.id for j in request.jobs}
    stops = [
        Stop(
            id=str(job.id),
            location=k + 1,
            demand=(job.demand,),
            time_windows=(TimeWindow(*job.time_window),) if job.time_window else (),
            service=job.service,
        )
        for k, job in enumerate(request.jobs)
    ]
    if request.vehicles is not None:
        fleet = [(v.id, v.capacity, v.time_window) for v in request.vehicles]
    else:
        fleet = [(k + 1, request.fleet.capacity, None) for k in range(request.fleet.count)]
    vehicle_ids = {str(vid): vid for vid, _, _ in fleet}
    vehicles = []
    for vid, capacity, window in fleet:
        start, end = depot_window
        if window is not None:
            start, end = max(start, window[0]), min(end, window[1])
        vehicles.append(Vehicle(id=str(vid), capacity=(capacity,), shift=TimeWindow(start, max(start, end))))
    problem = RoutingProblem(
        travel_time=travel,
        distance=distance,
        stops=stops,
        vehicles=vehicles,
        objective=request.objective,
    )
    return problem, job_ids, vehicle_ids


def render_plan(plan: Plan, job_ids: dict[str, object], vehicle_ids: dict[str, object], solve_time_s: float) -> OptimizeResponse:
    routes = [
        RouteOut(
            vehicle=vehicle_ids[route.vehicle_id],
            jobs=[job_ids[v.stop_id] for v in route.visits],
            distance=route.distance,
            arrivals=[v.arrival for v in route.visits],
        )
        for route in plan.routes
        if route.stop_ids
    ]
    return OptimizeResponse(
        routes=routes,
        unassigned=[job_ids[u.stop_id] for u in plan.unassigned],
        total_distance=math.fsum(r.distance for r in routes),
        vehicles_used=len(routes),
        solve_time_s=solve_time_s,
    )


def optimize(request: OptimizeRequest, engine: EngineName = "auto") -> OptimizeResponse:
    """Solve the contract's problem; `engine` lets the benchmark compare engines."""
    return optimize_with_plan(request, engine)[0]


def optimize_with_plan(request: OptimizeRequest, engine: EngineName = "auto") -> tuple[OptimizeResponse, RoutingProblem, Plan]:
    """Same as `optimize`, also handing back the internal plan for feasibility checks."""
    started = time.perf_counter()
    problem, job_ids, vehicle_ids = build_problem(request)
    budget = max(0.05, request.time_limit_s - (time.perf_counter() - started))
    plan = plan_routes(problem, budget, engine)
    return render_plan(plan, job_ids, vehicle_ids, time.perf_counter() - started), problem, plan
