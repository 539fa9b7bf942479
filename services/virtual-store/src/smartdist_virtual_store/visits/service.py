"""Tracking: every view and click is kept; a visit counts once per visitor, store and day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import utcnow
from smartdist.kpi import record
from smartdist_virtual_store.kpi import VISIT
from smartdist_virtual_store.stores import service as stores
from smartdist_virtual_store.stores.domain import bad_reference
from smartdist_virtual_store.visits.models import StoreVisit, ViewEvent

TAIPEI = ZoneInfo("Asia/Taipei")
VIEWED = "smartdist.virtual-store.store.viewed"


def visit_day(at: datetime) -> date:
    return at.astimezone(TAIPEI).date()


def store_tenant(session: Session, store_id: str) -> str:
    return stores.store_tenant(session, store_id)


def _check_scene(session: Session, store_id: str, scene_id: str | None) -> None:
    if scene_id is not None and scene_id not in stores.scene_ids(session, store_id):
        raise bad_reference("scene_id", "not a scene of this store")


def record_visit(session: Session, store_id: str, visitor_id: str, scene_id: str | None) -> bool:
    """A page view; the first of the visitor's day is a visit (event + KPI record). True if it counted."""
    _check_scene(session, store_id, scene_id)
    now = utcnow()
    session.add(ViewEvent(store_id=store_id, kind="view", visitor_id=visitor_id, scene_id=scene_id, at=now))
    if scene_id is not None:
        session.add(ViewEvent(store_id=store_id, kind="scene", visitor_id=visitor_id, scene_id=scene_id, at=now))
    day = visit_day(now)
    try:
        with session.begin_nested():
            session.add(StoreVisit(store_id=store_id, visitor_id=visitor_id, day=day, at=now))
            session.flush()
    except IntegrityError:
        session.flush()
        return False  # a reload, or the same visitor back later that day
    tenant = str(getattr(session, "tenant_id", ""))
    publish(
        session,
        type=VIEWED,
        subject=store_id,
        data={"store_id": store_id, "day": day.isoformat(), "scene_id": scene_id},
        tenant_id=tenant,
    )
    record(
        session,
        service="virtual-store",
        doc_type=VISIT,
        doc_no=f"{store_id}:{day.isoformat()}:{visitor_id}",
        status="viewed",
        sender=store_id,
        receiver=visitor_id,
        sent_at=now,
        received_at=now,
    )
    return True


def record_scene_view(session: Session, store_id: str, visitor_id: str, scene_id: str) -> None:
    _check_scene(session, store_id, scene_id)
    session.add(ViewEvent(store_id=store_id, kind="scene", visitor_id=visitor_id, scene_id=scene_id))
    session.flush()


def record_click(session: Session, store_id: str, visitor_id: str, hotspot_id: str) -> None:
    hotspot = stores.hotspot_titles(session, store_id).get(hotspot_id)
    if hotspot is None:
        raise bad_reference("hotspot_id", "not a hotspot of this store")
    scene_id = hotspot[0]
    session.add(
        ViewEvent(store_id=store_id, kind="click", visitor_id=visitor_id, hotspot_id=hotspot_id, scene_id=scene_id)
    )
    session.flush()


def _window(stmt, start: datetime | None, end: datetime | None):  # type: ignore[no-untyped-def]
    if start is not None:
        stmt = stmt.where(ViewEvent.at >= start)
    if end is not None:
        stmt = stmt.where(ViewEvent.at < end)
    return stmt


def view_counts(
    session: Session, store_id: str, start: datetime | None, end: datetime | None
) -> tuple[int, int, dict[str, int], dict[str, int]]:
    """(views, unique visitors, views per scene, clicks per hotspot) in the window."""
    base = select(func.count()).select_from(ViewEvent).where(ViewEvent.store_id == store_id, ViewEvent.kind == "view")
    views = int(session.scalar(_window(base, start, end)) or 0)
    unique_stmt = select(func.count(func.distinct(ViewEvent.visitor_id))).where(
        ViewEvent.store_id == store_id, ViewEvent.kind == "view"
    )
    unique = int(session.scalar(_window(unique_stmt, start, end)) or 0)
    per_scene_stmt = (
        select(ViewEvent.scene_id, func.count())
        .where(ViewEvent.store_id == store_id, ViewEvent.kind == "scene")
        .group_by(ViewEvent.scene_id)
    )
    per_scene = {str(k): int(v) for k, v in session.execute(_window(per_scene_stmt, start, end)).all()}
    clicks_stmt = (
        select(ViewEvent.hotspot_id, func.count())
        .where(ViewEvent.store_id == store_id, ViewEvent.kind == "click")
        .group_by(ViewEvent.hotspot_id)
    )
    clicks = {str(k): int(v) for k, v in session.execute(_window(clicks_stmt, start, end)).all()}
    return views, unique, per_scene, clicks
