"""Solomon VRPTW benchmark for POST /optimize (in-process), plus a 1,000-stop timing.

    PYTHONPATH=services/dispatch/src .venv/bin/python services/dispatch/benchmarks/solomon.py \
        --instances C101,R101,RC101 --limits 1,5 --engines pyvrp,ortools,pyvrp-native

Engines: `auto` / `pyvrp` / `ortools` go through optimize(); `pyvrp-native` is PyVRP's own
solve() on the same instance and limit (required clients, no prizes), the reference figure.
Every plan from optimize() is re-checked by the feasibility checker; distance is the real
Euclidean length; gap is to bks.csv (fewest vehicles first, then distance), so with objective
`distance` a plan with more vehicles can sit below the best-known distance.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from smartdist_dispatch.optimize.schemas import OptimizeRequest  # noqa: E402
from smartdist_dispatch.optimize.service import optimize_with_plan  # noqa: E402
from smartdist_dispatch.planning.feasibility import check_plan  # noqa: E402
from smartdist_dispatch.planning.insertion import LiveRoute, insert_rush_stops  # noqa: E402
from smartdist_dispatch.planning.model import RoutingProblem, Stop, TimeWindow  # noqa: E402

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "vrp" / "solomon"


def read_instance(path: Path) -> dict:
    """Numeric rows only: headers differ between copies of the files."""
    fleet = None
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if fleet is None and len(parts) == 2 and all(p.isdigit() for p in parts):
            fleet = (int(parts[0]), int(parts[1]))
        elif len(parts) == 7 and all(p.replace(".", "", 1).lstrip("-").isdigit() for p in parts):
            rows.append([float(p) for p in parts])
    assert fleet is not None and rows, f"cannot parse {path}"
    depot, customers = rows[0], rows[1:]
    return {
        "name": path.stem,
        "count": fleet[0],
        "capacity": fleet[1],
        "depot": depot,
        "customers": customers,
    }


def instance_request(instance: dict, objective: str, limit: float, customers: int | None = None) -> OptimizeRequest:
    depot = instance["depot"]
    rows = instance["customers"][:customers] if customers else instance["customers"]
    return OptimizeRequest.model_validate(
        {
            "metric": "euclidean",
            "depot": {"location": [depot[1], depot[2]], "time_window": [depot[4], depot[5]]},
            "fleet": {"count": instance["count"], "capacity": instance["capacity"]},
            "jobs": [
                {
                    "id": int(r[0]),
                    "location": [r[1], r[2]],
                    "demand": int(r[3]),
                    "time_window": [r[4], r[5]],
                    "service": r[6],
                }
                for r in rows
            ],
            "objective": objective,
            "time_limit_s": limit,
        }
    )


def pyvrp_native(instance: dict, limit: float, objective: str) -> tuple[int, float, float, bool]:
    """PyVRP's own solve() with exact distances scaled by 1000, as a user of PyVRP would write it."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    scale = 1000
    rows = [instance["depot"]] + instance["customers"]
    xy = np.array([[r[1], r[2]] for r in rows])
    exact = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    started = time.perf_counter()
    dist = np.rint(exact * scale).astype(np.int64)
    dur = np.ceil(exact * scale - 1e-9).astype(np.int64)
    depot = rows[0]
    fixed = int(exact.max() * 2 * scale * len(rows)) if objective == "vehicles_then_distance" else 0
    data = pyvrp.ProblemData(
        [pyvrp.Location(float(x), float(y)) for x, y in xy],
        [
            pyvrp.Client(
                i,
                delivery=[int(r[3])],
                service_duration=int(r[6] * scale),
                tw_early=int(r[4] * scale),
                tw_late=int(r[5] * scale),
            )
            for i, r in enumerate(rows)
            if i > 0
        ],
        [pyvrp.Depot(0, tw_early=int(depot[4] * scale), tw_late=int(depot[5] * scale))],
        [
            pyvrp.VehicleType(
                num_available=instance["count"],
                capacity=[instance["capacity"]],
                tw_early=int(depot[4] * scale),
                tw_late=int(depot[5] * scale),
                fixed_cost=fixed,
            )
        ],
        [dist],
        [dur],
    )
    result = pyvrp.solve(data, MaxRuntime(limit), seed=1, collect_stats=False)
    elapsed = time.perf_counter() - started
    best = result.best
    real = 0.0
    for route in best.routes():
        visits = [0] + [a.idx + 1 for a in list(route)[1:-1]] + [0]
        real += sum(exact[a, b] for a, b in zip(visits, visits[1:], strict=False))
    return best.num_routes(), real, elapsed, best.is_feasible()


def load_bks() -> dict[str, tuple[int, float]]:
    with open(DATA / "bks.csv", newline="") as fh:
        return {row["instance"]: (int(row["vehicles"]), float(row["distance"])) for row in csv.DictReader(fh)}


# VROOM's published Solomon figure (v1.12.0, `-x 5`, Xeon E5-1620 4 cores / 8 threads, about
# 0.36 s per instance): average gap to the best-known travel time over the 56 instances. Source:
# https://github.com/VROOM-Project/vroom/wiki/Benchmarks (noted in /work/shared/research/).
VROOM_MEAN_GAP = 1.63


@dataclass
class Row:
    name: str
    limit: float
    engine: str
    vehicles: int
    distance: float
    bks_vehicles: int
    bks_distance: float
    elapsed: float
    feasible: bool

    @property
    def gap(self) -> float:
        return 100.0 * (self.distance - self.bks_distance) / self.bks_distance


def solve_one(instance: dict, limit: float, engine: str, objective: str) -> tuple[int, float, float, bool]:
    """Vehicles, real distance, wall time and whether the plan is feasible with every job served."""
    if engine == "pyvrp-native":
        return pyvrp_native(instance, limit, objective)
    request = instance_request(instance, objective, limit)
    started = time.perf_counter()
    response, problem, plan = optimize_with_plan(request, engine)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    feasible = not check_plan(problem, plan) and not response.unassigned
    return response.vehicles_used, response.total_distance, elapsed, feasible


def run_solomon(names: list[str], limits: list[float], engines: list[str], objective: str) -> list[Row]:
    bks = load_bks()
    rows: list[Row] = []
    print(f"objective={objective}  started {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  load average {load_average()}")
    print(
        f"{'instance':8} {'limit':>5} {'engine':13} {'veh':>3} {'distance':>10} {'bks_veh':>7} {'bks':>9} "
        f"{'gap%':>7} {'time_s':>7} feasible"
    )
    for name in names:
        instance = read_instance(DATA / f"{name}.txt")
        bks_vehicles, bks_distance = bks[name]
        for limit in limits:
            for engine in engines:
                vehicles, distance, elapsed, feasible = solve_one(instance, limit, engine, objective)
                row = Row(name, limit, engine, vehicles, distance, bks_vehicles, bks_distance, elapsed, feasible)
                rows.append(row)
                print(
                    f"{name:8} {limit:5g} {engine:13} {vehicles:3d} {distance:10.2f} {bks_vehicles:7d} "
                    f"{bks_distance:9.2f} {row.gap:7.2f} {elapsed:7.2f} {'yes' if feasible else 'NO'}",
                    flush=True,
                )
    summarise(rows, objective)
    print(f"finished {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  load average {load_average()}")
    return rows


def summarise(rows: list[Row], objective: str) -> None:
    groups: dict[tuple[float, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.limit, row.engine), []).append(row)
    print("\nper limit and engine: mean gap to BKS distance, extra vehicles, instances at the BKS fleet")
    print("(and the mean gap over those), feasible plans, mean wall time:")
    for (limit, engine), group in sorted(groups.items()):
        at_fleet = [r for r in group if r.vehicles <= r.bks_vehicles]
        fleet_gap = f"{statistics.mean(r.gap for r in at_fleet):+.2f}%" if at_fleet else "-"
        print(
            f"  limit {limit:5g}s  {engine:13} mean gap {statistics.mean(r.gap for r in group):+6.2f}%  "
            f"extra vehicles {statistics.mean(r.vehicles - r.bks_vehicles for r in group):+.2f}  "
            f"at BKS fleet {len(at_fleet)}/{len(group)} ({fleet_gap})  "
            f"feasible {sum(r.feasible for r in group)}/{len(group)}  "
            f"time {statistics.mean(r.elapsed for r in group):.2f}s"
        )
    native = {(r.limit, r.name): r for r in rows if r.engine == "pyvrp-native"}
    if native:
        print("\ndistance relative to PyVRP's own solve() at the same limit, mean of per-instance ratios (worst):")
        for (limit, engine), group in sorted(groups.items()):
            ratios = [
                100.0 * (r.distance / native[(limit, r.name)].distance - 1.0)
                for r in group
                if engine != "pyvrp-native" and (limit, r.name) in native
            ]
            if ratios:
                print(f"  limit {limit:5g}s  {engine:13} {statistics.mean(ratios):+6.2f}%  ({max(ratios):+.2f}%)")
        if objective == "vehicles_then_distance":
            print("\nagainst PyVRP's own solve(), fewer vehicles first, then shorter distance (instances):")
            for (limit, engine), group in sorted(groups.items()):
                pairs = [(r, native[(limit, r.name)]) for r in group if engine != "pyvrp-native"]
                if pairs:
                    better = sum((r.vehicles, r.distance) < (n.vehicles, n.distance - 1e-6) for r, n in pairs)
                    worse = sum((r.vehicles, r.distance) > (n.vehicles, n.distance + 1e-6) for r, n in pairs)
                    print(
                        f"  limit {limit:5g}s  {engine:13} better {better}, equal {len(pairs) - better - worse}, "
                        f"worse {worse}"
                    )
    one_second = {engine: group for (limit, engine), group in groups.items() if limit == 1}
    if objective == "vehicles_then_distance" and one_second:
        print(f"\nVROOM v1.12.0 published: mean gap {VROOM_MEAN_GAP:+.2f}% to the BKS on the 56 Solomon instances")
        print("(about 0.36 s each on 4 cores; its per-instance vehicle counts are not published).")
        for engine, group in sorted(one_second.items()):
            gap = statistics.mean(r.gap for r in group)
            at_fleet = sum(r.vehicles <= r.bks_vehicles for r in group)
            verdict = "better" if gap < VROOM_MEAN_GAP else "not better"
            print(
                f"  1 s {engine:13} mean gap {gap:+.2f}% over {len(group)} instances, {at_fleet} at the BKS "
                f"fleet: {verdict} than VROOM's {VROOM_MEAN_GAP:+.2f}%"
            )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def large_instance(customers: int = 1000, vehicles: int = 50, seed: int = 20261126) -> OptimizeRequest:
    """Deterministic Solomon-like R2/RC2 instance: 200x200 square, depot centre, long horizon."""
    rng = np.random.default_rng(seed)
    horizon = 1500.0
    depot = np.array([100.0, 100.0])
    clustered = rng.normal(loc=rng.uniform(20, 180, size=(20, 2))[rng.integers(0, 20, customers // 2)], scale=8.0)
    uniform = rng.uniform(0, 200, size=(customers - customers // 2, 2))
    xy = np.clip(np.vstack([clustered, uniform]), 0, 200)
    jobs = []
    for k, (x, y) in enumerate(xy):
        reach = math.dist(depot, (x, y))
        service = 10.0
        earliest, latest = reach, horizon - reach - service
        centre = rng.uniform(earliest, latest)
        half = rng.uniform(60, 240)
        jobs.append(
            {
                "id": k + 1,
                "location": [round(float(x), 1), round(float(y), 1)],
                "demand": int(rng.integers(1, 31)),
                "time_window": [round(max(0.0, centre - half), 1), round(min(latest, centre + half), 1)],
                "service": service,
            }
        )
    return OptimizeRequest.model_validate(
        {
            "metric": "euclidean",
            "depot": {"location": depot.tolist(), "time_window": [0, horizon]},
            "fleet": {"count": vehicles, "capacity": 400},
            "jobs": jobs,
            "objective": "distance",
            "time_limit_s": 60,
        }
    )


def run_large(limit: float, engines: list[str]) -> None:
    request = large_instance().model_copy(update={"time_limit_s": limit})
    print(f"\n1,000-stop, 50-vehicle TW instance, limit {limit:g}s  load average {load_average()}")
    for engine in [e for e in engines if e != "pyvrp-native"]:
        started = time.perf_counter()
        response, problem, plan = optimize_with_plan(request, engine)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        violations = check_plan(problem, plan)
        print(
            f"  {engine:8} vehicles {response.vehicles_used:3d} distance {response.total_distance:10.2f} "
            f"unassigned {len(response.unassigned)} violations {len(violations)} time {elapsed:6.2f}s"
            f"  load average {load_average()}"
        )
        # Rush orders into that plan, one at a time, at five customers' places; each route's first
        # stop counts as done.
        live = [LiveRoute(r.vehicle_id, [v.stop_id for v in r.visits], 1, r.start_time) for r in plan.routes]
        times = []
        for k in range(5):
            place = problem.stops[k * 199].location
            rush = Stop(id="rush", location=place, demand=(5,), time_windows=(TimeWindow(300.0, 1200.0),), service=10.0)
            extended = RoutingProblem(problem.travel_time, problem.distance, [*problem.stops, rush], problem.vehicles)
            started = time.perf_counter()
            result = insert_rush_stops(extended, live, ["rush"], now=250.0)
            times.append(time.perf_counter() - started)
            print(f"  rush insertion {k + 1}: {times[-1]:.3f}s -> {result.inserted or result.rejected}")
        print(f"  rush insertion: slowest {max(times):.3f}s of {len(times)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", default="all", help="comma list, e.g. C101,R101; or 'all'")
    parser.add_argument("--limits", default="1,5,30", help="seconds per instance, comma list")
    parser.add_argument(
        "--engines", default="auto,ortools,pyvrp-native", help="auto,pyvrp,ortools,ortools-warm,pyvrp-native"
    )
    parser.add_argument("--objective", default="distance", choices=["distance", "vehicles_then_distance"])
    parser.add_argument("--large", type=float, default=0.0, help="also time the 1,000-stop instance at this limit")
    parser.add_argument("--skip-solomon", action="store_true")
    args = parser.parse_args(argv)
    names = sorted(p.stem for p in DATA.glob("*.txt")) if args.instances == "all" else args.instances.split(",")
    engines = args.engines.split(",")
    if not args.skip_solomon:
        run_solomon(names, [float(x) for x in args.limits.split(",")], engines, args.objective)
    if args.large:
        run_large(args.large, engines)


if __name__ == "__main__":
    main()
