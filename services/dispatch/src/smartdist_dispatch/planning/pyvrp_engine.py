"""PyVRP (iterated local search) engine for the problems it models natively.

Capacities in several dimensions, one time window per stop, service times, shift windows and
maximum working time, fixed vehicle costs, optional stops with penalties, and reloads at the start
depot. Breaks, several windows per stop, pickup-and-delivery pairs and workload balancing go to
the OR-Tools engine (see `choose_engine`).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp import PenaltyParams, SolveParams
from pyvrp.stop import FirstFeasible, MaxRuntime, MultipleCriteria

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
    vehicle_profile,
)
from smartdist_dispatch.planning.model import RELOAD, Plan, RoutingProblem, Stop

INT_INFINITY = np.iinfo(np.int64).max
# Largest capacity, in solver units, of any load dimension. Grams and millilitres (capacities in
# the millions) are divided down to this (demands rounded up, capacities down) so a penalty per
# unit of excess load times the excess stays far inside PyVRP's 64-bit costs.
LOAD_RANGE = 100_000
# PyVRP multiplies a penalty per unit by the violation in 64-bit integers and wraps on overflow;
# penalty x (largest violation the search can see) stays below this.
COST_ROOM = 2**60
DEFAULT_PENALTIES = PenaltyParams()


def load_divisors(stops: Sequence[Stop], capacities: Sequence[tuple[int, ...]]) -> list[int]:
    """Per capacity dimension, what demands and capacities are divided by before PyVRP sees them.

    The greatest common divisor first (exact); when the largest capacity is still above
    LOAD_RANGE, a further factor with demands rounded up and capacities rounded down, so a plan
    that fits in solver units fits in grams and millilitres too.
    """
    dims = len(capacities[0]) if capacities else (len(stops[0].demand) if stops else 1)
    divisors = []
    for k in range(dims):
        values = [s.demand[k] for s in stops] + [c[k] for c in capacities]
        common = math.gcd(*values) if any(values) else 1
        top = max((c[k] for c in capacities), default=0) // common
        divisors.append(common * max(1, math.ceil(top / LOAD_RANGE)))
    return divisors


@dataclass
class ScaledPenaltyParams(PenaltyParams):
    """PyVRP's penalty parameters with a per-problem maximum and per-dimension starting values.

    PyVRP bounds every penalty per unit of violation by `max_penalty` (100,000 by default). With
    distances in millimetres and a van's fixed cost in the tens of millions, one unit of excess
    load at that bound costs less than the vehicle it saves or the prize of the stop it lets
    in, so the search stays on overloaded plans (PyVRP warns PenaltyBoundWarning). The maximum
    here is just above the largest prize instead, and the load penalties start near the cost of
    a unit of capacity, so a 5-order, 2-van day in grams and boxes is solved in milliseconds.
    """

    initial_load: tuple[float, ...] = ()

    def midpoint_penalties(self, data: pyvrp.ProblemData) -> tuple[list[float], float, float]:
        # PyVRP's own starting point, so plans on Solomon-like data do not change.
        mid = DEFAULT_PENALTIES.min_penalty + (DEFAULT_PENALTIES.max_penalty - DEFAULT_PENALTIES.min_penalty) / 2
        loads = list(self.initial_load) or [mid] * data.num_load_dimensions
        return loads, mid, mid


def started_clock(deadline: float) -> MaxRuntime:
    """A runtime limit whose clock runs from now.

    MaxRuntime starts timing at its first check, which pyvrp.solve makes only after building
    neighbourhoods and a first local search (about 0.7 s for 1,000 stops); starting it here makes
    that set-up count against the caller's time limit.
    """
    clock = MaxRuntime(max(0.01, deadline - time.perf_counter()))
    clock(0)
    return clock


class PyVRPEngine:
    name = "pyvrp"

    def __init__(self, seed: int = 1, fleet_share: float = 0.4, warm_fleet: bool = True) -> None:
        self.seed = seed
        self.warm_fleet = warm_fleet
        # Share of the budget spent removing vehicles under the vehicles_then_distance objective.
        # A/B at 2 s on 8 Solomon instances (R101 R105 R109 R201 R205 RC101 RC105 RC201):
        # warm-started removal, share 0.25: +0.375 vehicles over BKS, 0.84% distance gap;
        # share 0.4: +0.375, 1.02%; restarting each removal from scratch: +0.75, 1.79%. Fewer
        # vehicles come first, so the larger share is kept: on a loaded machine (1 s, load 10 on
        # 2 cores) 0.25 left +1.12 vehicles on the 56 instances.
        self.fleet_share = fleet_share

    def supports(self, problem: RoutingProblem) -> bool:
        return (
            not problem.pairs
            and not problem.balance_workload
            and all(len(s.time_windows) <= 1 for s in problem.stops)
            and all(not v.breaks for v in problem.vehicles)
            # Which required stop to drop first is OR-Tools' job: PyVRP has no move that swaps a
            # served stop for an unserved one of higher priority.
            and len({s.priority for s in problem.stops if s.required}) <= 1
        )

    def solve(
        self,
        problem: RoutingProblem,
        time_limit_s: float,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        started = time.perf_counter()
        if not self.supports(problem):
            raise ValueError("problem has constraints the PyVRP engine does not model")
        stops, screened_out = screen_stops(problem)
        raw: list[RawRoute] = []
        if stops and problem.vehicles:
            data, vehicle_pools, client_ids, params = self._problem_data(problem, stops)
            # The float re-check after solving grows with size (about 0.15 s per 1,000 stops
            # measured here), so it comes out of the budget rather than on top of it.
            deadline = started + search_budget_s(time_limit_s, len(stops))
            best = None
            with progress_by_clock(progress, time_limit_s):
                # Removing vehicles needs every stop required: it must not force optional ones in.
                if (
                    problem.objective == "vehicles_then_distance"
                    and len(vehicle_pools) == 1
                    and all(s.required for s in stops)
                ):
                    best = self._fewest_vehicles(data, deadline, params)
                if best is None:
                    best = pyvrp.solve(
                        data, started_clock(deadline), seed=self.seed, collect_stats=False, params=params
                    ).best
            raw = self._routes(best, vehicle_pools, client_ids)
        if progress is not None:
            progress(1.0)
        return finalize_plan(problem, raw, screened_out, self.name, time.perf_counter() - started)

    def _fewest_vehicles(self, data: pyvrp.ProblemData, deadline: float, params: SolveParams) -> pyvrp.Solution | None:
        """Fleet minimisation, then distance within the smallest fleet found.

        Up to `fleet_share` of the budget goes to dropping one vehicle at a time (with every stop required,
        stopping at the first feasible plan); the rest improves distance from that plan. None
        when not even the full fleet gave a feasible plan in time: then the prize model decides.
        """
        clients = [
            pyvrp.Client(
                c.location,
                delivery=list(c.delivery),
                service_duration=c.service_duration,
                tw_early=c.tw_early,
                tw_late=c.tw_late,
                required=True,
                name=c.name,
            )
            for c in data.clients()
        ]
        required = data.replace(clients=clients)
        fleet = required.vehicle_type(0)
        fleet_deadline = time.perf_counter() + (deadline - time.perf_counter()) * self.fleet_share
        best: tuple[pyvrp.ProblemData, pyvrp.Solution] | None = None
        count = fleet.num_available
        trips = 1 if not fleet.reload_depots else min(fleet.max_reloads + 1, len(clients))
        lower_bound = max(
            int(np.ceil(sum(c.delivery[k] for c in data.clients()) / max(1, fleet.capacity[k] * trips)))
            for k in range(data.num_load_dimensions)
        )
        initial: pyvrp.Solution | None = None
        while count >= max(1, lower_bound) and time.perf_counter() < fleet_deadline:
            trial = required.replace(vehicle_types=[fleet.replace(num_available=count)])
            if best is not None and self.warm_fleet:
                # Warm start: the last feasible plan without its smallest route; the search has
                # to fit those stops elsewhere, which is much quicker than starting from scratch.
                routes = sorted(best[1].routes(), key=lambda r: r.num_clients())[1:]
                initial = pyvrp.Solution(trial, [[a.idx for a in list(r)[1:-1]] for r in routes])
            stop = MultipleCriteria([FirstFeasible(), started_clock(fleet_deadline)])
            solution = pyvrp.solve(
                trial, stop, seed=self.seed, collect_stats=False, params=params, initial_solution=initial
            ).best
            if not solution.is_feasible():
                break
            best = (trial, solution)
            count = solution.num_routes() - 1
        if best is None:
            return None
        trial, solution = best
        improved = pyvrp.solve(
            trial,
            started_clock(deadline),
            seed=self.seed,
            collect_stats=False,
            params=params,
            initial_solution=solution,
        ).best
        return improved if improved.is_feasible() else solution

    def _problem_data(
        self, problem: RoutingProblem, stops: list[Stop]
    ) -> tuple[pyvrp.ProblemData, list[list[str]], list[str], SolveParams]:
        depot_locations = sorted(
            {v.start_location for v in problem.vehicles} | {v.end_location for v in problem.vehicles}
        )
        divisors = load_divisors(stops, [v.capacity for v in problem.vehicles])
        matrix_locations = depot_locations + [s.location for s in stops]
        index = np.asarray(matrix_locations)
        travel = problem.travel_time[np.ix_(index, index)]
        dist = problem.distance[np.ix_(index, index)]
        durations = np.ceil(travel * SCALE - 1e-9).astype(np.int64)
        distances = np.rint(dist * SCALE).astype(np.int64)
        np.fill_diagonal(durations, 0)
        np.fill_diagonal(distances, 0)
        if problem.objective == "duration":
            distances = durations.copy()

        fleet_penalty = 0
        if problem.objective == "vehicles_then_distance":
            # One route fewer must outweigh any distance saving.
            fleet_penalty = int(SCALE * float(dist.max()) * 2 * (len(stops) + 1)) + 1
        # Every stop is optional with a prize: a required one is worth more than the most its
        # visit can add (a detour of at most twice the longest leg, plus opening a vehicle), so the
        # search serves them all when it can and still returns a plan when it cannot. A larger
        # prize would make overloaded solutions look better than any penalty can correct.
        most_fixed = max(int(round(v.fixed_cost * SCALE)) for v in problem.vehicles)
        must_prize = 2 * (int(SCALE * float(dist.max()) * 2) + fleet_penalty + most_fixed) + 1
        reload_time = {v.reload_time for v in problem.vehicles if v.max_trips > 1}
        depots = [
            pyvrp.Depot(i, service_duration=scale_time_up(max(reload_time, default=0.0)))
            for i in range(len(depot_locations))
        ]
        clients = []
        for offset, stop in enumerate(stops):
            window = stop.time_windows[0] if stop.time_windows else None
            tw_early = scale_time_up(window.start) if window else 0
            tw_late = scale_time_down(window.end) if window and np.isfinite(window.end) else INT_INFINITY
            # A window narrower than one scaled unit would be empty; the float replay decides.
            tw_late = max(tw_late, tw_early)
            prize = must_prize if stop.penalty is None else int(round(stop.penalty * SCALE))
            clients.append(
                pyvrp.Client(
                    len(depot_locations) + offset,
                    delivery=[-(-amount // d) for amount, d in zip(stop.demand, divisors, strict=True)],
                    service_duration=scale_time_up(stop.service),
                    tw_early=tw_early,
                    tw_late=tw_late,
                    prize=prize,
                    required=False,
                    name=stop.id,
                )
            )
        pools: dict[tuple[object, ...], list[str]] = defaultdict(list)
        for vehicle in problem.vehicles:
            pools[vehicle_profile(vehicle)].append(vehicle.id)
        vehicle_types = []
        vehicle_pools = []
        by_id = {v.id: v for v in problem.vehicles}
        for ids in pools.values():
            v = by_id[ids[0]]
            start_depot = depot_locations.index(v.start_location)
            vehicle_types.append(
                pyvrp.VehicleType(
                    num_available=len(ids),
                    capacity=[amount // d for amount, d in zip(v.capacity, divisors, strict=True)],
                    start_depot=start_depot,
                    end_depot=depot_locations.index(v.end_location),
                    fixed_cost=int(round(v.fixed_cost * SCALE)) + fleet_penalty,
                    tw_early=scale_time_up(v.shift.start) if np.isfinite(v.shift.start) else 0,
                    tw_late=(
                        max(scale_time_down(v.shift.end), scale_time_up(v.shift.start))
                        if np.isfinite(v.shift.end)
                        else INT_INFINITY
                    ),
                    shift_duration=(
                        scale_time_down(v.max_working_time) if v.max_working_time is not None else INT_INFINITY
                    ),
                    reload_depots=[start_depot] if v.max_trips > 1 else [],
                    max_reloads=max(0, v.max_trips - 1) if v.max_trips > 1 else np.iinfo(np.uint64).max,
                    name=v.id,
                )
            )
            vehicle_pools.append(list(ids))
        locations = [pyvrp.Location(0.0, 0.0) for _ in matrix_locations]
        data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, [distances], [durations])
        return data, vehicle_pools, [s.id for s in stops], self._solve_params(data, must_prize, most_fixed, durations)

    @staticmethod
    def _solve_params(data: pyvrp.ProblemData, must_prize: int, most_fixed: int, durations: np.ndarray) -> SolveParams:
        """Penalty bounds for this problem's magnitudes (see ScaledPenaltyParams)."""
        # One unit of excess load or of time warp must be able to cost more than anything it buys:
        # at most one more required stop (its prize) or one vehicle fewer (less than that prize).
        needed = float(must_prize) + 1.0
        clients = data.clients()
        # The largest violation a plan can show: every demand on one vehicle, or every leg and
        # service back to back.
        most_load = max((sum(c.delivery[k] for c in clients) for k in range(data.num_load_dimensions)), default=1)
        most_warp = int(durations.max(initial=0)) * (len(clients) + 1) + sum(c.service_duration for c in clients)
        room = COST_ROOM / max(1, most_load, most_warp)
        max_penalty = max(DEFAULT_PENALTIES.max_penalty, min(needed, room))
        # A unit of capacity is worth about a vehicle's own fixed cost shared over its capacity (the
        # fleet-size term of vehicles_then_distance left out); never below PyVRP's starting value.
        capacities = [max(vt.capacity[k] for vt in data.vehicle_types()) for k in range(data.num_load_dimensions)]
        start = DEFAULT_PENALTIES.min_penalty + (DEFAULT_PENALTIES.max_penalty - DEFAULT_PENALTIES.min_penalty) / 2
        initial = tuple(min(max_penalty, max(start, most_fixed / max(1, cap))) for cap in capacities)
        return SolveParams(penalty=ScaledPenaltyParams(max_penalty=max_penalty, initial_load=initial))

    @staticmethod
    def _routes(solution: pyvrp.Solution, vehicle_pools: list[list[str]], client_ids: list[str]) -> list[RawRoute]:
        free = [list(pool) for pool in vehicle_pools]
        raw = []
        for route in solution.routes():
            activities = list(route)
            sequence: list[str] = []
            for activity in activities[1:-1]:
                if activity.is_depot():
                    sequence.append(RELOAD)
                else:
                    sequence.append(client_ids[activity.idx])
            if any(sid != RELOAD for sid in sequence):
                raw.append(RawRoute(free[route.vehicle_type()].pop(0), sequence))
        return raw
