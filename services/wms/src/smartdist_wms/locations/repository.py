"""Location look-ups."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.pagination import Page, paginate
from smartdist_wms.locations.models import Location
from smartdist_wms.locations.schemas import LocationOut


def by_code(session: Session, code: str) -> Location | None:
    return session.scalar(select(Location).where(Location.code == code))


def by_codes(session: Session, codes: Iterable[str]) -> dict[str, Location]:
    wanted = set(codes)
    if not wanted:
        return {}
    return {loc.code: loc for loc in session.scalars(select(Location).where(Location.code.in_(wanted)))}


def by_ids(session: Session, ids: Iterable[int]) -> dict[int, Location]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {loc.id: loc for loc in session.scalars(select(Location).where(Location.id.in_(wanted)))}


def page(
    session: Session, *, zone: str | None, status: str | None, limit: int, cursor: str | None
) -> Page[LocationOut]:
    stmt = select(Location)
    if zone is not None:
        stmt = stmt.where(Location.zone == zone)
    if status is not None:
        stmt = stmt.where(Location.status == status)
    return paginate(session, stmt, Location.id, limit=limit, cursor=cursor, serialize=LocationOut.model_validate)
