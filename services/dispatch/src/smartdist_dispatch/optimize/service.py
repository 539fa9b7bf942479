"""optimize(request) -> response: the contract mapped onto the planning domain and back."""

from __future__ import annotations

import math
import time

import numpy as np
from sqlalchemy.orm import Session

from smartdist.jobs import submit_job
from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider
from smartdist_dispatch.optimize.schemas import (
    EvaluatedRoute,
    EvaluateRequest,
    EvaluateResponse,
    JobId,
    OptimizeRequest,
    OptimizeResponse,
    RouteOut,
    VehicleIn,
    ViolationOut,
    dimensions,
)
from smartdist_dispatch.planning.model import (
    RELOAD,
    Break,
    PickupDelivery,
    Plan,
    PlannedRoute,
    RoutingProblem,
    Stop,
    TimeWindow,
    Vehicle,
)
from smartdist_dispatch.planning.plan_mode import assess_plan
from smartdist_dispatch.planning.selection import EngineName, plan_routes

OPTIMIZE_JOB = "dispatch.optimize"

INFINITY = float("inf")


def _windows(windows: list[list[float]]) -> tuple[TimeWindow, ...]:
    return tuple(TimeWindow(a, b) for a, b in windows)


def build_problem(request: OptimizeRequest) -> tuple[RoutingProblem, dict[str, JobId], dict[str, JobId]]:
    """The routing problem plus the maps from internal string ids back to the caller's ids.

    Shipment ends are stops "<id>:pickup" and "<id>:delivery", and the caller sees those ids.
    """
    points = [(request.depot.location[0], request.depot.location[1])]
    points += [(j.location[0], j.location[1]) for j in request.jobs]
    for shipment in request.shipments:
        points += [(step.location[0], step.location[1]) for step in (shipment.pickup, shipment.delivery)]
    if request.metric == "euclidean":
        xy = np.asarray(points, dtype=float)
        distance = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
        travel = distance
    else:
        # The metric is named haversine, so distances are great-circle metres (no road detour);
        # travel times come from the default speed profile.
        matrix = HaversineMatrixProvider(detour_factor=1.0).matrix(points)
        distance, travel = matrix.distance_m, matrix.duration_s
    depot_window = request.depot.time_window or [0.0, INFINITY]
    job_ids: dict[str, JobId] = {str(j.id): j.id for j in request.jobs}
    capacity = request.vehicles[0].capacity if request.vehicles else request.fleet.capacity if request.fleet else 0
    dims = len(dimensions(capacity))
    stops = [
        Stop(
            id=str(job.id),
            location=k + 1,
            demand=dimensions(job.demand, dims),
            time_windows=_windows(job.windows()),
            service=job.service,
            priority=job.priority,
            penalty=None if job.penalty is None else int(round(job.penalty)),
        )
        for k, job in enumerate(request.jobs)
    ]
    pairs = []
    location = len(request.jobs) + 1
    for shipment in request.shipments:
        pickup_id, delivery_id = shipment.step_ids()
        for step_id, step in ((pickup_id, shipment.pickup), (delivery_id, shipment.delivery)):
            stops.append(
                Stop(
                    id=step_id,
                    location=location,
                    demand=dimensions(shipment.demand, dims),
                    time_windows=_windows(step.windows()),
                    service=step.service,
                    priority=shipment.priority,
                )
            )
            job_ids[step_id] = step_id
            location += 1
        pairs.append(PickupDelivery(pickup=pickup_id, delivery=delivery_id))
    fleet: list[tuple[JobId, VehicleIn]]
    if request.vehicles is not None:
        fleet = [(v.id, v) for v in request.vehicles]
    else:
        if request.fleet is None:  # the request model already refuses this
            raise ValueError("a request needs vehicles or fleet")
        same = VehicleIn(id=0, capacity=request.fleet.capacity)
        fleet = [(k + 1, same) for k in range(request.fleet.count)]
    vehicle_ids = {str(vid): vid for vid, _ in fleet}
    vehicles = []
    for vid, given in fleet:
        start, end = depot_window
        if given.time_window is not None:
            start, end = max(start, given.time_window[0]), min(end, given.time_window[1])
        vehicles.append(
            Vehicle(
                id=str(vid),
                capacity=dimensions(given.capacity),
                shift=TimeWindow(start, max(start, end)),
                max_working_time=given.max_working_time,
                fixed_cost=int(round(given.fixed_cost)),
                breaks=tuple(Break(TimeWindow(*b.time_window), b.service) for b in given.breaks),
                max_trips=given.max_trips,
            )
        )
    problem = RoutingProblem(
        travel_time=travel,
        distance=distance,
        stops=stops,
        vehicles=vehicles,
        pairs=pairs,
        objective=request.objective,
        balance_workload=request.balance_workload,
    )
    return problem, job_ids, vehicle_ids


def _route_out(
    route: PlannedRoute, job_ids: dict[str, JobId], vehicle_ids: dict[str, JobId], detailed: bool
) -> RouteOut:
    visits = [v for v in route.visits if v.stop_id != RELOAD]
    reloads: list[int] = []
    for visit in route.visits:
        if visit.stop_id == RELOAD:
            reloads.append(sum(1 for v in route.visits[: route.visits.index(visit)] if v.stop_id != RELOAD))
    return RouteOut(
        vehicle=vehicle_ids[route.vehicle_id],
        jobs=[job_ids[v.stop_id] for v in visits],
        distance=route.distance,
        arrivals=[v.arrival for v in visits],
        reloads=reloads or None,
        starts=[v.start for v in visits] if detailed else None,
        end_time=route.end_time if detailed else None,
    )


def render_plan(
    plan: Plan,
    job_ids: dict[str, JobId],
    vehicle_ids: dict[str, JobId],
    solve_time_s: float,
    problem: RoutingProblem | None = None,
) -> OptimizeResponse:
    # Schedules with breaks or reloads are not plain travel + service: their starts and end are shown.
    detailed = problem is not None and any(v.breaks or v.max_trips > 1 for v in problem.vehicles)
    routes = [_route_out(route, job_ids, vehicle_ids, detailed) for route in plan.routes if route.stop_ids]
    return OptimizeResponse(
        routes=routes,
        unassigned=[job_ids[u.stop_id] for u in plan.unassigned],
        total_distance=math.fsum(r.distance for r in routes),
        vehicles_used=len(routes),
        solve_time_s=solve_time_s,
        unassigned_reasons={u.stop_id: str(u.reason) for u in plan.unassigned},
    )


def optimize(request: OptimizeRequest, engine: EngineName = "auto") -> OptimizeResponse:
    """Solve the contract's problem; `engine` lets the benchmark compare engines."""
    return optimize_with_plan(request, engine)[0]


def optimize_with_plan(
    request: OptimizeRequest, engine: EngineName = "auto"
) -> tuple[OptimizeResponse, RoutingProblem, Plan]:
    """Same as `optimize`, also handing back the internal plan for feasibility checks."""
    started = time.perf_counter()
    problem, job_ids, vehicle_ids = build_problem(request)
    budget = max(0.05, request.time_limit_s - (time.perf_counter() - started))
    plan = plan_routes(problem, budget, engine)
    response = render_plan(plan, job_ids, vehicle_ids, time.perf_counter() - started, problem)
    return response, problem, plan


def evaluate(request: EvaluateRequest) -> EvaluateResponse:
    """Plan mode: ETAs, distances and every violated constraint of routes drawn by hand."""
    problem, job_ids, vehicle_ids = build_problem(request)
    known_jobs = job_ids
    drawn = [(str(r.vehicle), [str(j) for j in r.jobs]) for r in request.routes]
    depart = {str(r.vehicle): r.depart_at for r in request.routes if r.depart_at is not None}
    assessment = assess_plan(problem, drawn, depart)
    by_vehicle = {str(r.vehicle): r.vehicle for r in request.routes}

    def job_of(stop_id: str | None) -> object:
        return known_jobs.get(stop_id, stop_id) if stop_id is not None else None

    violations = [ViolationOut(kind=v.kind, job=job_of(v.stop_id), detail=v.detail) for v in assessment.violations]
    routes = []
    for evaluation in assessment.routes:
        vehicle = by_vehicle.get(evaluation.vehicle_id, evaluation.vehicle_id)
        violations.extend(
            ViolationOut(kind=v.kind, job=job_of(v.stop_id), vehicle=vehicle, detail=v.detail)
            for v in evaluation.violations
        )
        routes.append(
            EvaluatedRoute(
                vehicle=vehicle,
                jobs=[job_of(v.stop_id) for v in evaluation.visits],
                distance=evaluation.distance,
                arrivals=[v.arrival for v in evaluation.visits],
                starts=[v.start for v in evaluation.visits],
                start_time=evaluation.start_time,
                end_time=evaluation.end_time,
            )
        )
    routed = {str(j) for r in request.routes for j in r.jobs}
    return EvaluateResponse(
        routes=routes,
        violations=violations,
        unassigned=[job_ids[sid] for sid in job_ids if sid not in routed],
        total_distance=math.fsum(r.distance for r in routes),
        feasible=not violations,
    )


def submit_optimize_job(session: Session, request: OptimizeRequest, *, created_by: str) -> str:
    """Start the solve as a background job (the same request); its id."""
    params = request.model_dump(mode="json", exclude_none=True)
    return submit_job(session, OPTIMIZE_JOB, params, created_by=created_by)
