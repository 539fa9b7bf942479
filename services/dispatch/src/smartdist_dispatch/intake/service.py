"""Use cases of the broker intake: cancelling an own-fleet booking, or saying why not; whether a
van can take a trip the broker would offer the own fleet for (`check_capacity`).

The delivery broker asks to cancel an own-fleet booking: dispatch cancels the order or says why not.

`smartdist.delivery-broker.delivery.cancel_requested` `{delivery_id, delivery_no, order_no, reason,
requested_at}` is answered with one of:

- `smartdist.dispatch.order.cancelled` `{order_id, order_no, source_ref, reason, requested_at,
  cancelled_at, previous_status, route_id, repeated}` — the order was still `created` or `planned`
  (its stop leaves the unpublished plan), or on a published route with its stop still `pending`:
  the stop leaves the route (later stops move up, `route.revision` + 1, a `stop_removed` notice
  for the driver in zh-TW, `smartdist.dispatch.route.changed`), with the order's KPI record
  `delivery_order`/`cancelled`. An order already cancelled is answered again (`repeated: true`)
  and nothing else changes.
- `smartdist.dispatch.order.cancel_refused` `{order_no, source_ref, reason, status, requested_at}` —
  the driver has arrived at the stop, or the order is delivered or failed, or dispatch has no
  such order.

Everything happens in the consumer's transaction, with the route row locked like the driver's
actions lock it, so a driver arriving at the same moment either comes first (refused) or finds
the stop gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import ScopedSession
from smartdist.kpi import record
from smartdist_dispatch.config import get_intake_settings
from smartdist_dispatch.driver.service import complete_route_if_done
from smartdist_dispatch.fleet.models import Depot, Driver, Vehicle
from smartdist_dispatch.intake.capacity import Load, Van, assess
from smartdist_dispatch.matrix.haversine import HaversineMatrixProvider
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.service import sender_of
from smartdist_dispatch.routes.models import Route, RoutePlan, RouteStop
from smartdist_dispatch.routes.service import announce_route_change

ORDER_CANCELLED = "smartdist.dispatch.order.cancelled"
CANCEL_REFUSED = "smartdist.dispatch.order.cancel_refused"
SERVICE = "dispatch"
# Order statuses that can still be cancelled outright (no driver has it yet).
NOT_OUT = ("created", "planned")
DONE = ("delivered", "failed")
REFUSALS = {
    "arrived": "司機已抵達此站 / the driver has arrived at the stop",
    "delivered": "訂單已送達 / the order is delivered",
    "failed": "訂單已配送失敗 / the delivery has failed",
}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _refuse(session: Session, tenant_id: str, order_no: str, data: dict[str, Any], reason: str, status: str) -> None:
    publish(
        session,
        type=CANCEL_REFUSED,
        subject=order_no or None,
        tenant_id=tenant_id,
        data={
            "order_no": order_no,
            "source_ref": _text(data.get("delivery_id")),
            "reason": reason,
            "status": status,
            "requested_at": data.get("requested_at"),
        },
    )


def _removed_distance_m(session: Session, route: Route, stops: list[RouteStop], index: int) -> int:
    """Metres the route saves without stop ``index``: (previous -> it -> next) - (previous -> next), on
    the planner's default matrix; the previous and next points are the depot at the ends."""
    plan = session.get(RoutePlan, route.plan_id)
    depot = session.get(Depot, plan.depot_id) if plan is not None else None
    if depot is None:
        return 0
    orders = {
        o.id: o for o in session.scalars(select(DeliveryOrder).where(DeliveryOrder.id.in_([s.order_id for s in stops])))
    }

    def point(k: int) -> tuple[float, float]:
        if k < 0 or k >= len(stops):
            return (depot.lng, depot.lat)
        order = orders[stops[k].order_id]
        return (order.lng, order.lat)

    matrix = HaversineMatrixProvider().matrix([point(index - 1), point(index), point(index + 1)]).distance_m
    return max(0, round(float(matrix[0, 1] + matrix[1, 2] - matrix[0, 2])))


def _remove_stop(
    session: Session, route: Route, stop: RouteStop, order: DeliveryOrder, *, tenant_id: str, notify: bool
) -> None:
    """Take the stop off its route: later stops move up; a driver's route gets a new revision and a notice."""
    stops = list(session.scalars(select(RouteStop).where(RouteStop.route_id == route.id).order_by(RouteStop.seq)))
    index = next(k for k, s in enumerate(stops) if s.id == stop.id)
    saved = min(_removed_distance_m(session, route, stops, index), route.distance_m)
    session.delete(stop)
    session.flush()
    for seq, later in enumerate((s for s in stops if s.id != stop.id), start=1):
        later.seq = seq
    plan = session.get(RoutePlan, route.plan_id)
    route.distance_m -= saved
    if plan is not None:
        plan.total_distance_m = max(0, plan.total_distance_m - saved)
    route.revision += 1
    if not notify:
        session.flush()
        return
    message = (
        f"取消配送：訂單 {order.order_no}（{order.customer_name}）原第 {index + 1} 站已取消，請勿前往。"
        f"之後各站順序提前，路線第 {route.revision} 版。"
    )
    scoped = cast(ScopedSession, session)
    announce_route_change(scoped, route, "stop_removed", message, [order.order_no], tenant_id=tenant_id)
    remaining = [s for s in stops if s.id != stop.id]
    if route.status == "in_progress" and remaining and all(s.status in DONE for s in remaining):
        # The cancelled stop was the last one open: the route is done, as if its last outcome just came.
        depot = session.get(Depot, plan.depot_id) if plan is not None else None
        complete_route_if_done(cast(ScopedSession, session), route, depot.code if depot else "", tenant_id)
    session.flush()


def cancel_order(session: Session, tenant_id: str, data: dict[str, Any]) -> None:
    """Cancel the broker's own-fleet order while no driver has reached it; otherwise say why not."""
    order_no = _text(data.get("order_no"))
    order = (
        session.scalars(select(DeliveryOrder).where(DeliveryOrder.order_no == order_no).with_for_update()).first()
        if order_no
        else None
    )
    if order is None:
        _refuse(session, tenant_id, order_no, data, f"dispatch has no order {order_no or '(none named)'}", "unknown")
        return
    answer: dict[str, Any] = {
        "order_id": order.id,
        "order_no": order.order_no,
        "source_ref": _text(data.get("delivery_id")),
        "reason": _text(data.get("reason")),
        "requested_at": data.get("requested_at"),
        "previous_status": order.status,
        "route_id": None,
        "repeated": False,
    }
    if order.status == "cancelled":
        # Asked again (the first answer may not have been seen yet): the same answer, nothing changes.
        publish(session, type=ORDER_CANCELLED, subject=order.order_no, tenant_id=tenant_id,
                data=answer | {"repeated": True, "cancelled_at": None})  # fmt: skip
        return
    if order.status in REFUSALS:
        _refuse(session, tenant_id, order.order_no, data, REFUSALS[order.status], order.status)
        return
    found = session.execute(
        select(RouteStop.id, RouteStop.route_id)
        .join(Route, Route.id == RouteStop.route_id)
        .join(RoutePlan, RoutePlan.id == Route.plan_id)
        .where(RouteStop.order_id == order.id, RoutePlan.status != "superseded")
        .order_by(RouteStop.id.desc())
    ).first()
    if found is not None:
        # The route row is the lock every driver action on its stops takes.
        route = session.get(Route, found.route_id, with_for_update=True)
        assert route is not None
        stop = session.scalars(
            select(RouteStop).where(RouteStop.id == found.id).execution_options(populate_existing=True)
        ).one()
        if stop.status != "pending":
            _refuse(session, tenant_id, order.order_no, data, REFUSALS.get(stop.status, stop.status), stop.status)
            return
        _remove_stop(session, route, stop, order, tenant_id=tenant_id, notify=route.status != "planned")
        answer["route_id"] = route.id
    elif order.status not in NOT_OUT:
        _refuse(session, tenant_id, order.order_no, data, f"the order is {order.status}", order.status)
        return
    now = datetime.now(UTC)
    order.status = "cancelled"
    session.flush()
    record(
        session,
        service=SERVICE,
        doc_type="delivery_order",
        doc_no=order.order_no,
        status="cancelled",
        sender=sender_of(cast(ScopedSession, session)),  # the consumer's session is tenant-scoped
        receiver=order.customer_name,
        sent_at=order.created_at,
        received_at=now,
        tenant_id=tenant_id,
        reason=answer["reason"][:200],
        source="delivery-broker",
    )
    publish(
        session,
        type=ORDER_CANCELLED,
        subject=order.order_no,
        tenant_id=tenant_id,
        data=answer | {"cancelled_at": now.isoformat()},
    )


# Routes a driver is on or will be on today: an ETA of theirs is a promise to the customer.
LIVE_ROUTE = ("published", "in_progress")


def own_fleet_etas(session: Session, route_id: Any) -> tuple[Route, list[dict[str, Any]]] | None:
    """The broker bookings still to come on a live route, each with its stop's current ETA
    (after a rush insertion or a re-plan moved them); None when the route is not live."""
    if isinstance(route_id, bool) or not isinstance(route_id, int):
        return None
    route = session.get(Route, route_id)
    if route is None or route.status not in LIVE_ROUTE:
        return None  # not out yet: no ETA leaves dispatch before the route is published
    rows = session.execute(
        select(DeliveryOrder.order_no, RouteStop.eta)
        .join(RouteStop, RouteStop.order_id == DeliveryOrder.id)
        .where(RouteStop.route_id == route.id, RouteStop.status == "pending", DeliveryOrder.order_no.like("BRK-%"))
        .order_by(RouteStop.seq)
    ).all()
    return route, [{"order_no": no, "eta": eta.isoformat()} for no, eta in rows]


@dataclass(frozen=True)
class CapacityAnswer:
    """The capacity check's answer: the verdict and the delivery window it was judged for."""

    can_take: bool
    reason_code: str | None
    reason: str
    vehicle_code: str | None
    arrival: datetime | None
    window_start: datetime
    window_end: datetime


def check_capacity(
    session: Session,
    dropoff: tuple[float, float],
    scheduled_at: datetime | None,
    load: Load,
    now: datetime | None = None,
) -> CapacityAnswer:
    """Could a van of this merchant take a broker booking to `dropoff`, inside the window intake
    would give it (scheduled time or now, + the intake window), within its shift?"""
    settings = get_intake_settings()
    now = now or datetime.now(UTC)
    start = scheduled_at or now
    window = (start, start + timedelta(hours=settings.window_hours))
    depots = {d.id: (d.lat, d.lng) for d in session.scalars(select(Depot))}
    # A van with no depot of its own leaves from the merchant's only depot (as planning does).
    only_depot = next(iter(depots.values())) if len(depots) == 1 else None
    driven = {v for v in session.scalars(select(Driver.vehicle_id).where(Driver.vehicle_id.is_not(None)))}
    vans = [
        Van(
            code=v.code,
            depot=depots.get(v.depot_id, only_depot) if v.depot_id is not None else only_depot,
            shift_start=v.shift_start,
            shift_end=v.shift_end,
            has_driver=v.id in driven,
            capacity_weight_kg=v.capacity_weight_kg,
            capacity_volume_l=v.capacity_volume_l,
            capacity_boxes=v.capacity_boxes,
        )
        for v in session.scalars(select(Vehicle).order_by(Vehicle.id))
    ]
    verdict = assess(vans, dropoff, window, now=now, service_s=settings.service_s, load=load)
    return CapacityAnswer(
        verdict.can_take, verdict.reason_code, verdict.reason, verdict.vehicle_code, verdict.arrival, *window
    )
