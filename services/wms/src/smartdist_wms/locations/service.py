"""Location use cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.pagination import Page
from smartdist_wms.locations import repository
from smartdist_wms.locations.domain import DuplicateLocation, UnknownLocation
from smartdist_wms.locations.models import Location
from smartdist_wms.locations.schemas import LocationIn, LocationOut, LocationPatch
from smartdist_wms.stock import repository as stock_repository
from smartdist_wms.stock.schemas import MovementOut, StockOut


def create_location(session: Session, body: LocationIn) -> Location:
    if repository.by_code(session, body.code) is not None:
        raise DuplicateLocation(f"location {body.code!r} already exists")
    location = Location(**body.model_dump())
    try:
        with session.begin_nested():
            session.add(location)
            session.flush()
    except IntegrityError:
        raise DuplicateLocation(f"location {body.code!r} already exists") from None
    return location


def change_location(session: Session, code: str, body: LocationPatch) -> Location:
    location = location_by_code(session, code, ("path", "code"))
    for field, value in body.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(location, field, value)
    session.flush()
    return location


def location_by_code(session: Session, code: str, loc: Sequence[str | int] = ("body", "location")) -> Location:
    location = repository.by_code(session, code)
    if location is None:
        raise UnknownLocation(code, loc)
    return location


def locations_for_lines(session: Session, codes: Sequence[str]) -> dict[str, Location]:
    """Every line's location, or one 422 naming every unknown code with its line."""
    found = repository.by_codes(session, codes)
    errors = [
        {"loc": ["body", "lines", i, "location"], "message": f"unknown location {code!r}"}
        for i, code in enumerate(codes)
        if code not in found
    ]
    if errors:
        raise UnknownLocation(next(c for c in codes if c not in found), errors=errors)
    return found


@dataclass(frozen=True)
class LocationHistory:
    location: LocationOut
    stock: list[StockOut]
    moves: Page[MovementOut]


def history(session: Session, code: str, *, cursor: str | None, limit: int = 100) -> LocationHistory:
    """A location, what it holds now, and every unit moved into or out of it (newest first)."""
    location = location_by_code(session, code, ("query", "code"))
    stock = stock_repository.stock_page(
        session, product_id=None, location_id=location.id, in_stock=True, limit=500, cursor=None
    )
    moves = stock_repository.movements_page(
        session, product_id=None, location_id=location.id, limit=limit, cursor=cursor, moves_only=True
    )
    return LocationHistory(LocationOut.model_validate(location), stock.items, moves)
