"""Queries on listings: the nearby prefilter by grid cells, and look-ups by id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartdist_surplus_market.listings.geo import bounding_box, cells_or_ranges
from smartdist_surplus_market.listings.models import Listing
from smartdist_surplus_market.sellers.models import Seller


def live_candidates(
    session: Session,
    *,
    lat: float,
    lng: float,
    radius_m: float,
    at: datetime,
    category: str | None = None,
    mode: str | None = None,
) -> Sequence[tuple[str, float, float]]:
    """(id, lat, lng) of published, unexpired listings with stock in the cells around the point."""
    cells, ranges = cells_or_ranges(lat, lng, radius_m)
    lat_lo, lat_hi, lng_lo, lng_hi = bounding_box(lat, lng, radius_m)
    in_cells = Listing.cell.in_(cells) if cells else or_(*[Listing.cell.between(lo, hi) for lo, hi in ranges])
    stmt = select(Listing.id, Listing.lat, Listing.lng).where(
        in_cells,
        # Checked inside the covering index: the cells' corners outside the circle cost no row.
        Listing.lat.between(lat_lo, lat_hi),
        Listing.lng.between(lng_lo, lng_hi),
        Listing.best_before > at,
        Listing.status == "published",
        Listing.quantity > 0,
    )
    if category:
        stmt = stmt.where(Listing.category == category)
    if mode:
        stmt = stmt.where(Listing.mode == mode)
    rows: Sequence[Any] = session.execute(stmt).all()
    return rows


def listings_by_id(session: Session, ids: Sequence[str]) -> dict[str, Listing]:
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(Listing).where(Listing.id.in_(list(ids))))}


def by_source_key(session: Session, key: str) -> Listing | None:
    return session.scalar(select(Listing).where(Listing.source_key == key))


def page_rows(session: Session, ids: Sequence[str]) -> dict[str, Any]:
    """What a nearby page shows of each listing, with its seller's name, in one query of columns
    (no ORM objects: this is the hot path of the consumer's search)."""
    if not ids:
        return {}
    stmt = (
        select(
            Listing.id,
            Listing.title,
            Listing.list_price,
            Listing.floor_price,
            Listing.markdown,
            Listing.best_before,
            Listing.quantity,
            Listing.unit,
            Listing.category,
            Listing.mode,
            Listing.lat,
            Listing.lng,
            Listing.pickup_start,
            Listing.pickup_end,
            Listing.photo_id,
            Listing.surprise_bag,
            Listing.bag_value,
            Listing.tenant_id,
            Seller.name.label("seller_name"),
        )
        .outerjoin(Seller, Seller.id == Listing.tenant_id)
        .where(Listing.id.in_(list(ids)))
    )
    return {row.id: row for row in session.execute(stmt)}
