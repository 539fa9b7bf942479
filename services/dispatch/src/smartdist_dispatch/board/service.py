"""The board's use cases: rush orders inserted, a plan re-planned around the done stops, the baseline plan.

Stops a driver has delivered, failed or arrived at stay where they are (and so does every stop
before the last of them); only the rest moves. Every changed route gets revision + 1, a notice
for the driver, a `smartdist.dispatch.route.changed` event and a KPI record, in one transaction.

The baseline: the merchant's usual plan for the same orders, replayed with plan mode
(``assess_plan``) on the haversine matrix the planner used, so "km saved" compares two real plans
of the same orders. Without one, the merchant's ``manual_distance_km_per_day`` baseline stands in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from smartdist.db import ScopedSession, utcnow
from smartdist.exports import csv_text
from smartdist.jobs import submit_job
from smartdist.kpi import record
from smartdist.kpi.log import latest_baselines
from smartdist.problems import Conflict, NotFound, Unprocessable
from smartdist_dispatch.board.domain import co2e_kg, fixed_count, hhmm, seconds_of_day, today
from smartdist_dispatch.board.repository import REASON_CODES
from smartdist_dispatch.fleet.models import Depot
from smartdist_dispatch.fleet.models import Vehicle as VehicleRow
from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider
from smartdist_dispatch.matrix.port import TravelMatrix
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.planning_input import day_start, fleet_vehicle, order_stop
from smartdist_dispatch.orders.spreadsheet import LOCAL_ZONE
from smartdist_dispatch.planning.insertion import LiveRoute, insert_rush_stops
from smartdist_dispatch.planning.model import RoutingProblem, Stop, TimeWindow, Visit
from smartdist_dispatch.planning.plan_mode import assess_plan
from smartdist_dispatch.routes.models import Route, RoutePlan, RouteStop
from smartdist_dispatch.routes.service import METRES_PER_TWD, announce_route_change

SERVICE = "dispatch"
REPLAN_JOB = "dispatch.replan"
# Order statuses of an order on a route (publish turns planned into out_for_delivery).
ON_ROUTE = ("planned", "out_for_delivery")


@dataclass
class LiveStop:
    stop_id: int
    order_id: int
    order_no: str
    status: str
    eta: datetime


@dataclass
class LiveRouteRows:
    """One route of the day as plain values: read in one transaction, changed in another."""

    route_id: int
    plan_id: int
    vehicle_id: int
    vehicle_code: str
    depot_code: str
    depot_point: tuple[float, float]  # (lng, lat)
    revision: int
    start: float  # when it left (or leaves) the depot, seconds of the day
    stops: list[LiveStop]
    fixed: int  # leading stops that stay put

    @property
    def key(self) -> str:  # the planner's vehicle id: a vehicle could drive two plans' routes
        return str(self.route_id)


@dataclass
class LiveDay:
    day: date
    now: float
    problem: RoutingProblem
    routes: dict[str, LiveRouteRows]
    orders: dict[str, DeliveryOrder] = field(default_factory=dict)  # detached, for texts only


def _locations(points: list[tuple[float, float]]) -> TravelMatrix:
    return HaversineMatrixProvider().matrix(points)


def read_live_day(
    session: ScopedSession,
    day: date,
    *,
    now: datetime,
    extra_orders: Sequence[DeliveryOrder] = (),
    plan_id: int | None = None,
    pending_as_stops: bool = False,
    exclude_vehicle_ids: frozenset[int] = frozenset(),
) -> LiveDay:
    """The day's published routes (or one plan's) as a planning problem.

    Rush insertion (``pending_as_stops`` False): every stop of every route is a problem stop and
    each route a live sequence. Re-planning (True): only the pending stops after the fixed part
    are problem stops; each vehicle starts where its fixed part ends, when it ends, with the
    capacity the fixed stops used taken off.
    """
    plans_q = select(RoutePlan).where(RoutePlan.plan_date == day, RoutePlan.status == "published")
    if plan_id is not None:
        plans_q = select(RoutePlan).where(RoutePlan.id == plan_id)
    plans = {p.id: p for p in session.scalars(plans_q)}
    routes = list(
        session.scalars(
            select(Route)
            .where(Route.plan_id.in_(list(plans)), Route.status != "completed")
            .order_by(Route.plan_id, Route.seq)
            .with_for_update()
        )
    )
    depots = {d.id: d for d in session.scalars(select(Depot).where(Depot.id.in_({p.depot_id for p in plans.values()})))}
    vehicles = {
        v.id: v for v in session.scalars(select(VehicleRow).where(VehicleRow.id.in_({r.vehicle_id for r in routes})))
    }
    rows = session.execute(
        select(RouteStop, DeliveryOrder)
        .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
        .where(RouteStop.route_id.in_([r.id for r in routes]))
        .order_by(RouteStop.route_id, RouteStop.seq)
    ).all()
    by_route: dict[int, list[tuple[RouteStop, DeliveryOrder]]] = {r.id: [] for r in routes}
    for stop, order in rows:
        by_route[stop.route_id].append((stop, order))

    points: list[tuple[float, float]] = []
    depot_loc: dict[int, int] = {}
    for depot in depots.values():
        depot_loc[depot.id] = len(points)
        points.append((depot.lng, depot.lat))
    problem_stops: list[Stop] = []
    problem_vehicles = []
    live: dict[str, LiveRouteRows] = {}
    orders: dict[str, DeliveryOrder] = {}
    now_s = seconds_of_day(now, day)
    for route in routes:
        plan = plans[route.plan_id]
        vehicle_row = vehicles[route.vehicle_id]
        stops = by_route[route.id]
        statuses = [s.status for s, _ in stops]
        fixed = fixed_count(statuses)
        vehicle = fleet_vehicle(vehicle_row, depot_loc[plan.depot_id], day, objective_units_per_twd=METRES_PER_TWD)
        vehicle = dataclasses.replace(vehicle, id=str(route.id))
        start = seconds_of_day(route.started_at, day) if route.started_at else vehicle.shift.start
        rows_here = LiveRouteRows(
            route.id,
            plan.id,
            vehicle_row.id,
            vehicle_row.code,
            depots[plan.depot_id].code,
            (depots[plan.depot_id].lng, depots[plan.depot_id].lat),
            route.revision,
            start,
            [LiveStop(s.id, o.id, o.order_no, s.status, s.eta) for s, o in stops],
            fixed,
        )
        for _stop, order in stops:
            orders[order.order_no] = order
        if pending_as_stops:
            if fixed:
                last_stop, last_order = stops[fixed - 1]
                start_loc = len(points)
                points.append((last_order.lng, last_order.lat))
                left_at = (last_stop.completed_at or last_stop.arrived_at or last_stop.eta) + timedelta(
                    seconds=last_order.service_s if last_stop.status == "arrived" else 0
                )
                begin = max(now_s, seconds_of_day(left_at, day))
                used = [order_stop(o, 0, day).demand for _, o in stops[:fixed]]
                capacity = tuple(max(c - sum(u[k] for u in used), 0) for k, c in enumerate(vehicle.capacity))
            else:
                start_loc, begin, capacity = vehicle.start_location, max(now_s, vehicle.shift.start), vehicle.capacity
            if vehicle_row.id in exclude_vehicle_ids:
                live[rows_here.key] = rows_here
                for _, order in stops[fixed:]:
                    if order.status in ON_ROUTE:
                        problem_stops.append(order_stop(order, len(points), day))
                        points.append((order.lng, order.lat))
                continue
            shift_end = max(vehicle.shift.end, begin)
            problem_vehicles.append(
                dataclasses.replace(
                    vehicle, start_location=start_loc, capacity=capacity, shift=TimeWindow(begin, shift_end)
                )
            )
            for _, order in stops[fixed:]:
                if order.status in ON_ROUTE:  # a cancelled order leaves the route
                    problem_stops.append(order_stop(order, len(points), day))
                    points.append((order.lng, order.lat))
        else:
            for _, order in stops:
                problem_stops.append(order_stop(order, len(points), day))
                points.append((order.lng, order.lat))
            problem_vehicles.append(vehicle)
        live[rows_here.key] = rows_here
    for order in extra_orders:
        orders[order.order_no] = order
        problem_stops.append(order_stop(order, len(points), day))
        points.append((order.lng, order.lat))
    matrix = _locations(points) if points else TravelMatrix(np.zeros((1, 1)), np.zeros((1, 1)))
    problem = RoutingProblem(
        travel_time=matrix.duration_s,
        distance=matrix.distance_m,
        stops=problem_stops,
        vehicles=problem_vehicles,
    )
    if not pending_as_stops:
        # A route not started yet keeps its planned departure, so the ETAs it had stay put.
        for rows_here in live.values():
            if rows_here.stops and rows_here.fixed == 0 and not _started(session, rows_here.route_id):
                first = problem.stop_by_id()[rows_here.stops[0].order_no]
                vehicle = next(v for v in problem.vehicles if v.id == rows_here.key)
                planned = (
                    seconds_of_day(rows_here.stops[0].eta, day)
                    - problem.travel_time[vehicle.start_location, first.location]
                )
                rows_here.start = max(now_s, planned, vehicle.shift.start)
    return LiveDay(day, now_s, problem, live, orders)


def _started(session: ScopedSession, route_id: int) -> bool:
    route = session.get(Route, route_id)
    return route is not None and route.started_at is not None


def _order_rows(session: ScopedSession, order_ids: list[int]) -> list[DeliveryOrder]:
    found = {o.id: o for o in session.scalars(select(DeliveryOrder).where(DeliveryOrder.id.in_(order_ids)))}
    errors = []
    for k, oid in enumerate(order_ids):
        order = found.get(oid)
        if order is None:
            errors.append({"loc": ["body", "order_ids", k], "message": f"no order {oid}"})
        elif order.status != "created":
            errors.append(
                {
                    "loc": ["body", "order_ids", k],
                    "message": f"order {order.order_no} is {order.status}, only created orders can be inserted",
                }
            )
    if len(set(order_ids)) != len(order_ids):
        errors.append({"loc": ["body", "order_ids"], "message": "an order is listed twice"})
    if errors:
        raise Unprocessable("These orders cannot be inserted.", errors=errors)
    return [found[oid] for oid in order_ids]


def _change_route(
    session: ScopedSession,
    route_rows: LiveRouteRows,
    day: date,
    sequence: list[str],
    visits: list[Visit],
    distance: float,
    duration: float,
    stop_rows: dict[str, RouteStop],
    order_ids: dict[str, int],
) -> Route:
    """Renumber the route's stops in ``sequence``, with new ETAs for the ones not yet reached."""
    route: Route | None = session.get(Route, route_rows.route_id)
    assert route is not None
    start = day_start(day)
    arrival = {v.stop_id: v.arrival for v in visits}
    for seq, no in enumerate(sequence, start=1):
        stop = stop_rows.get(no)
        if stop is None:
            stop = RouteStop(
                route_id=route.id, order_id=order_ids[no], seq=seq, eta=start + timedelta(seconds=arrival[no])
            )
            session.add(stop)
            stop_rows[no] = stop
        stop.route_id, stop.seq = route.id, seq
        if stop.status == "pending" and no in arrival:
            stop.eta = start + timedelta(seconds=arrival[no])
    plan = session.get(RoutePlan, route.plan_id)
    assert plan is not None
    plan.total_distance_m += round(distance) - route.distance_m
    plan.total_duration_s += round(duration) - route.duration_s
    route.distance_m, route.duration_s = round(distance), round(duration)
    route.revision += 1
    return route


def insert_rush_orders(
    session: ScopedSession,
    order_ids: list[int],
    *,
    tenant_id: str,
    day: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Insert ``created`` orders into the day's published routes; all of them or none (422)."""
    now = now or utcnow()
    day = day or today()
    if day < now.astimezone(LOCAL_ZONE).date():
        raise Unprocessable(f"{day} is over.", errors=[{"loc": ["body", "plan_date"], "message": "date is past"}])
    orders = _order_rows(session, order_ids)
    live = read_live_day(session, day, now=now, extra_orders=orders)
    if not live.routes:
        raise Unprocessable(
            f"No published routes on {day}.",
            errors=[{"loc": ["body", "plan_date"], "message": f"no published routes on {day}"}],
        )
    live_routes = [LiveRoute(r.key, [s.order_no for s in r.stops], r.fixed, r.start) for r in live.routes.values()]
    result = insert_rush_stops(live.problem, live_routes, [o.order_no for o in orders], live.now)
    if result.rejected:
        errors = [
            {
                "loc": ["body", "order_ids", k],
                "code": f"dispatch.unassigned.{result.rejected[o.order_no]}",
                "params": {"order_no": o.order_no},
                "reason": str(result.rejected[o.order_no]),
                "message": f"{o.order_no}: {result.rejected[o.order_no]}",
            }
            for k, o in enumerate(orders)
            if o.order_no in result.rejected
        ]
        raise Unprocessable("No route can take these orders.", code="dispatch.rush.rejected", errors=errors)
    stop_rows = {
        order.order_no: stop
        for stop, order in session.execute(
            select(RouteStop, DeliveryOrder)
            .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
            .where(RouteStop.route_id.in_([r.route_id for r in live.routes.values()]))
        )
    }
    order_ids_by_no = {o.order_no: o.id for o in orders}
    changed = []
    for key, evaluation in result.routes.items():
        rows = live.routes[key]
        sequence = result.sequences[key]
        route = _change_route(
            session,
            rows,
            day,
            sequence,
            evaluation.visits,
            evaluation.distance,
            evaluation.duration,
            stop_rows,
            order_ids_by_no,
        )
        new_nos = [no for no in sequence if result.inserted.get(no) == key]
        for no in new_nos:
            order = next(o for o in orders if o.order_no == no)
            # Planned into a route that is already out: the same two steps publish logs for the others.
            order.status = "out_for_delivery"
            for status in ("planned", "published"):
                record(
                    session,
                    service=SERVICE,
                    doc_type="delivery_order",
                    doc_no=no,
                    status=status,
                    sender=rows.depot_code,
                    receiver=rows.vehicle_code,
                    tenant_id=tenant_id,
                    kind="rush_inserted",
                )
        eta = {v.stop_id: v.arrival for v in evaluation.visits}
        message = (
            "；".join(
                f"插單：訂單 {no}（{live.orders[no].customer_name}）排入第 {sequence.index(no) + 1} 站，"
                f"預計 {hhmm(day, eta[no])} 抵達"
                for no in new_nos
            )
            + f"。之後各站順延，路線第 {route.revision} 版。"
        )
        announce_route_change(session, route, "rush_inserted", message, new_nos, tenant_id=tenant_id)
        changed.append(
            {
                "route_id": route.id,
                "plan_id": route.plan_id,
                "vehicle_code": rows.vehicle_code,
                "revision": route.revision,
                "order_nos": new_nos,
                "positions": {no: sequence.index(no) + 1 for no in new_nos},
                "distance_m": route.distance_m,
                "notice": message,
            }
        )
    session.flush()
    return {"plan_date": day.isoformat(), "routes": changed}


# --- re-planning -------------------------------------------------------------------------------


def start_replan(session: ScopedSession, plan_id: int, exclude_vehicle_ids: list[int]) -> RoutePlan:
    """Checks made before the job starts, so the caller gets a 404/409/422 now rather than a failed job."""
    plan: RoutePlan | None = session.get(RoutePlan, plan_id)
    if plan is None:
        raise NotFound(f"No plan {plan_id}.")
    if plan.status != "published":
        raise Conflict(f"Plan {plan_id} is {plan.status}; only a published plan is re-planned.")
    if plan.plan_date < today():
        # Every stop still pending would come back unassigned: the day is over, nothing can be driven.
        raise Unprocessable(
            f"Plan {plan_id} was for {plan.plan_date}, a day that is over.",
            errors=[{"loc": ["path", "plan_id"], "message": "the plan's day is over"}],
        )
    used = set(session.scalars(select(Route.vehicle_id).where(Route.plan_id == plan_id)))
    unknown = [
        {"loc": ["body", "exclude_vehicle_ids", k], "message": f"vehicle {v} drives no route of plan {plan_id}"}
        for k, v in enumerate(exclude_vehicle_ids)
        if v not in used
    ]
    if unknown:
        raise Unprocessable("Unknown vehicles.", errors=unknown)
    if used and used <= set(exclude_vehicle_ids):
        raise Unprocessable(
            "No vehicle left.",
            errors=[{"loc": ["body", "exclude_vehicle_ids"], "message": "every vehicle of the plan is excluded"}],
        )
    return plan


def submit_replan(
    session: ScopedSession, plan_id: int, exclude_vehicle_ids: list[int], time_limit_s: int, *, created_by: str
) -> str:
    """Check the plan now (404/409/422), then start the re-plan job; its id."""
    start_replan(session, plan_id, exclude_vehicle_ids)
    params = {"plan_id": plan_id, "exclude_vehicle_ids": exclude_vehicle_ids, "time_limit_s": time_limit_s}
    return submit_job(session, REPLAN_JOB, params, created_by=created_by)


def store_replan(
    session: ScopedSession,
    live: LiveDay,
    new_routes: dict[str, Any],
    unassigned: list[tuple[str, str]],
    *,
    tenant_id: str,
) -> dict[str, Any]:
    route_ids = [r.route_id for r in live.routes.values()]
    current = session.execute(
        select(RouteStop, DeliveryOrder)
        .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
        .where(RouteStop.route_id.in_(route_ids))
    ).all()
    stop_rows = {o.order_no: s for s, o in current}
    order_rows = {o.order_no: o for _, o in current}
    movable = {s.id for s in live.problem.stops}
    moved_on = [no for no in movable if no in stop_rows and stop_rows[no].status != "pending"]
    if moved_on:
        raise Conflict(f"Stops were reached while re-planning: {', '.join(sorted(moved_on)[:10])}; re-plan again.")
    revisions = {
        rid: rev for rid, rev in session.execute(select(Route.id, Route.revision).where(Route.id.in_(route_ids)))
    }
    changed_meanwhile = sorted(r.route_id for r in live.routes.values() if revisions.get(r.route_id) != r.revision)
    if changed_meanwhile:  # e.g. a rush order inserted while the solver ran
        raise Conflict(f"Routes {changed_meanwhile} changed while re-planning; re-plan again.")
    dropped_nos = {no for no in unassigned_nos(unassigned)}
    changed = []
    for key, rows in live.routes.items():
        fixed_nos = [s.order_no for s in rows.stops[: rows.fixed]]
        planned = new_routes.get(key)
        new_nos = planned.stop_ids if planned is not None else []
        sequence = fixed_nos + new_nos
        before = [s.order_no for s in rows.stops]
        removed = [no for no in before[rows.fixed :] if no not in new_nos]
        visits = planned.visits if planned is not None else []
        eta_changed = any(
            abs((stop_rows[v.stop_id].eta - day_start(live.day)).total_seconds() - v.arrival) > 60
            for v in visits
            if stop_rows[v.stop_id].route_id == rows.route_id
        )
        if sequence == before and not eta_changed:
            continue
        route = session.get(Route, rows.route_id)
        assert route is not None
        # The fixed part keeps its distance share: the new tail replaces the old tail's estimate.
        fixed_distance = _fixed_distance(live, rows, order_rows)
        distance = fixed_distance + (planned.distance if planned is not None else 0.0)
        duration = (planned.end_time - rows.start) if planned is not None else route.duration_s
        for no in removed:
            if no not in new_routes_nos(new_routes):
                stop = stop_rows.pop(no)
                session.delete(stop)
        route = _change_route(
            session,
            rows,
            live.day,
            sequence,
            visits,
            distance,
            max(duration, 0),
            stop_rows,
            {no: order_rows[no].id for no in sequence},
        )
        moved_in = [no for no in new_nos if no not in before]
        parts = [f"路線已重新規劃（第 {route.revision} 版），共 {len(sequence)} 站"]
        if moved_in:
            parts.append("新增 " + "、".join(moved_in))
        if removed:
            parts.append("移出 " + "、".join(removed))
        message = "；".join(parts) + "。請依新順序配送。"
        announce_route_change(session, route, "replanned", message, moved_in + removed, tenant_id=tenant_id)
        changed.append(
            {
                "route_id": route.id,
                "vehicle_code": rows.vehicle_code,
                "revision": route.revision,
                "order_nos": sequence,
                "moved_in": moved_in,
                "removed": removed,
            }
        )
    for no in dropped_nos:
        dropped = stop_rows.pop(no, None)
        if dropped is not None:
            session.delete(dropped)
        order = order_rows.get(no)
        if order is not None and order.status in ON_ROUTE:
            order.status = "created"  # back to the waiting list, for a rush insertion or tomorrow
            record(
                session,
                service=SERVICE,
                doc_type="delivery_order",
                doc_no=no,
                status="created",
                sender="dispatcher",
                receiver="",
                tenant_id=tenant_id,
                kind="replan_unassigned",
            )
    # Orders cancelled since publish leave their routes.
    for no, order in order_rows.items():
        if order.status == "cancelled" and no in stop_rows and stop_rows[no].status == "pending":
            session.delete(stop_rows.pop(no))
    session.flush()
    return {"routes": changed, "unassigned": [{"order_no": no, "reason": reason} for no, reason in unassigned]}


def unassigned_nos(unassigned: list[tuple[str, str]]) -> list[str]:
    return [no for no, _ in unassigned]


def new_routes_nos(new_routes: dict[str, Any]) -> set[str]:
    return {no for r in new_routes.values() for no in r.stop_ids}


def _fixed_distance(live: LiveDay, rows: LiveRouteRows, orders: dict[str, DeliveryOrder]) -> float:
    """Depot -> the fixed stops, with the same haversine matrix the planner uses."""
    if not rows.fixed:
        return 0.0
    points = [(o.lng, o.lat) for o in (orders[s.order_no] for s in rows.stops[: rows.fixed])]
    points.insert(0, rows.depot_point)
    matrix = _locations(points)
    return float(sum(matrix.distance_m[k, k + 1] for k in range(len(points) - 1)))


# --- the baseline plan -------------------------------------------------------------------------

DAILY_BASELINE = "manual_distance_km_per_day"


def set_baseline(session: ScopedSession, plan_id: int, routes: list[tuple[int, list[str]]] | None) -> dict[str, Any]:
    """Store the plan's baseline distance from a hand plan (``routes``) or the daily baseline."""
    plan = session.get(RoutePlan, plan_id)
    if plan is None:
        raise NotFound(f"No plan {plan_id}.")
    if not routes:
        km = latest_baselines(session).get(DAILY_BASELINE)
        if km is None:
            raise Unprocessable(
                "No hand plan and no daily baseline.",
                errors=[
                    {
                        "loc": ["body", "routes"],
                        "message": f"give the usual routes, or enter the {DAILY_BASELINE} KPI baseline first",
                    }
                ],
            )
        plan.baseline_distance_m, plan.baseline_source = round(km * 1000), "daily_baseline"
        session.flush()
        return baseline_answer(plan, None)
    orders = {
        o.order_no: o
        for o in session.scalars(
            select(DeliveryOrder)
            .join(RouteStop, RouteStop.order_id == DeliveryOrder.id)
            .join(Route, Route.id == RouteStop.route_id)
            .where(Route.plan_id == plan.id)
            .order_by(DeliveryOrder.id)
        )
    }
    vehicle_ids = {vid for vid, _ in routes}
    vehicles = {v.id: v for v in session.scalars(select(VehicleRow).where(VehicleRow.id.in_(vehicle_ids)))}
    errors: list[dict[str, Any]] = []
    for k, (vid, nos) in enumerate(routes):
        if vid not in vehicles:
            errors.append({"loc": ["body", "routes", k, "vehicle_id"], "message": f"no vehicle {vid}"})
        for j, no in enumerate(nos):
            if no not in orders:
                errors.append(
                    {"loc": ["body", "routes", k, "order_nos", j], "message": f"order {no} is not in plan {plan_id}"}
                )
    if errors:
        raise Unprocessable("The usual plan does not match this plan's orders.", errors=errors)
    depot = session.get(Depot, plan.depot_id)
    assert depot is not None
    ordered = list(orders.values())
    points = [(depot.lng, depot.lat)] + [(o.lng, o.lat) for o in ordered]
    matrix = HaversineMatrixProvider().matrix(points)
    problem = RoutingProblem(
        travel_time=matrix.duration_s,
        distance=matrix.distance_m,
        stops=[order_stop(o, k + 1, plan.plan_date) for k, o in enumerate(ordered)],
        vehicles=[
            fleet_vehicle(v, 0, plan.plan_date, objective_units_per_twd=METRES_PER_TWD) for v in vehicles.values()
        ],
    )
    assessment = assess_plan(problem, [(vehicles[vid].code, nos) for vid, nos in routes])
    plan.baseline_distance_m, plan.baseline_source = round(assessment.total_distance), "hand_plan"
    session.flush()
    by_code = {v.code: v.id for v in vehicles.values()}
    return baseline_answer(
        plan,
        {
            "feasible": assessment.feasible,
            "duration_s": round(sum(r.duration for r in assessment.routes)),
            "violations": [
                {"kind": v.kind, "order_no": v.stop_id, "detail": v.detail}
                for r in assessment.routes
                for v in r.violations
            ]
            + [{"kind": v.kind, "order_no": v.stop_id, "detail": v.detail} for v in assessment.violations],
            "routes": [
                {
                    "vehicle_id": by_code[r.vehicle_id],
                    "vehicle_code": r.vehicle_id,
                    "distance_m": round(r.distance),
                    "duration_s": round(r.duration),
                    "stops": [{"order_no": v.stop_id, "arrival_s": round(v.arrival)} for v in r.visits],
                }
                for r in assessment.routes
            ],
        },
    )


def baseline_answer(plan: RoutePlan, assessment: dict[str, Any] | None) -> dict[str, Any]:
    saved_m = max((plan.baseline_distance_m or 0) - plan.total_distance_m, 0)
    return {
        "plan_id": plan.id,
        "baseline_source": plan.baseline_source,
        "baseline_distance_m": plan.baseline_distance_m,
        "planned_distance_m": plan.total_distance_m,
        "saved_m": saved_m,
        "co2e_kg": round(co2e_kg(saved_m), 3),
    } | (assessment or {})


# --- the analytics download ----------------------------------------------------------------------

CSV_COLUMNS = [
    "key",
    "name",
    "routes",
    "stops",
    "delivered",
    "failed",
    "success_rate",
    "on_time_rate",
    "distance_m",
    "duration_s",
    *[f"exceptions_{r}" for r in REASON_CODES],
]


def analytics_csv(result: dict[str, Any]) -> str:
    """The analytics table as CSV, through the platform's export (no cell can run as a formula)."""
    rows = []
    for row in result["items"]:
        known = sum(row["exceptions"].get(r, 0) for r in REASON_CODES[:-1])
        others = sum(row["exceptions"].values()) - known
        rows.append(
            [
                row["key"],
                row.get("name") or "",
                row["routes"],
                row["stops"],
                row["delivered"],
                row["failed"],
                "" if row["success_rate"] is None else row["success_rate"],
                "" if row["on_time_rate"] is None else row["on_time_rate"],
                row["distance_m"],
                row["duration_s"],
                *[row["exceptions"].get(r, 0) for r in REASON_CODES[:-1]],
                others,
            ]
        )
    return csv_text(CSV_COLUMNS, rows)
