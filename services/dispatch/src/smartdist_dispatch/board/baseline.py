"""The merchant's usual plan for the same orders, judged on the same matrix: the CO2e reference.

A hand plan is replayed with plan mode (``assess_plan``) on the haversine matrix the planner
used, so "km saved" compares two real plans of the same orders. Without one, the merchant's
``manual_distance_km_per_day`` baseline stands in for the day.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smartdist.db import ScopedSession
from smartdist.kpi.log import latest_baselines
from smartdist.problems import NotFound, Unprocessable
from smartdist_dispatch.fleet.models import Depot
from smartdist_dispatch.fleet.models import Vehicle as VehicleRow
from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.planning_input import fleet_vehicle, order_stop
from smartdist_dispatch.planning.model import RoutingProblem
from smartdist_dispatch.planning.plan_mode import assess_plan
from smartdist_dispatch.routes.models import Route, RoutePlan, RouteStop
from smartdist_dispatch.routes.service import METRES_PER_TWD

DAILY_BASELINE = "manual_distance_km_per_day"
# Petrol 2.263 kg/L, a delivery van at 7 km/L (SPEC §3); the KPI summary reads the configured factors.
VAN_KG_PER_KM = 2.263 / 7


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


def co2e_kg(saved_m: float, kg_per_km: float = VAN_KG_PER_KM) -> float:
    """Km saved (never negative) times the van's emission factor."""
    return max(saved_m, 0) / 1000 * kg_per_km
