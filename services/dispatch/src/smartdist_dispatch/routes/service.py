"""Plans from stored rows: build the planner's problem, store its answer, publish it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from smartdist.bus.outbox import publish
from smartdist.db import ScopedSession, utcnow
from smartdist.kpi import record
from smartdist.problems import Conflict, NotFound, Unprocessable
from smartdist_dispatch.fleet.models import Depot
from smartdist_dispatch.fleet.models import Vehicle as VehicleRow
from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.planning_input import day_start, fleet_vehicle, order_stop
from smartdist_dispatch.planning.model import Plan, RoutingProblem
from smartdist_dispatch.routes.models import Route, RoutePlan, RouteStop

SERVICE = "dispatch"
# The objective is metres; a vehicle's fixed cost in TWD counts as this many metres (a van costs
# about 10 TWD per km to run), so using one more vehicle must save about that much driving.
METRES_PER_TWD = 100.0


@dataclass
class PlanningInput:
    """Plain values only: the solve runs after the reading transaction has closed."""

    problem: RoutingProblem
    vehicle_ids: dict[str, int]  # row id by code (the planner's vehicle id)
    depot_id: int
    depot_code: str


def plannable_rows(session: ScopedSession, depot_id: int) -> tuple[Depot, list[DeliveryOrder], list[VehicleRow]]:
    """The depot, the tenant's created orders and the depot's vehicles; 422 when any is missing."""
    depot = session.get(Depot, depot_id)
    if depot is None:
        raise Unprocessable(f"No depot {depot_id}.", errors=[{"loc": ["body", "depot_id"], "message": "unknown depot"}])
    orders = list(session.scalars(select(DeliveryOrder).where(DeliveryOrder.status == "created")
                                  .order_by(DeliveryOrder.id)))
    vehicles = list(session.scalars(select(VehicleRow).where(VehicleRow.depot_id == depot_id).order_by(VehicleRow.id)))
    errors = []
    if not orders:
        errors.append({"loc": ["orders"], "message": "no orders in status created to plan"})
    if not vehicles:
        errors.append({"loc": ["body", "depot_id"], "message": f"depot {depot.code} has no vehicles"})
    if errors:
        raise Unprocessable("Nothing to plan.", errors=errors)
    return depot, orders, vehicles


def planning_input(session: ScopedSession, depot_id: int, day: date) -> PlanningInput:
    """The tenant's created orders and the depot's vehicles as one problem."""
    depot, orders, vehicles = plannable_rows(session, depot_id)
    # Location 0 is the depot, order k is location k + 1; the provider takes (longitude, latitude).
    points = [(depot.lng, depot.lat)] + [(o.lng, o.lat) for o in orders]
    matrix = HaversineMatrixProvider().matrix(points)
    problem = RoutingProblem(
        travel_time=matrix.duration_s,
        distance=matrix.distance_m,
        stops=[order_stop(o, k + 1, day) for k, o in enumerate(orders)],
        vehicles=[fleet_vehicle(v, 0, day, objective_units_per_twd=METRES_PER_TWD) for v in vehicles],
    )
    return PlanningInput(problem, {v.code: v.id for v in vehicles}, depot.id, depot.code)


def store_plan(session: ScopedSession, source: PlanningInput, plan: Plan, day: date, *, tenant_id: str) -> RoutePlan:
    """Store the solver's plan, mark its orders planned and log the KPI records, in one transaction.

    The solve ran outside any transaction, so an order that left `created` meanwhile (cancelled,
    planned by another run) makes this plan stale: refuse it rather than plan the order twice.
    """
    planned_nos = [v.stop_id for r in plan.routes for v in r.visits]
    orders = {o.order_no: o for o in session.scalars(select(DeliveryOrder)
                                                      .where(DeliveryOrder.order_no.in_(planned_nos)))}
    stale = sorted(no for no in planned_nos if no not in orders or orders[no].status != "created")
    if stale:
        raise Conflict(f"Orders changed while planning: {', '.join(stale[:10])}; plan again.")
    start = day_start(day)
    ready = min((o.created_at for o in orders.values()), default=None)
    row = RoutePlan(plan_date=day, depot_id=source.depot_id, status="planned", orders_ready_at=ready,
                    total_distance_m=round(sum(r.distance for r in plan.routes)),
                    total_duration_s=round(sum(r.duration for r in plan.routes)))
    session.add(row)
    session.flush()
    for seq, planned in enumerate(plan.routes, start=1):
        route = Route(plan_id=row.id, vehicle_id=source.vehicle_ids[planned.vehicle_id], seq=seq,
                      distance_m=round(planned.distance), duration_s=round(planned.duration))
        session.add(route)
        session.flush()
        for stop_seq, visit in enumerate(planned.visits, start=1):
            order = orders[visit.stop_id]
            session.add(RouteStop(route_id=route.id, order_id=order.id, seq=stop_seq,
                                  eta=start + timedelta(seconds=visit.arrival)))
            order.status = "planned"
            record(session, service=SERVICE, doc_type="delivery_order", doc_no=order.order_no, status="planned",
                   sender=source.depot_code, receiver=planned.vehicle_id, tenant_id=tenant_id)
    record(session, service=SERVICE, doc_type="route", doc_no=plan_doc_no(row), status="planned",
           sender=source.depot_code, receiver="dispatcher", distance_m=row.total_distance_m,
           quantity=len(plan.routes), tenant_id=tenant_id)
    session.flush()
    return row


def plan_doc_no(plan: RoutePlan) -> str:
    return f"P{plan.id}"


def plan_detail(session: ScopedSession, plan_id: int) -> dict[str, Any]:
    plan = session.get(RoutePlan, plan_id)
    if plan is None:
        raise NotFound(f"No plan {plan_id}.")
    routes = list(session.scalars(select(Route).where(Route.plan_id == plan.id).order_by(Route.seq)))
    stops = list(session.execute(
        select(RouteStop, DeliveryOrder.order_no)
        .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
        .where(RouteStop.route_id.in_([r.id for r in routes]))
        .order_by(RouteStop.route_id, RouteStop.seq)))
    vehicles = {v.id: v.code for v in session.scalars(
        select(VehicleRow).where(VehicleRow.id.in_([r.vehicle_id for r in routes])))}
    by_route: dict[int, list[dict[str, Any]]] = {r.id: [] for r in routes}
    for stop, order_no in stops:
        by_route[stop.route_id].append({"seq": stop.seq, "order_id": stop.order_id, "order_no": order_no,
                                        "eta": stop.eta.isoformat(), "status": stop.status})
    return plan_summary(plan) | {
        "routes": [{"id": r.id, "seq": r.seq, "vehicle_id": r.vehicle_id, "vehicle_code": vehicles.get(r.vehicle_id),
                    "distance_m": r.distance_m, "duration_s": r.duration_s, "stops": by_route[r.id]}
                   for r in routes]}


def plan_summary(plan: RoutePlan) -> dict[str, Any]:
    return {"id": plan.id, "plan_date": plan.plan_date.isoformat(), "depot_id": plan.depot_id, "status": plan.status,
            "created_at": plan.created_at.isoformat(),
            "published_at": plan.published_at.isoformat() if plan.published_at else None,
            "total_distance_m": plan.total_distance_m, "total_duration_s": plan.total_duration_s,
            "orders_ready_at": plan.orders_ready_at.isoformat() if plan.orders_ready_at else None,
            "elapsed_s": plan.elapsed_s}


def publish_plan(
    session: ScopedSession, plan_id: int, *, tenant_id: str, now: datetime | None = None
) -> dict[str, Any]:
    """Publish a planned plan: the planning-time KPI record and one route.published event per route."""
    plan = session.get(RoutePlan, plan_id)
    if plan is None:
        raise NotFound(f"No plan {plan_id}.")
    if plan.status != "planned":
        raise Conflict(f"Plan {plan_id} is already {plan.status}.")
    now = now or utcnow()
    plan.status, plan.published_at = "published", now
    plan.elapsed_s = (now - plan.orders_ready_at).total_seconds() if plan.orders_ready_at else None
    session.flush()
    depot = session.get(Depot, plan.depot_id)
    record(session, service=SERVICE, doc_type="route", doc_no=plan_doc_no(plan), status="published",
           sender=depot.code if depot else "", receiver="drivers", sent_at=plan.orders_ready_at, received_at=now,
           elapsed_s=plan.elapsed_s, distance_m=plan.total_distance_m, tenant_id=tenant_id)
    detail = plan_detail(session, plan_id)
    for route in detail["routes"]:
        publish(session, type="smartdist.dispatch.route.published", subject=str(route["id"]), tenant_id=tenant_id,
                data={"plan_id": plan.id, "plan_date": detail["plan_date"], "route_id": route["id"],
                      "vehicle_code": route["vehicle_code"], "distance_m": route["distance_m"],
                      "stops": [{"order_no": s["order_no"], "eta": s["eta"]} for s in route["stops"]]})
    return detail
