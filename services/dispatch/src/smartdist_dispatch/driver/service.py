"""The driver's use cases: today's routes, stop outcomes with KPI records and events, proofs, GPS, notices."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from smartdist.auth import Principal
from smartdist.bus.outbox import publish
from smartdist.db import ScopedSession, utcnow
from smartdist.kpi import record
from smartdist.problems import Conflict, Forbidden, NotFound, Problem, Unprocessable
from smartdist_dispatch.driver.domain import (
    TARGET,
    Action,
    Step,
    StopConflict,
    cash_exception,
    next_step,
    route_progress,
)
from smartdist_dispatch.driver.schemas import BreadcrumbIn, DeliverIn, FailIn, NoticeOut, Occurred, ProofOut
from smartdist_dispatch.fleet.models import Depot, Driver, Vehicle
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.routes.models import GpsBreadcrumb, Route, RouteNotice, RoutePlan, RouteStop, StopProof
from smartdist_dispatch.routes.service import route_doc_no

SERVICE = "dispatch"
LIVE_ROUTE = ("published", "in_progress", "completed")
# A phone's clock runs a little fast at times; an action further in the future is a bad clock or a bug.
CLOCK_SKEW = timedelta(minutes=10)
MAX_PROOF_BYTES = 5 * 1024 * 1024
POSITION_EVENT = "smartdist.dispatch.route.position"
# Stops whose order the van still carries: the position event names them.
OPEN_STOP = ("pending", "arrived")
MAX_PROOF_PIXELS = 40_000_000
PROOF_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class ProofTooLarge(Problem):
    status = 413
    title = "File too large"


# -- who is acting --------------------------------------------------------------------------------


def acting_driver(session: ScopedSession, principal: Principal, driver_id: int | None) -> Driver | None:
    """The driver a request acts for: the caller's own driver record, or (dispatcher, owner) any.

    None means a dispatcher acting on any driver's stop without naming one.
    """
    staff = principal.has_role("dispatcher")
    if driver_id is not None:
        if not staff:
            raise Forbidden("Only a dispatcher or the owner may act for another driver.")
        driver = session.get(Driver, driver_id)
        if driver is None:
            raise NotFound(f"No driver {driver_id}.")
        return driver
    driver = session.scalars(select(Driver).where(Driver.user_subject == principal.subject).order_by(Driver.id)).first()
    if driver is not None or staff:
        return driver
    raise Forbidden("Your sign-in is not linked to a driver: ask the dispatcher to link it (user_subject).")


def _route_for(session: ScopedSession, route_id: int, driver: Driver | None, *, lock: bool = False) -> Route:
    route = session.get(Route, route_id, with_for_update=lock)
    # Another driver's route is answered like a missing one: its existence is none of the caller's business.
    if route is None or (driver is not None and route.driver_id != driver.id):
        raise NotFound(f"No route {route_id} for this driver.")
    if route.status not in LIVE_ROUTE:
        raise Conflict(f"Route {route_id} is not published to a driver (it is {route.status}).")
    return route


def _stop_for(
    session: ScopedSession, stop_id: int, driver: Driver | None, *, lock: bool = False
) -> tuple[RouteStop, Route]:
    route_id = session.scalar(select(RouteStop.route_id).where(RouteStop.id == stop_id))
    if route_id is None:
        raise NotFound(f"No stop {stop_id} for this driver.")
    try:
        # The route row is the lock every action on its stops takes: completing the route is decided once.
        route = _route_for(session, route_id, driver, lock=lock)
    except NotFound:
        raise NotFound(f"No stop {stop_id} for this driver.") from None
    stop = session.scalars(
        select(RouteStop).where(RouteStop.id == stop_id).execution_options(populate_existing=True)
    ).one()
    return stop, route


# -- today's routes -------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def stop_view(stop: RouteStop, order: DeliveryOrder, proofs: list[StopProof]) -> dict[str, Any]:
    delivered = stop.status == "delivered"
    return {
        "id": stop.id,
        "route_id": stop.route_id,
        "seq": stop.seq,
        "order_id": order.id,
        "order_no": order.order_no,
        "customer_name": order.customer_name,
        "phone": order.phone,
        "address": order.address,
        "lat": order.lat,
        "lng": order.lng,
        "time_windows": order.time_windows,
        "eta": _iso(stop.eta),
        "cash_to_collect_twd": order.cash_to_collect_twd,
        "notes": order.notes,
        "boxes": order.boxes,
        "status": stop.status,
        "arrived_at": _iso(stop.arrived_at),
        "completed_at": _iso(stop.completed_at),
        "reason_code": stop.reason_code,
        "note": stop.note,
        "recipient_name": stop.recipient_name,
        "cash_collected_twd": stop.cash_collected_twd,
        "cash_exception": delivered and cash_exception(order.cash_to_collect_twd, stop.cash_collected_twd),
        "proofs": [proof_view(p) for p in proofs],
    }


def proof_view(proof: StopProof) -> ProofOut:
    return ProofOut.model_validate(proof)


def notice_view(notice: RouteNotice) -> NoticeOut:
    return NoticeOut.model_validate(notice)


def todays_routes(session: ScopedSession, driver: Driver, day: date) -> dict[str, Any]:
    """The driver's routes of the day with their stops in driving order and unacknowledged notices."""
    rows = list(
        session.execute(
            select(Route, RoutePlan)
            .join(RoutePlan, RoutePlan.id == Route.plan_id)
            .where(
                Route.driver_id == driver.id,
                RoutePlan.plan_date == day,
                Route.status.in_(LIVE_ROUTE),
                RoutePlan.status != "superseded",
            )
            .order_by(RoutePlan.id, Route.seq)
        )
    )
    route_ids = [r.id for r, _ in rows]
    stops = list(
        session.execute(
            select(RouteStop, DeliveryOrder)
            .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
            .where(RouteStop.route_id.in_(route_ids))
            .order_by(RouteStop.route_id, RouteStop.seq)
        )
    )
    proofs: dict[int, list[StopProof]] = {}
    for proof in session.scalars(
        select(StopProof).where(StopProof.stop_id.in_([s.id for s, _ in stops])).order_by(StopProof.id)
    ):
        proofs.setdefault(proof.stop_id, []).append(proof)
    notices: dict[int, list[RouteNotice]] = {}
    for notice in session.scalars(
        select(RouteNotice)
        .where(RouteNotice.route_id.in_(route_ids), RouteNotice.acknowledged_at.is_(None))
        .order_by(RouteNotice.id)
    ):
        notices.setdefault(notice.route_id, []).append(notice)
    vehicles = {
        v.id: v.code for v in session.scalars(select(Vehicle).where(Vehicle.id.in_([r.vehicle_id for r, _ in rows])))
    }
    depots = {d.id: d for d in session.scalars(select(Depot).where(Depot.id.in_([p.depot_id for _, p in rows])))}
    by_route: dict[int, list[dict[str, Any]]] = {rid: [] for rid in route_ids}
    for stop, order in stops:
        by_route[stop.route_id].append(stop_view(stop, order, proofs.get(stop.id, [])))
    routes = []
    for route, plan in rows:
        depot = depots.get(plan.depot_id)
        routes.append(
            {
                "id": route.id,
                "plan_id": plan.id,
                "plan_date": plan.plan_date.isoformat(),
                "seq": route.seq,
                "status": route.status,
                "revision": route.revision,
                "vehicle_code": vehicles.get(route.vehicle_id),
                "distance_m": route.distance_m,
                "duration_s": route.duration_s,
                "started_at": _iso(route.started_at),
                "completed_at": _iso(route.completed_at),
                "depot": {"code": depot.code, "name": depot.name, "lat": depot.lat, "lng": depot.lng}
                if depot
                else None,
                "stops": by_route[route.id],
                "notices": [notice_view(n) for n in notices.get(route.id, [])],
            }
        )
    return {
        "date": day.isoformat(),
        "driver": {"id": driver.id, "code": driver.code, "name": driver.name},
        "routes": routes,
    }


# -- stop outcomes --------------------------------------------------------------------------------


def _check_clock(occurred_at: datetime, now: datetime) -> None:
    if occurred_at > now + CLOCK_SKEW:
        raise Unprocessable(
            "occurred_at is in the future: check the phone's clock",
            errors=[{"loc": ["body", "occurred_at"], "message": "in the future"}],
        )


def act_on_stop(
    session: ScopedSession,
    stop_id: int,
    action: Action,
    body: Occurred,
    driver: Driver | None,
    *,
    tenant_id: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Arrive at, deliver or fail a stop; the route starts and completes with its stops.

    Each change writes its KPI records and outbox events in the caller's transaction.
    """
    now = now or utcnow()
    stop, route = _stop_for(session, stop_id, driver, lock=True)
    order = session.get(DeliveryOrder, stop.order_id)
    assert order is not None  # a stop's order cannot be deleted (FK)
    try:
        step = next_step(stop.status, action)
    except StopConflict as exc:
        raise Conflict(f"Stop {stop.id} (order {order.order_no}): {exc}.", current_status=stop.status) from None
    if step is Step.REPLAY:
        return _stop_answer(session, stop, order) | {"replayed": True}
    _check_clock(body.occurred_at, now)
    if isinstance(body, DeliverIn) and order.cash_to_collect_twd > 0 and body.cash_collected_twd is None:
        raise Unprocessable(
            f"Order {order.order_no} has {order.cash_to_collect_twd} TWD to collect: say how much was collected.",
            errors=[{"loc": ["body", "cash_collected_twd"], "message": "required: the order has cash to collect"}],
        )
    if isinstance(body, FailIn) and body.reason_code == "other" and not body.note:
        raise Unprocessable(
            "A failure for another reason needs a note.",
            errors=[{"loc": ["body", "note"], "message": "required when reason_code is other"}],
        )
    plan = session.get(RoutePlan, route.plan_id)
    depot = session.get(Depot, plan.depot_id) if plan else None
    depot_code = depot.code if depot else ""
    target, occurred = TARGET[action], body.occurred_at.astimezone(UTC)
    stop.status = target
    kpi_extra: dict[str, Any] = {}
    if action is Action.ARRIVE:
        stop.arrived_at = occurred
    else:
        stop.completed_at = occurred
        stop.note = body.note if isinstance(body, DeliverIn | FailIn) else ""
        order.status = target
    if isinstance(body, DeliverIn):
        stop.recipient_name, stop.cash_collected_twd = body.recipient_name, body.cash_collected_twd
        if cash_exception(order.cash_to_collect_twd, body.cash_collected_twd):
            kpi_extra = {"cash_exception": True, "cash_expected_twd": order.cash_to_collect_twd}
    if isinstance(body, FailIn):
        stop.reason_code = body.reason_code
    session.flush()
    if action is Action.FAIL:
        kpi_extra["reason_code"] = stop.reason_code
    record(
        session,
        service=SERVICE,
        doc_type="delivery_order",
        doc_no=order.order_no,
        status=target,
        sender=depot_code,
        receiver=order.customer_name,
        sent_at=route.started_at or occurred,
        received_at=occurred,
        amount_twd=stop.cash_collected_twd if action is Action.DELIVER else None,
        tenant_id=tenant_id,
        **kpi_extra,
    )
    if action is not Action.ARRIVE:
        publish(
            session,
            type=f"smartdist.dispatch.stop.{target}",
            subject=str(stop.id),
            tenant_id=tenant_id,
            data={
                "stop_id": stop.id,
                "route_id": route.id,
                "plan_id": route.plan_id,
                "order_id": order.id,
                "order_no": order.order_no,
                "status": target,
                "reason_code": stop.reason_code if target == "failed" else None,
                "occurred_at": occurred.isoformat(),
                "cash_collected_twd": stop.cash_collected_twd if target == "delivered" else None,
                "driver_id": route.driver_id,
            },
        )
    _advance_route(session, route, occurred, depot_code, tenant_id)
    return _stop_answer(session, stop, order) | {"replayed": False}


def _advance_route(session: ScopedSession, route: Route, occurred: datetime, depot_code: str, tenant_id: str) -> None:
    stops = list(session.scalars(select(RouteStop).where(RouteStop.route_id == route.id).order_by(RouteStop.seq)))
    progress = route_progress(route.status, [s.status for s in stops])
    driver = session.get(Driver, route.driver_id) if route.driver_id else None
    driver_code = driver.code if driver else ""
    doc_no = route_doc_no(route.plan_id, route.seq)
    if progress.starts:
        route.status, route.started_at = "in_progress", occurred
        record(
            session,
            service=SERVICE,
            doc_type="route",
            doc_no=doc_no,
            status="in_progress",
            sender=depot_code,
            receiver=driver_code,
            sent_at=occurred,
            tenant_id=tenant_id,
        )
    if not progress.completes:
        session.flush()
        return
    # Offline actions arrive in any order: the route ends with its last stop's own time.
    completed_at = max(s.completed_at.astimezone(UTC) for s in stops if s.completed_at is not None)
    started_at = route.started_at or completed_at
    route.status, route.completed_at = "completed", completed_at
    session.flush()
    delivered = sum(s.status == "delivered" for s in stops)
    failed = sum(s.status == "failed" for s in stops)
    record(
        session,
        service=SERVICE,
        doc_type="route",
        doc_no=doc_no,
        status="completed",
        sender=depot_code,
        receiver=driver_code,
        sent_at=started_at,
        received_at=completed_at,
        elapsed_s=max((completed_at - started_at).total_seconds(), 0.0),
        distance_m=route.distance_m,
        quantity=len(stops),
        tenant_id=tenant_id,
        delivered=delivered,
        failed=failed,
    )
    order_nos = list(
        session.scalars(
            select(DeliveryOrder.order_no)
            .join(RouteStop, RouteStop.order_id == DeliveryOrder.id)
            .where(RouteStop.route_id == route.id)
            .order_by(RouteStop.seq)
        )
    )
    publish(
        session,
        type="smartdist.dispatch.route.completed",
        subject=str(route.id),
        tenant_id=tenant_id,
        data={
            "route_id": route.id,
            "plan_id": route.plan_id,
            "driver_id": route.driver_id,
            "order_nos": order_nos,
            "delivered": delivered,
            "failed": failed,
            "completed_at": completed_at.isoformat(),
        },
    )


def complete_route_if_done(session: ScopedSession, route: Route, depot_code: str, tenant_id: str) -> None:
    """A stop left a started route (cancelled): complete it if every stop left is delivered or failed,
    with the latest outcome's time, its KPI record and `route.completed`."""
    _advance_route(session, route, utcnow(), depot_code, tenant_id)


def _stop_answer(session: ScopedSession, stop: RouteStop, order: DeliveryOrder) -> dict[str, Any]:
    proofs = list(session.scalars(select(StopProof).where(StopProof.stop_id == stop.id).order_by(StopProof.id)))
    route = session.get(Route, stop.route_id)
    view = stop_view(stop, order, proofs)
    if route is not None:
        view["route"] = {
            "id": route.id,
            "status": route.status,
            "revision": route.revision,
            "started_at": _iso(route.started_at),
            "completed_at": _iso(route.completed_at),
        }
    return view


# -- proofs ---------------------------------------------------------------------------------------


def check_image(data: bytes, declared_type: str | None) -> str:
    """The real type of an uploaded proof image; 413 when too big, 422 when it is not an image we take."""
    if len(data) > MAX_PROOF_BYTES:
        raise ProofTooLarge(
            f"The file has {len(data)} bytes; at most {MAX_PROOF_BYTES} are taken.",
            errors=[{"loc": ["body", "file"], "message": f"larger than {MAX_PROOF_BYTES // (1024 * 1024)} MB"}],
        )
    bad = [{"loc": ["body", "file"], "message": "not a PNG, JPEG or WebP image"}]
    if declared_type not in EXTENSIONS:
        raise Unprocessable(f"Content type {declared_type} is not image/png, image/jpeg or image/webp.", errors=bad)
    try:
        with Image.open(BytesIO(data)) as image:
            found = image.format
            width, height = image.size
            image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a broken or hostile file
        raise Unprocessable("The file is not a readable image.", errors=bad) from None
    if found not in PROOF_TYPES:
        raise Unprocessable(f"The file is a {found} image, not PNG, JPEG or WebP.", errors=bad)
    if width * height > MAX_PROOF_PIXELS:
        raise Unprocessable(f"The image has {width}x{height} pixels; too many.", errors=bad)
    return PROOF_TYPES[found]


def add_proof(
    session: ScopedSession,
    stop_id: int,
    driver: Driver | None,
    *,
    kind: str,
    content_type: str,
    data: bytes,
    taken_at: datetime | None,
    data_dir: Path,
    tenant_id: str,
) -> tuple[ProofOut, bool]:
    """Store a signature or photo of a stop; the same bytes for the same stop and kind are kept once."""
    stop, _ = _stop_for(session, stop_id, driver)
    now = utcnow()
    if taken_at is not None:
        _check_clock(taken_at, now)
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalars(
        select(StopProof).where(StopProof.stop_id == stop.id, StopProof.kind == kind, StopProof.sha256 == digest)
    ).first()
    if existing is not None:
        return proof_view(existing), False
    relative = Path("dispatch") / "proofs" / tenant_id / str(stop.id) / f"{kind}-{digest}.{EXTENSIONS[content_type]}"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    # Content-addressed and written whole before the row exists: a rolled-back request leaves at most
    # an unreferenced file, never a row pointing at half a file.
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(target)
    proof = StopProof(
        stop_id=stop.id,
        kind=kind,
        content_type=content_type,
        size_bytes=len(data),
        sha256=digest,
        path=relative.as_posix(),
        taken_at=taken_at or now,
    )
    session.add(proof)
    session.flush()
    return proof_view(proof), True


def proof_file(
    session: ScopedSession, stop_id: int, proof_id: int, driver: Driver | None, data_dir: Path
) -> tuple[bytes, str]:
    stop, _ = _stop_for(session, stop_id, driver)
    proof = session.get(StopProof, proof_id)
    if proof is None or proof.stop_id != stop.id:
        raise NotFound(f"No proof {proof_id} of stop {stop_id}.")
    path = data_dir / proof.path
    if not path.is_file():
        raise NotFound(f"The file of proof {proof_id} is missing from storage.")
    return path.read_bytes(), proof.content_type


# -- GPS and notices ------------------------------------------------------------------------------


def add_breadcrumbs(
    session: ScopedSession, route_id: int, driver: Driver | None, points: list[BreadcrumbIn]
) -> dict[str, Any]:
    """Store a batch of positions; a position already stored (same phone time) is skipped."""
    route = _route_for(session, route_id, driver)
    now = utcnow()
    errors = [
        {"loc": ["body", k, "recorded_at"], "message": "in the future"}
        for k, p in enumerate(points)
        if p.recorded_at > now + CLOCK_SKEW
    ]
    if errors:
        raise Unprocessable("Positions from the future: check the phone's clock.", errors=errors)
    times = {p.recorded_at for p in points}
    stored = set(
        session.scalars(
            select(GpsBreadcrumb.recorded_at).where(
                GpsBreadcrumb.route_id == route.id, GpsBreadcrumb.recorded_at.in_(list(times))
            )
        )
    )
    seen: set[datetime] = set(stored)
    fresh = []
    for p in sorted(points, key=lambda p: p.recorded_at):
        if p.recorded_at in seen:
            continue
        seen.add(p.recorded_at)
        fresh.append(
            GpsBreadcrumb(
                route_id=route.id,
                lat=p.lat,
                lng=p.lng,
                accuracy_m=p.accuracy_m,
                recorded_at=p.recorded_at,
                received_at=now,
            )
        )
    session.add_all(fresh)
    session.flush()
    if fresh:
        _announce_position(session, route, fresh[-1])
    return {
        "accepted": len(fresh),
        "duplicates": len(points) - len(fresh),
        "last_recorded_at": _iso(max(times)) if times else None,
    }


def _announce_position(session: ScopedSession, route: Route, latest: GpsBreadcrumb) -> None:
    """One `route.position` event per stored batch: where the van was last, and the orders it still
    carries (stops not yet delivered or failed), so the delivery broker can show its consumers the van."""
    order_nos = list(
        session.scalars(
            select(DeliveryOrder.order_no)
            .join(RouteStop, RouteStop.order_id == DeliveryOrder.id)
            .where(RouteStop.route_id == route.id, RouteStop.status.in_(OPEN_STOP))
            .order_by(RouteStop.seq)
        )
    )
    publish(
        session,
        type=POSITION_EVENT,
        subject=str(route.id),
        tenant_id=route.tenant_id,
        data={
            "route_id": route.id,
            "driver_id": route.driver_id,
            "lat": latest.lat,
            "lng": latest.lng,
            "recorded_at": latest.recorded_at.astimezone(UTC).isoformat(),
            "order_nos": order_nos,
        },
    )


def acknowledge_notice(session: ScopedSession, notice_id: int, driver: Driver | None) -> NoticeOut:
    notice = session.get(RouteNotice, notice_id)
    if notice is None:
        raise NotFound(f"No notice {notice_id} for this driver.")
    try:
        _route_for(session, notice.route_id, driver)
    except NotFound:
        raise NotFound(f"No notice {notice_id} for this driver.") from None
    if notice.acknowledged_at is None:
        notice.acknowledged_at = utcnow()
        session.flush()
    return notice_view(notice)
