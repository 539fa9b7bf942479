"""The board's queries: what the dispatcher's pages read: the day's board, the live map, exceptions and analytics.

Analytics are SQL aggregates grouped by day, vehicle or driver; the few dialect-specific pieces
(epoch seconds of a timestamp, the end of an order's last time window inside its JSON column)
are small SQL constructs compiled for SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Float, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from smartdist.db import ScopedSession, utcnow
from smartdist_dispatch.board.domain import rates
from smartdist_dispatch.board.late_risk import PendingStop, forecast_route
from smartdist_dispatch.fleet.models import Depot, Driver
from smartdist_dispatch.fleet.models import Vehicle as VehicleRow
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.routes.models import GpsBreadcrumb, Route, RoutePlan, RouteStop

GroupBy = Literal["day", "vehicle", "driver"]
REASON_CODES = ("damaged", "refused", "nobody_home", "address_wrong", "other")


class epoch_s(FunctionElement[float]):  # noqa: N801 - reads like the SQL function it stands for
    """Seconds since 1970 of a timestamp column."""

    type = Float()
    inherit_cache = True


@compiles(epoch_s, "sqlite")
def _epoch_sqlite(element: epoch_s, compiler: Any, **kw: Any) -> str:
    return f"((julianday({compiler.process(list(element.clauses)[0], **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_s, "postgresql")
def _epoch_pg(element: epoch_s, compiler: Any, **kw: Any) -> str:
    return f"extract(epoch from {compiler.process(list(element.clauses)[0], **kw)})"


class last_window_end_s(FunctionElement[float]):  # noqa: N801
    """Seconds since 1970 of the end of an order's last time window (NULL when it has none)."""

    type = Float()
    inherit_cache = True


@compiles(last_window_end_s, "sqlite")
def _window_sqlite(element: last_window_end_s, compiler: Any, **kw: Any) -> str:
    col = compiler.process(list(element.clauses)[0], **kw)
    return f"((julianday(json_extract({col}, '$[#-1][1]')) - 2440587.5) * 86400.0)"


@compiles(last_window_end_s, "postgresql")
def _window_pg(element: last_window_end_s, compiler: Any, **kw: Any) -> str:
    col = compiler.process(list(element.clauses)[0], **kw)
    return f"extract(epoch from (CAST({col} AS jsonb) -> -1 ->> 1)::timestamptz)"


def windows_of(order: DeliveryOrder) -> tuple[tuple[datetime, datetime], ...]:
    return tuple(sorted((datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in order.time_windows))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- the day's board and the live map ---------------------------------------------------------


def board_day(session: ScopedSession, day: date, *, now: datetime | None = None) -> dict[str, Any]:
    """Routes of the day with driver, vehicle, progress, positions and late-risk stops."""
    now = now or utcnow()
    plans = list(
        session.scalars(
            select(RoutePlan)
            .where(RoutePlan.plan_date == day, RoutePlan.status.in_(("planned", "published")))
            .order_by(RoutePlan.id)
        )
    )
    plan_by_id = {p.id: p for p in plans}
    rows = session.execute(
        select(Route, VehicleRow, Driver)
        .join(VehicleRow, VehicleRow.id == Route.vehicle_id)
        .outerjoin(Driver, Driver.id == Route.driver_id)
        .where(Route.plan_id.in_(list(plan_by_id)))
        .order_by(Route.plan_id, Route.seq)
    ).all()
    route_ids = [r.id for r, _, _ in rows]
    stops: dict[int, list[tuple[RouteStop, DeliveryOrder]]] = {rid: [] for rid in route_ids}
    for stop, order in session.execute(
        select(RouteStop, DeliveryOrder)
        .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
        .where(RouteStop.route_id.in_(route_ids))
        .order_by(RouteStop.route_id, RouteStop.seq)
    ):
        stops[stop.route_id].append((stop, order))
    last = (
        select(GpsBreadcrumb.route_id, func.max(GpsBreadcrumb.recorded_at).label("at"))
        .where(GpsBreadcrumb.route_id.in_(route_ids))
        .group_by(GpsBreadcrumb.route_id)
        .subquery()
    )
    positions = {
        b.route_id: b
        for b in session.scalars(
            select(GpsBreadcrumb).join(
                last, and_(last.c.route_id == GpsBreadcrumb.route_id, last.c.at == GpsBreadcrumb.recorded_at)
            )
        )
    }
    depots = {d.id: d for d in session.scalars(select(Depot).where(Depot.id.in_({p.depot_id for p in plans})))}
    out_routes = []
    for route, vehicle, driver in rows:
        plan = plan_by_id[route.plan_id]
        depot = depots[plan.depot_id]
        here = stops[route.id]
        position = positions.get(route.id)
        forecasts = {}
        if plan.status == "published" and route.status != "completed":
            forecasts = {f.key: f for f in _route_forecast(here, depot, position, now)}
        out_stops = []
        for stop, order in here:
            f = forecasts.get(stop.id)
            out_stops.append(
                {
                    "id": stop.id,
                    "seq": stop.seq,
                    "order_id": order.id,
                    "order_no": order.order_no,
                    "customer": order.customer_name,
                    "address": order.address,
                    "lat": order.lat,
                    "lng": order.lng,
                    "status": stop.status,
                    "eta": stop.eta.isoformat(),
                    "time_windows": order.time_windows,
                    "completed_at": _iso(stop.completed_at),
                    "reason_code": stop.reason_code,
                    "forecast_eta": f.eta.isoformat() if f else None,
                    "late_risk": bool(f and f.late),
                    "late_by_s": round(f.late_by_s) if f else 0,
                }
            )
        done = sum(1 for s, _ in here if s.status in ("delivered", "failed"))
        out_routes.append(
            {
                "id": route.id,
                "plan_id": plan.id,
                "plan_status": plan.status,
                "seq": route.seq,
                "vehicle_id": vehicle.id,
                "vehicle_code": vehicle.code,
                "vehicle_kind": vehicle.kind,
                "driver": {"id": driver.id, "code": driver.code, "name": driver.name} if driver else None,
                "status": route.status,
                "revision": route.revision,
                "distance_m": route.distance_m,
                "duration_s": route.duration_s,
                "started_at": _iso(route.started_at),
                "completed_at": _iso(route.completed_at),
                "progress": {"done": done, "total": len(here)},
                "late_risk": sum(1 for s in out_stops if s["late_risk"]),
                "depot": {"id": depot.id, "code": depot.code, "name": depot.name, "lat": depot.lat, "lng": depot.lng},
                "position": {"lat": position.lat, "lng": position.lng, "recorded_at": position.recorded_at.isoformat()}
                if position
                else None,
                "stops": out_stops,
            }
        )
    return {
        "date": day.isoformat(),
        "now": now.isoformat(),
        "plans": [
            {
                "id": p.id,
                "status": p.status,
                "depot_id": p.depot_id,
                "total_distance_m": p.total_distance_m,
                "baseline_distance_m": p.baseline_distance_m,
            }
            for p in plans
        ],
        "routes": out_routes,
    }


def _route_forecast(
    here: list[tuple[RouteStop, DeliveryOrder]], depot: Depot, position: GpsBreadcrumb | None, now: datetime
) -> list[Any]:
    """From the last position, else the last stop reached, else the depot; from now."""
    pending = [(s, o) for s, o in here if s.status == "pending"]
    reached = [(s, o) for s, o in here if s.status != "pending"]
    if position is not None:
        start = (position.lat, position.lng)
    elif reached:
        last = max(reached, key=lambda so: so[0].completed_at or so[0].arrived_at or so[0].eta)[1]
        start = (last.lat, last.lng)
    else:
        start = (depot.lat, depot.lng)
    return forecast_route(
        start, now, [PendingStop(s.id, o.lat, o.lng, windows_of(o), float(o.service_s)) for s, o in pending]
    )


def live_day(session: ScopedSession, day: date, *, now: datetime | None = None) -> dict[str, Any]:
    """The map's view: each published route's depot, stops with status, and last known position."""
    board = board_day(session, day, now=now)
    return {
        "date": board["date"],
        "routes": [
            {
                "id": r["id"],
                "plan_id": r["plan_id"],
                "seq": r["seq"],
                "vehicle_code": r["vehicle_code"],
                "driver": r["driver"],
                "status": r["status"],
                "revision": r["revision"],
                "depot": r["depot"],
                "position": r["position"],
                "progress": r["progress"],
                "stops": [
                    {
                        "seq": s["seq"],
                        "order_no": s["order_no"],
                        "customer": s["customer"],
                        "lat": s["lat"],
                        "lng": s["lng"],
                        "status": s["status"],
                        "eta": s["eta"],
                        "late_risk": s["late_risk"],
                    }
                    for s in r["stops"]
                ],
            }
            for r in board["routes"]
            if r["plan_status"] == "published"
        ],
    }


# --- exceptions ------------------------------------------------------------------------------


def exceptions(session: ScopedSession, start: date, end: date) -> dict[str, Any]:
    """Failed stops, cash collected that differs from the order's amount, deliveries after the window."""
    window_end = last_window_end_s(DeliveryOrder.time_windows)
    completed = epoch_s(RouteStop.completed_at)
    rows = session.execute(
        select(
            RouteStop,
            DeliveryOrder,
            RoutePlan.plan_date,
            VehicleRow.code,
            Driver.name,
            (completed - window_end).label("late_by"),
        )
        .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
        .join(Route, Route.id == RouteStop.route_id)
        .join(RoutePlan, RoutePlan.id == Route.plan_id)
        .join(VehicleRow, VehicleRow.id == Route.vehicle_id)
        .outerjoin(Driver, Driver.id == Route.driver_id)
        .where(RoutePlan.plan_date >= start, RoutePlan.plan_date <= end, RouteStop.status.in_(("delivered", "failed")))
        .order_by(RouteStop.completed_at, RouteStop.id)
    ).all()
    items = []
    for stop, order, plan_date, vehicle_code, driver_name, late_by in rows:
        base = {
            "stop_id": stop.id,
            "route_id": stop.route_id,
            "plan_date": plan_date.isoformat(),
            "vehicle_code": vehicle_code,
            "driver": driver_name,
            "order_no": order.order_no,
            "customer": order.customer_name,
            "completed_at": _iso(stop.completed_at),
        }
        if stop.status == "failed":
            items.append(base | {"kind": "failed", "reason_code": stop.reason_code or "other", "note": stop.note})
            continue
        expected = order.cash_to_collect_twd or 0
        collected = stop.cash_collected_twd
        if (expected and collected != expected) or (not expected and collected):
            items.append(
                base
                | {
                    "kind": "cash_mismatch",
                    "expected_twd": expected,
                    "collected_twd": collected,
                    "difference_twd": (collected or 0) - expected,
                }
            )
        if late_by is not None and late_by > 0:
            items.append(
                base
                | {
                    "kind": "late",
                    "late_by_s": round(late_by),
                    "window_end": order.time_windows[-1][1] if order.time_windows else None,
                }
            )
    counts: dict[str, int] = {}
    for item in items:
        kind = str(item["kind"])
        counts[kind] = counts.get(kind, 0) + 1
    return {"from": start.isoformat(), "to": end.isoformat(), "counts": counts, "items": items}


# --- analytics -------------------------------------------------------------------------------


def _key(group_by: GroupBy) -> Any:
    if group_by == "day":
        return RoutePlan.plan_date
    if group_by == "vehicle":
        return VehicleRow.code
    return Driver.code  # None: routes nobody drove yet


def _scope(stmt: Any, start: date, end: date) -> Any:
    return (
        stmt.join(RoutePlan, RoutePlan.id == Route.plan_id)
        .join(VehicleRow, VehicleRow.id == Route.vehicle_id)
        .outerjoin(Driver, Driver.id == Route.driver_id)
        .where(RoutePlan.status == "published", RoutePlan.plan_date >= start, RoutePlan.plan_date <= end)
    )


def analytics(session: ScopedSession, start: date, end: date, group_by: GroupBy) -> dict[str, Any]:
    """Per day, vehicle or driver: routes, stops, outcomes, on-time and success rates, distance, duration."""
    key = _key(group_by).label("key")
    # Actual time on the road for a finished route, the plan's figure otherwise.
    duration = case(
        (
            and_(Route.started_at.is_not(None), Route.completed_at.is_not(None)),
            epoch_s(Route.completed_at) - epoch_s(Route.started_at),
        ),
        else_=Route.duration_s,
    )
    per_route = session.execute(
        _scope(
            select(key, func.count(Route.id), func.sum(Route.distance_m), func.sum(duration)).select_from(Route),
            start,
            end,
        ).group_by(key)
    ).all()
    late_by = epoch_s(RouteStop.completed_at) - last_window_end_s(DeliveryOrder.time_windows)
    delivered = RouteStop.status == "delivered"
    per_stop = session.execute(
        _scope(
            select(
                key,
                func.count(RouteStop.id),
                func.sum(case((delivered, 1), else_=0)),
                func.sum(case((RouteStop.status == "failed", 1), else_=0)),
                func.sum(case((and_(delivered, func.coalesce(late_by, 0) <= 0), 1), else_=0)),
            )
            .select_from(RouteStop)
            .join(Route, Route.id == RouteStop.route_id)
            .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id),
            start,
            end,
        ).group_by(key)
    ).all()
    per_reason = session.execute(
        _scope(
            select(key, RouteStop.reason_code, func.count(RouteStop.id))
            .select_from(RouteStop)
            .join(Route, Route.id == RouteStop.route_id)
            .where(RouteStop.status == "failed"),
            start,
            end,
        ).group_by(key, RouteStop.reason_code)
    ).all()
    items: dict[str, dict[str, Any]] = {}

    def item(k: Any) -> dict[str, Any]:
        name = k.isoformat() if isinstance(k, date) else ("" if k is None else str(k))
        return items.setdefault(
            name,
            {
                "key": name,
                "routes": 0,
                "stops": 0,
                "delivered": 0,
                "failed": 0,
                "success_rate": None,
                "on_time_rate": None,
                "distance_m": 0,
                "duration_s": 0,
                "exceptions": {},
                "_on_time": 0,
            },
        )

    for k, routes, distance, secs in per_route:
        row = item(k)
        row.update(routes=int(routes), distance_m=int(distance or 0), duration_s=round(float(secs or 0)))
    for k, count, n_delivered, n_failed, n_on_time in per_stop:
        row = item(k)
        row.update(
            stops=int(count), delivered=int(n_delivered or 0), failed=int(n_failed or 0), _on_time=int(n_on_time or 0)
        )
    for k, reason, count in per_reason:
        reasons = item(k)["exceptions"]
        reasons[reason or "other"] = reasons.get(reason or "other", 0) + int(count)
    # People read drivers by name (the code stays as the key, beside it).
    names: dict[str, str] = {}
    if group_by == "driver" and items:
        found = session.execute(select(Driver.code, Driver.name).where(Driver.code.in_(list(items))))
        names = {code: name for code, name in found}
    for row in items.values():
        row.update(rates(row["delivered"], row["failed"], row.pop("_on_time")))
        row["name"] = names.get(row["key"])
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "group_by": group_by,
        "items": sorted(items.values(), key=lambda r: r["key"]),
    }
