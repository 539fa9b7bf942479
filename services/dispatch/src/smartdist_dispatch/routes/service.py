"""Plans from stored rows: build the planner's problem, store its answer, publish it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from smartdist.bus.outbox import publish
from smartdist.db import ScopedSession, utcnow
from smartdist.jobs import submit_job
from smartdist.kpi import record
from smartdist.pagination import Page, paginate
from smartdist.problems import Conflict, NotFound, Unprocessable
from smartdist_dispatch.fleet.models import Depot, Driver
from smartdist_dispatch.fleet.models import Vehicle as VehicleRow
from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.planning_input import (
    day_start,
    fleet_vehicle,
    for_plan_day,
    order_stop,
    vehicle_day_rules,
)
from smartdist_dispatch.planning.model import Plan, RoutingProblem
from smartdist_dispatch.routes.models import Route, RouteNotice, RoutePlan, RouteStop
from smartdist_dispatch.routes.schemas import PlanRequest

SERVICE = "dispatch"
PLAN_JOB = "dispatch.plan_day"
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


def resolve_depot(session: ScopedSession, depot_id: int | None) -> int:
    """The depot a plan starts from: the one asked for, else the tenant's only depot.

    A tenant with no depot yet (the first day) or several without a choice gets a 422 that says
    what to do, in the merchant's words, instead of a validation error on ``depot_id``.
    """
    if depot_id is not None:
        return depot_id
    ids = list(session.scalars(select(Depot.id).order_by(Depot.id).limit(2)))
    if not ids:
        raise Unprocessable(
            "No depot yet: create a depot, a vehicle and a driver on the fleet page first.",
            code="dispatch.plan.no_depot",
            errors=[{"loc": ["body", "depot_id"], "code": "dispatch.plan.no_depot", "message": "create a depot first"}],
        )
    if len(ids) > 1:
        raise Unprocessable(
            "Choose the depot to plan from.",
            code="dispatch.plan.choose_depot",
            errors=[{"loc": ["body", "depot_id"], "code": "dispatch.plan.choose_depot", "message": "choose a depot"}],
        )
    return ids[0]


def plannable_rows(session: ScopedSession, depot_id: int) -> tuple[Depot, list[DeliveryOrder], list[VehicleRow]]:
    """The depot, the tenant's created orders and the depot's vehicles; 422 when any is missing."""
    depot = session.get(Depot, depot_id)
    if depot is None:
        raise Unprocessable(
            f"No depot {depot_id}.",
            code="dispatch.plan.unknown_depot",
            params={"depot": depot_id},
            errors=[
                {
                    "loc": ["body", "depot_id"],
                    "code": "dispatch.plan.unknown_depot",
                    "params": {"depot": depot_id},
                    "message": "unknown depot",
                }
            ],
        )
    orders = list(
        session.scalars(select(DeliveryOrder).where(DeliveryOrder.status == "created").order_by(DeliveryOrder.id))
    )
    vehicles = list(session.scalars(select(VehicleRow).where(VehicleRow.depot_id == depot_id).order_by(VehicleRow.id)))
    errors: list[dict[str, Any]] = []
    if not orders:
        errors.append(
            {"loc": ["orders"], "code": "dispatch.plan.no_orders", "message": "no orders in status created to plan"}
        )
    if not vehicles:
        errors.append(
            {
                "loc": ["body", "depot_id"],
                "code": "dispatch.plan.no_vehicles",
                "params": {"depot": depot.code},
                "message": f"depot {depot.code} has no vehicles",
            }
        )
    if errors:
        raise Unprocessable("Nothing to plan.", code="dispatch.plan.nothing", errors=errors)
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


def due_planning_input(session: ScopedSession, request: PlanRequest) -> PlanningInput:
    """The depot's vehicles and the created orders due on the plan date; 422 when nothing is due.

    Only the orders due on the plan date (a window on that local day, or no window at all) are
    planned; orders of other days are left out and stay `created`.
    """
    depot_id = resolve_depot(session, request.depot_id)
    source = planning_input(session, depot_id, request.plan_date)
    source.problem = for_plan_day(source.problem, request.plan_date)
    # The day plan takes each vehicle's break, working time and trips, and the workload balance.
    rows = {v.code: v for v in session.scalars(select(VehicleRow).where(VehicleRow.code.in_(source.vehicle_ids)))}
    source.problem = dataclasses.replace(
        source.problem,
        vehicles=[
            dataclasses.replace(v, **vehicle_day_rules(rows[v.id], request.plan_date)) if v.id in rows else v
            for v in source.problem.vehicles
        ],
        balance_workload=request.balance_workload,
    )
    if not source.problem.stops:
        day = request.plan_date.isoformat()
        raise Unprocessable(
            f"No created orders are due on {day}.",
            code="dispatch.plan.nothing_due",
            params={"date": day},
            errors=[
                {
                    "loc": ["body", "plan_date"],
                    "code": "dispatch.plan.nothing_due",
                    "params": {"date": day},
                    "message": "no created orders due on this date",
                }
            ],
        )
    return source


def submit_plan(session: ScopedSession, request: PlanRequest, *, created_by: str) -> str:
    """Check now that there is something to plan (422 rather than a failed job), then start the job.

    The job gets the depot resolved here, so it plans from the same depot whatever is added meanwhile.
    """
    source = due_planning_input(session, request)
    params = request.model_copy(update={"depot_id": source.depot_id}).model_dump(mode="json")
    return submit_job(session, PLAN_JOB, params, created_by=created_by)


def plan_page(session: ScopedSession, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
    """The tenant's plans, oldest first."""
    return paginate(session, select(RoutePlan), RoutePlan.id, limit=limit, cursor=cursor, serialize=plan_summary)


def store_plan(session: ScopedSession, source: PlanningInput, plan: Plan, day: date, *, tenant_id: str) -> RoutePlan:
    """Store the solver's plan, mark its orders planned and log the KPI records, in one transaction.

    The solve ran outside any transaction, so an order that left `created` meanwhile (cancelled,
    planned by another run) makes this plan stale: refuse it rather than plan the order twice.
    """
    planned_nos = [v.stop_id for r in plan.routes for v in r.visits]
    orders = {
        o.order_no: o for o in session.scalars(select(DeliveryOrder).where(DeliveryOrder.order_no.in_(planned_nos)))
    }
    stale = sorted(no for no in planned_nos if no not in orders or orders[no].status != "created")
    if stale:
        raise Conflict(f"Orders changed while planning: {', '.join(stale[:10])}; plan again.")
    start = day_start(day)
    ready = min((o.created_at for o in orders.values()), default=None)
    row = RoutePlan(
        plan_date=day,
        depot_id=source.depot_id,
        status="planned",
        orders_ready_at=ready,
        total_distance_m=round(sum(r.distance for r in plan.routes)),
        total_duration_s=round(sum(r.duration for r in plan.routes)),
    )
    session.add(row)
    session.flush()
    for seq, planned in enumerate(plan.routes, start=1):
        route = Route(
            plan_id=row.id,
            vehicle_id=source.vehicle_ids[planned.vehicle_id],
            seq=seq,
            distance_m=round(planned.distance),
            duration_s=round(planned.duration),
        )
        session.add(route)
        session.flush()
        for stop_seq, visit in enumerate(planned.visits, start=1):
            order = orders[visit.stop_id]
            session.add(
                RouteStop(
                    route_id=route.id, order_id=order.id, seq=stop_seq, eta=start + timedelta(seconds=visit.arrival)
                )
            )
            order.status = "planned"
            record(
                session,
                service=SERVICE,
                doc_type="delivery_order",
                doc_no=order.order_no,
                status="planned",
                sender=source.depot_code,
                receiver=planned.vehicle_id,
                tenant_id=tenant_id,
            )
    record(
        session,
        service=SERVICE,
        doc_type="route",
        doc_no=plan_doc_no(row),
        status="planned",
        sender=source.depot_code,
        receiver="dispatcher",
        distance_m=row.total_distance_m,
        quantity=len(plan.routes),
        tenant_id=tenant_id,
    )
    session.flush()
    return row


def plan_doc_no(plan: RoutePlan) -> str:
    return f"P{plan.id}"


def plan_detail(session: ScopedSession, plan_id: int) -> dict[str, Any]:
    plan = session.get(RoutePlan, plan_id)
    if plan is None:
        raise NotFound(f"No plan {plan_id}.")
    routes = list(session.scalars(select(Route).where(Route.plan_id == plan.id).order_by(Route.seq)))
    stops = list(
        session.execute(
            select(RouteStop, DeliveryOrder.order_no)
            .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
            .where(RouteStop.route_id.in_([r.id for r in routes]))
            .order_by(RouteStop.route_id, RouteStop.seq)
        )
    )
    vehicles = {
        v.id: v.code
        for v in session.scalars(select(VehicleRow).where(VehicleRow.id.in_([r.vehicle_id for r in routes])))
    }
    by_route: dict[int, list[dict[str, Any]]] = {r.id: [] for r in routes}
    for stop, order_no in stops:
        by_route[stop.route_id].append(
            {
                "id": stop.id,
                "seq": stop.seq,
                "order_id": stop.order_id,
                "order_no": order_no,
                "eta": stop.eta.isoformat(),
                "status": stop.status,
            }
        )
    return plan_summary(plan) | {
        "routes": [
            {
                "id": r.id,
                "seq": r.seq,
                "vehicle_id": r.vehicle_id,
                "vehicle_code": vehicles.get(r.vehicle_id),
                "distance_m": r.distance_m,
                "duration_s": r.duration_s,
                "driver_id": r.driver_id,
                "status": r.status,
                "revision": r.revision,
                "stops": by_route[r.id],
            }
            for r in routes
        ]
    }


def plan_summary(plan: RoutePlan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "plan_date": plan.plan_date.isoformat(),
        "depot_id": plan.depot_id,
        "status": plan.status,
        "created_at": plan.created_at.isoformat(),
        "published_at": plan.published_at.isoformat() if plan.published_at else None,
        "total_distance_m": plan.total_distance_m,
        "total_duration_s": plan.total_duration_s,
        "orders_ready_at": plan.orders_ready_at.isoformat() if plan.orders_ready_at else None,
        "elapsed_s": plan.elapsed_s,
    }


def route_doc_no(plan_id: int, route_seq: int) -> str:
    """A route's own KPI document number: its plan's number and its place in the plan."""
    return f"P{plan_id}-R{route_seq}"


def assign_drivers(
    session: ScopedSession, routes: list[Route], assignments: list[tuple[int, int]]
) -> dict[int, Driver]:
    """The driver of each route: the dispatcher's pick, else the driver whose usual vehicle it is.

    Every route must end up with exactly one driver and no driver with two routes of the plan;
    otherwise a 422 names each route (or assignment) in the way, and nothing is published.
    """
    errors: list[dict[str, Any]] = []
    by_id = {r.id: r for r in routes}
    chosen: dict[int, int] = {}
    named: set[int] = set()  # routes an error already names
    wanted = {driver_id for _, driver_id in assignments}
    drivers = {d.id: d for d in session.scalars(select(Driver).where(Driver.id.in_(wanted)))} if wanted else {}
    for k, (route_id, driver_id) in enumerate(assignments):
        loc: list[Any] = ["body", "assignments", k]
        if route_id not in by_id:
            errors.append({"loc": [*loc, "route_id"], "message": f"route {route_id} is not in this plan"})
        elif route_id in chosen or route_id in named:
            errors.append({"loc": [*loc, "route_id"], "message": f"route {route_id} is assigned twice"})
        elif driver_id not in drivers:
            errors.append({"loc": [*loc, "driver_id"], "message": f"no driver {driver_id}"})
            named.add(route_id)
        else:
            chosen[route_id] = driver_id
    usual: dict[int, Driver] = {}
    for d in session.scalars(
        select(Driver).where(Driver.vehicle_id.in_([r.vehicle_id for r in routes])).order_by(Driver.id)
    ):
        usual.setdefault(d.vehicle_id or 0, d)  # two drivers of one vehicle: the first one registered
        drivers.setdefault(d.id, d)
    vehicles = {
        v.id: v.code
        for v in session.scalars(select(VehicleRow).where(VehicleRow.id.in_([r.vehicle_id for r in routes])))
    }
    routes_of_driver: dict[int, list[int]] = {}
    for route in routes:
        if route.id not in chosen and route.vehicle_id in usual:
            chosen[route.id] = usual[route.vehicle_id].id
        if route.id in chosen:
            routes_of_driver.setdefault(chosen[route.id], []).append(route.id)
        elif route.id not in named:
            errors.append(
                {
                    "loc": ["body", "assignments"],
                    "route_id": route.id,
                    "message": f"route {route.id} (vehicle {vehicles.get(route.vehicle_id)}) has no driver: "
                    "assign one or give a driver this vehicle",
                }
            )
    for driver_id, route_ids in routes_of_driver.items():
        if len(route_ids) > 1:
            errors.append(
                {
                    "loc": ["body", "assignments"],
                    "driver_id": driver_id,
                    "message": f"driver {drivers[driver_id].code} would drive routes "
                    f"{', '.join(map(str, route_ids))} at the same time",
                }
            )
    if errors:
        raise Unprocessable("Every route needs its own driver before the plan is published.", errors=errors)
    return {route_id: drivers[driver_id] for route_id, driver_id in chosen.items()}


def publish_plan(
    session: ScopedSession,
    plan_id: int,
    *,
    tenant_id: str,
    assignments: list[tuple[int, int]] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Give each route of a planned plan to its driver and announce it.

    KPI: exactly one ``route``/``published`` record per plan carries the planning time
    (``elapsed_s``, orders ready -> published); the per-route records (doc_no ``P<plan>-R<seq>``)
    carry none, so the planning-time KPI counts each plan once. Each order gets a
    ``delivery_order``/``published`` record and goes ``out_for_delivery``.
    """
    plan = session.get(RoutePlan, plan_id)
    if plan is None:
        raise NotFound(f"No plan {plan_id}.")
    if plan.status != "planned":
        raise Conflict(f"Plan {plan_id} is already {plan.status}.")
    routes = list(session.scalars(select(Route).where(Route.plan_id == plan.id).order_by(Route.seq)))
    drivers = assign_drivers(session, routes, assignments or [])
    now = now or utcnow()
    plan.status, plan.published_at = "published", now
    plan.elapsed_s = (now - plan.orders_ready_at).total_seconds() if plan.orders_ready_at else None
    depot = session.get(Depot, plan.depot_id)
    depot_code = depot.code if depot else ""
    extra: dict[str, Any] = {}
    if plan.baseline_distance_m is not None:
        extra["baseline_distance_m"] = plan.baseline_distance_m
    record(
        session,
        service=SERVICE,
        doc_type="route",
        doc_no=plan_doc_no(plan),
        status="published",
        sender=depot_code,
        receiver="drivers",
        sent_at=plan.orders_ready_at,
        received_at=now,
        elapsed_s=plan.elapsed_s,
        distance_m=plan.total_distance_m,
        tenant_id=tenant_id,
        **extra,
    )
    for route in routes:
        route.driver_id, route.status = drivers[route.id].id, "published"
    session.flush()
    detail = plan_detail(session, plan_id)
    orders = {
        o.id: o
        for o in session.scalars(
            select(DeliveryOrder).where(
                DeliveryOrder.id.in_([s["order_id"] for r in detail["routes"] for s in r["stops"]])
            )
        )
    }
    for route in detail["routes"]:
        driver = drivers[route["id"]]
        record(
            session,
            service=SERVICE,
            doc_type="route",
            doc_no=route_doc_no(plan.id, route["seq"]),
            status="published",
            sender=depot_code,
            receiver=driver.code,
            sent_at=now,
            distance_m=route["distance_m"],
            quantity=len(route["stops"]),
            tenant_id=tenant_id,
        )
        for stop in route["stops"]:
            order = orders[stop["order_id"]]
            order.status = "out_for_delivery"
            record(
                session,
                service=SERVICE,
                doc_type="delivery_order",
                doc_no=order.order_no,
                status="published",
                sender=depot_code,
                receiver=driver.code,
                sent_at=now,
                tenant_id=tenant_id,
            )
        publish(
            session,
            type="smartdist.dispatch.route.published",
            subject=str(route["id"]),
            tenant_id=tenant_id,
            data={
                "plan_id": plan.id,
                "plan_date": detail["plan_date"],
                "route_id": route["id"],
                "vehicle_code": route["vehicle_code"],
                "driver_id": driver.id,
                "distance_m": route["distance_m"],
                "order_nos": [s["order_no"] for s in route["stops"]],
                "stops": [{"order_no": s["order_no"], "eta": s["eta"]} for s in route["stops"]],
            },
        )
    session.flush()
    return detail


ROUTE_CHANGED_EVENT = "smartdist.dispatch.route.changed"


def announce_route_change(
    session: ScopedSession, route: Route, kind: str, message: str, order_nos: list[str], *, tenant_id: str
) -> None:
    """Tell the driver and everyone else that a live route changed (its revision already bumped):
    a notice on the driver's phone, a ``route.changed`` event and the route's KPI record."""
    session.add(RouteNotice(route_id=route.id, kind=kind, message=message, revision=route.revision))
    publish(
        session,
        type=ROUTE_CHANGED_EVENT,
        subject=str(route.id),
        tenant_id=tenant_id,
        data={
            "route_id": route.id,
            "plan_id": route.plan_id,
            "revision": route.revision,
            "kind": kind,
            "order_nos": order_nos,
        },
    )
    plan = session.get(RoutePlan, route.plan_id)
    vehicle = session.get(VehicleRow, route.vehicle_id)
    record(
        session,
        service=SERVICE,
        doc_type="route",
        # The plan's number, as the publish record; which route and revision go in the extras.
        doc_no=plan_doc_no(plan) if plan is not None else str(route.plan_id),
        status="changed",
        receiver=vehicle.code if vehicle is not None else f"route {route.id}",
        distance_m=route.distance_m,
        quantity=len(order_nos),
        tenant_id=tenant_id,
        kind=kind,
        route_id=route.id,
        revision=route.revision,
    )
