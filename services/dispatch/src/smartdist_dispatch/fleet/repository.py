"""Queries of the fleet's coded rows (depots, vehicles, drivers), one set for all three."""

from __future__ import annotations

from typing import TypeVar, cast

from sqlalchemy import Select, select, update

from smartdist.db import ScopedSession
from smartdist_dispatch.fleet.models import Depot, Driver, Vehicle

FleetRow = Depot | Vehicle | Driver
Row = TypeVar("Row", Depot, Vehicle, Driver)


def find(session: ScopedSession, model: type[FleetRow], row_id: int) -> FleetRow | None:
    return cast(FleetRow | None, session.get(model, row_id))


def code_taken(session: ScopedSession, model: type[FleetRow], code: str) -> bool:
    return session.scalars(select(model.code).where(model.code == code)).first() is not None


def stored_codes(session: ScopedSession, model: type[FleetRow]) -> set[str]:
    return set(session.scalars(select(model.code)))


def ids_by_code(session: ScopedSession, model: type[FleetRow]) -> dict[str, int]:
    return {code: row_id for code, row_id in session.execute(select(model.code, model.id))}


def all_rows(model: type[Row]) -> Select[tuple[Row]]:
    return select(model)


def unlink_vehicles_of(session: ScopedSession, depot_id: int) -> None:
    """A depot's vehicles stay, without a home depot, rather than vanishing with it."""
    session.execute(update(Vehicle).where(Vehicle.depot_id == depot_id).values(depot_id=None))
