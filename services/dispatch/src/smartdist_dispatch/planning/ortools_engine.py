"""OR-Tools routing engine: the engine for the rich constraints.

Models capacities in several dimensions, several time windows per stop, service times, shift
windows, breaks, maximum working time, fixed vehicle costs, pickup-and-delivery pairs, optional
stops with penalties (required ones carry a penalty no saving can beat, so the solver still
answers when not everything fits and the dropped ones are reported), reloads at the start depot
(optional dummy depot visits whose load slack refills the vehicle), and workload balancing.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from smartdist_dispatch.planning.engine import (
    SCALE,
    ProgressCallback,
    RawRoute,
    finalize_plan,
    progress_by_clock,
    scale_time_down,
    scale_time_up,
    screen_stops,
    search_budget_s,
)
from smartdist_dispatch.planning.model import RELOAD, Plan, RoutingProblem, Stop, Vehicle


@dataclass(frozen=True)
class OrToolsSettings:
    # Parallel cheapest insertion starts from a plan that already respects the windows. Measured
    # at 1 s on 14 Solomon instances: mean gap 6.3% against 23.6% from path cheapest arc, whose
    # first plan on clustered (C) instances GLS cannot repair in that time. (On four instances at
    # 2 s path cheapest arc came out ahead, 2.1% vs 3.2%; the short limit matters more here.)
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    # Weight of the longest route's duration when balancing workloads (per scaled second).
    balance_coefficient: int = 1
    # Share of the budget given to PyVRP for a starting plan (0 = OR-Tools builds its own). PyVRP
    # solves a version without breaks, balancing or priorities and with only each stop's first
    # window; its plan seeds the search when OR-Tools accepts it as feasible.
    warm_start_share: float = 0.0


# Gaps between two windows of a stop at least this wide (scaled units: 100 s) are posted as a
# constraint instead of holes in the time variable's domain (see where it is used).
LARGE_GAP = 100 * SCALE


class OrToolsEngine:
    name = "ortools"

    def __init__(self, settings: OrToolsSettings | None = None) -> None:
        self.settings = settings or OrToolsSettings()

    def supports(self, problem: RoutingProblem) -> bool:
        return True

    def solve(
        self,
        problem: RoutingProblem,
        time_limit_s: float,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        started = time.perf_counter()
        stops, screened_out = screen_stops(problem)
        raw: list[RawRoute] = []
        if stops and problem.vehicles:
            raw = self._solve_servable(problem, stops, started, time_limit_s, progress)
            if not raw:
                raw = self._greedy_routes(problem, stops)
        if progress is not None:
            progress(1.0)
        return finalize_plan(problem, raw, screened_out, self.name, time.perf_counter() - started)

    @staticmethod
    def _greedy_routes(problem: RoutingProblem, stops: list[Stop]) -> list[RawRoute]:
        """Cheapest feasible insertion, stop by stop: the answer when OR-Tools found no first
        solution inside the time limit (breaks on a busy machine can do that), so the caller still
        gets a feasible plan instead of every stop unassigned."""
        from smartdist_dispatch.planning.insertion import insert_rush_stops

        order = sorted(stops, key=lambda s: (-s.priority, min((w.end for w in s.time_windows), default=float("inf"))))
        result = insert_rush_stops(problem, [], [s.id for s in order], now=float("-inf"))
        return [RawRoute(vid, sequence) for vid, sequence in result.sequences.items() if sequence]

    @staticmethod
    def _pyvrp_routes(
        problem: RoutingProblem,
        stops: list[Stop],
        vehicles: list[Vehicle],
        stop_node: dict[str, int],
        reload_owner: dict[int, int],
        time_limit_s: float,
    ) -> list[list[int]]:
        """Node sequences per vehicle from PyVRP on the relaxed problem (see warm_start_share)."""
        from smartdist_dispatch.planning.pyvrp_engine import PyVRPEngine

        relaxed = dataclasses.replace(
            problem,
            stops=[dataclasses.replace(s, time_windows=s.time_windows[:1], priority=0) for s in stops],
            vehicles=[dataclasses.replace(v, breaks=()) for v in vehicles],
            balance_workload=False,
        )
        plan = PyVRPEngine().solve(relaxed, time_limit_s)
        reloads: dict[int, list[int]] = {}
        for node, owner in sorted(reload_owner.items()):
            reloads.setdefault(owner, []).append(node)
        position = {v.id: k for k, v in enumerate(vehicles)}
        routes: list[list[int]] = [[] for _ in vehicles]
        for route in plan.routes:
            v_index = position[route.vehicle_id]
            spare = list(reloads.get(v_index, []))
            for visit in route.visits:
                routes[v_index].append(spare.pop(0) if visit.stop_id == RELOAD else stop_node[visit.stop_id])
        return routes

    def _solve_servable(
        self,
        problem: RoutingProblem,
        stops: list[Stop],
        started: float,
        time_limit_s: float,
        progress: ProgressCallback | None,
    ) -> list[RawRoute]:
        vehicles = problem.vehicles
        depot_locations = sorted({v.start_location for v in vehicles} | {v.end_location for v in vehicles})
        node_location: list[int] = list(depot_locations)
        node_stop: list[str | None] = [None] * len(depot_locations)
        node_service: list[float] = [0.0] * len(depot_locations)
        for stop in stops:
            node_location.append(stop.location)
            node_stop.append(stop.id)
            node_service.append(stop.service)
        stop_node = {sid: n for n, sid in enumerate(node_stop) if sid is not None}
        reload_owner: dict[int, int] = {}
        for v_index, vehicle in enumerate(vehicles):
            for _ in range(max(0, vehicle.max_trips - 1)):
                reload_owner[len(node_location)] = v_index
                node_location.append(vehicle.start_location)
                node_stop.append(RELOAD)
                node_service.append(vehicle.reload_time)
        index = np.asarray(node_location)
        travel = problem.travel_time[np.ix_(index, index)]
        dist = problem.distance[np.ix_(index, index)]
        service = np.asarray([scale_time_up(s) for s in node_service], dtype=np.int64)
        time_matrix = np.ceil(travel * SCALE - 1e-9).astype(np.int64) + service[:, None]
        cost_matrix = np.rint(dist * SCALE).astype(np.int64)
        np.fill_diagonal(time_matrix, 0)
        np.fill_diagonal(cost_matrix, 0)
        if problem.objective == "duration":
            cost_matrix = time_matrix.copy()

        starts = [depot_locations.index(v.start_location) for v in vehicles]
        ends = [depot_locations.index(v.end_location) for v in vehicles]
        manager = pywrapcp.RoutingIndexManager(len(node_location), len(vehicles), starts, ends)
        routing = pywrapcp.RoutingModel(manager)
        solver = routing.solver()

        cost_cb = routing.RegisterTransitMatrix(cost_matrix.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
        time_cb = routing.RegisterTransitMatrix(time_matrix.tolist())

        finite = [w.end for s in stops for w in s.time_windows if np.isfinite(w.end)]
        finite += [v.shift.end for v in vehicles if np.isfinite(v.shift.end)]
        horizon = scale_time_up(
            max(finite, default=0.0) + float(sum(node_service)) + float(travel.max()) * (len(node_location) + 1)
        )
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        time_dim = routing.GetDimensionOrDie("time")
        by_id = {s.id: s for s in stops}
        for n, sid in enumerate(node_stop):
            if sid is None or sid == RELOAD:
                continue
            windows = sorted(by_id[sid].time_windows, key=lambda w: w.start)
            if not windows:
                continue
            cumul = time_dim.CumulVar(manager.NodeToIndex(n))
            last_end = windows[-1].end
            low = min(scale_time_up(windows[0].start), horizon)
            high = scale_time_down(last_end) if np.isfinite(last_end) else horizon
            # A window narrower than one scaled unit would be empty; the float replay decides.
            cumul.SetRange(low, max(low, min(high, horizon)))
            for before, after in zip(windows, windows[1:], strict=False):
                gap_start, gap_end = scale_time_down(before.end) + 1, scale_time_up(after.start) - 1
                if gap_start > gap_end:
                    continue
                if gap_end - gap_start < LARGE_GAP:
                    cumul.RemoveInterval(gap_start, gap_end)
                else:
                    # RemoveInterval takes time linear in the gap's width: about 1 s for the 8 hours
                    # between a morning and an evening window, more than a whole 1 s solve. The same
                    # rule as a constraint costs nothing to post: before the gap or after it.
                    solver = routing.solver()
                    solver.Add(solver.IsLessCstVar(cumul, gap_start) + solver.IsGreaterCstVar(cumul, gap_end) >= 1)
        node_visit_transits = [int(s) for s in service]
        for v_index, vehicle in enumerate(vehicles):
            start_var = time_dim.CumulVar(routing.Start(v_index))
            end_var = time_dim.CumulVar(routing.End(v_index))
            start_var.SetMin(scale_time_up(vehicle.shift.start) if np.isfinite(vehicle.shift.start) else 0)
            if np.isfinite(vehicle.shift.end):
                end_var.SetMax(max(scale_time_down(vehicle.shift.end), scale_time_up(vehicle.shift.start)))
            if vehicle.max_working_time is not None:
                time_dim.SetSpanUpperBoundForVehicle(scale_time_down(vehicle.max_working_time), v_index)
            if vehicle.breaks:
                intervals = [
                    solver.FixedDurationIntervalVar(
                        scale_time_up(b.window.start),
                        scale_time_down(b.window.end),
                        scale_time_up(b.duration),
                        False,
                        f"break {vehicle.id} {k}",
                    )
                    for k, b in enumerate(vehicle.breaks)
                ]
                time_dim.SetBreakIntervalsOfVehicle(intervals, v_index, node_visit_transits)
            routing.SetFixedCostOfVehicle(int(round(vehicle.fixed_cost * SCALE)), v_index)
            routing.AddVariableMinimizedByFinalizer(start_var)
            routing.AddVariableMinimizedByFinalizer(end_var)
        if problem.balance_workload:
            time_dim.SetGlobalSpanCostCoefficient(self.settings.balance_coefficient)
        if problem.objective == "vehicles_then_distance":
            fleet_penalty = int(SCALE * float(dist.max()) * 2 * (len(stops) + 1)) + 1
            for v_index, vehicle in enumerate(vehicles):
                routing.SetFixedCostOfVehicle(int(round(vehicle.fixed_cost * SCALE)) + fleet_penalty, v_index)
        else:
            fleet_penalty = 0

        pickups = {p.pickup for p in problem.pairs}
        for k in range(problem.dimensions):
            transit = []
            for sid in node_stop:
                if sid is None or sid == RELOAD:
                    transit.append(0)
                else:
                    amount = by_id[sid].demand[k]
                    transit.append(amount if sid in pickups else -amount)
            capacities = [v.capacity[k] for v in vehicles]
            cb = routing.RegisterUnaryTransitVector(transit)
            # The start load is free (what the vehicle loads at the depot); reload visits may refill.
            routing.AddDimensionWithVehicleCapacity(cb, max(capacities), capacities, False, f"load{k}")
            load_dim = routing.GetDimensionOrDie(f"load{k}")
            for n, sid in enumerate(node_stop):
                if sid == RELOAD:
                    continue
                if n >= len(depot_locations):
                    load_dim.SlackVar(manager.NodeToIndex(n)).SetValue(0)
            for v_index in range(len(vehicles)):
                load_dim.SlackVar(routing.Start(v_index)).SetValue(0)

        must_penalty = (int(SCALE * (float(dist.max()) * 2 + 1)) * (len(stops) + 1) + fleet_penalty * len(vehicles)) * 2
        for sid, n in stop_node.items():
            stop = by_id[sid]
            penalty = must_penalty * (1 + stop.priority) if stop.penalty is None else int(round(stop.penalty * SCALE))
            routing.AddDisjunction([manager.NodeToIndex(n)], penalty)
        for n, owner in reload_owner.items():
            idx = manager.NodeToIndex(n)
            # SetAllowedVehiclesForIndex does not accept a Python list in this OR-Tools build.
            routing.VehicleVar(idx).SetValues([-1, owner])
            routing.AddDisjunction([idx], 0)
        for pair in problem.pairs:
            if pair.pickup not in stop_node or pair.delivery not in stop_node:
                continue
            p_idx = manager.NodeToIndex(stop_node[pair.pickup])
            d_idx = manager.NodeToIndex(stop_node[pair.delivery])
            routing.AddPickupAndDelivery(p_idx, d_idx)
            solver.Add(routing.ActiveVar(p_idx) == routing.ActiveVar(d_idx))
            solver.Add(routing.VehicleVar(p_idx) == routing.VehicleVar(d_idx))
            solver.Add(time_dim.CumulVar(p_idx) <= time_dim.CumulVar(d_idx))

        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, self.settings.first_solution)
        params.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, self.settings.metaheuristic
        )
        with progress_by_clock(progress, time_limit_s):
            routes = None
            if self.settings.warm_start_share > 0 and not problem.pairs:
                budget = time_limit_s * self.settings.warm_start_share - (time.perf_counter() - started)
                routes = self._pyvrp_routes(problem, stops, vehicles, stop_node, reload_owner, max(0.05, budget))
            remaining = max(0.1, search_budget_s(time_limit_s, 0, floor_s=0.1) - (time.perf_counter() - started))
            params.time_limit.FromMilliseconds(int(remaining * 1000))
            initial = None
            if routes is not None:
                routing.CloseModelWithParameters(params)
                # None when the relaxed plan breaks a rule PyVRP did not see (a break, say).
                initial = routing.ReadAssignmentFromRoutes(routes, True)
            if initial is not None:
                solution = routing.SolveFromAssignmentWithParameters(initial, params)
            else:
                solution = routing.SolveWithParameters(params)
        if solution is None:
            return []
        raw = []
        for v_index, vehicle in enumerate(vehicles):
            idx = solution.Value(routing.NextVar(routing.Start(v_index)))
            sequence: list[str] = []
            while not routing.IsEnd(idx):
                sid = node_stop[manager.IndexToNode(idx)]
                if sid is not None:
                    sequence.append(sid)
                idx = solution.Value(routing.NextVar(idx))
            if any(s != RELOAD for s in sequence):
                raw.append(RawRoute(vehicle.id, sequence))
        return raw
