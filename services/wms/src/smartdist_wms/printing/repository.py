"""Look-ups of what a label sheet prints."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist_wms.locations.models import Location
from smartdist_wms.products.models import Product

MAX_LABELS = 500


def locations_for_labels(session: Session, *, zone: str | None, codes: Sequence[str]) -> list[Location]:
    """Locations in walking order: the codes asked for, else a zone's, else all (at most 500)."""
    stmt = select(Location).order_by(Location.sequence, Location.code).limit(MAX_LABELS)
    if codes:
        stmt = stmt.where(Location.code.in_(codes))
    elif zone is not None:
        stmt = stmt.where(Location.zone == zone)
    return list(session.scalars(stmt))


def products_for_labels(session: Session, skus: Sequence[str]) -> list[Product]:
    stmt = select(Product).order_by(Product.sku).limit(MAX_LABELS)
    if skus:
        stmt = stmt.where(Product.sku.in_(skus))
    return list(session.scalars(stmt))
