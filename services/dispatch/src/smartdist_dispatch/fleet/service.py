"""The fleet's use cases: create (one, or a sheet), list, read, change and delete depots, vehicles, drivers.

The three are coded rows with the same life; a :class:`Resource` says what differs (the schemas,
the sheet, which fields may be cleared, which fields name another stored row, a vehicle's rules).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from smartdist.db import ScopedSession
from smartdist.pagination import Page, paginate
from smartdist.problems import Conflict, NotFound, Unprocessable
from smartdist_dispatch.fleet import repository
from smartdist_dispatch.fleet.models import Depot, Driver, Vehicle
from smartdist_dispatch.fleet.repository import FleetRow
from smartdist_dispatch.fleet.schemas import (
    DepotIn,
    DepotOut,
    DriverIn,
    DriverOut,
    Out,
    VehicleIn,
    VehicleOut,
    vehicle_rule_error,
)
from smartdist_dispatch.fleet.sheet import CodeSheet, Reference, read_code_sheet
from smartdist_dispatch.geocoding.service import GEOCODING_ROW_MESSAGES, locate, locate_all
from smartdist_dispatch.orders.spreadsheet import RowError, raise_row_errors

# A vehicle rule's message (fleet.schemas.vehicle_rule_error) -> its catalog code.
RULE_CODES = {
    "shift_end must be after shift_start": "dispatch.vehicle.shift_order",
    "give both break_start and break_end, or neither": "dispatch.vehicle.break_pair",
    "break_end must not be before break_start": "dispatch.vehicle.break_order",
    "break_minutes needs the window break_start..break_end": "dispatch.vehicle.break_window",
}


@dataclass(frozen=True)
class Resource:
    noun: str  # depot, vehicle, driver: the word of the messages
    model: type[FleetRow]
    out: type[Out]
    sheet: CodeSheet[Any]
    nullable: frozenset[str] = frozenset()  # fields a change may clear
    references: Mapping[str, tuple[type[FleetRow], str]] = field(default_factory=dict)  # field -> (table, noun)
    # A rule over the whole row, checked on a changed row (a patch may give one field of a pair).
    row_rule: Callable[[dict[str, object]], tuple[str, str] | None] | None = None
    before_delete: Callable[[ScopedSession, Any], None] | None = None
    geocoded: bool = False  # an address without lat/lng is located by the configured geocoder


DEPOT_SHEET = CodeSheet(
    noun="depot",
    model=DepotIn,
    columns=("code", "name", "lat", "lng", "address"),
    required=("code", "name"),  # and an address, or lat and lng
    text_columns=frozenset({"code", "name", "address"}),
)
VEHICLE_SHEET = CodeSheet(
    noun="vehicle",
    model=VehicleIn,
    columns=(
        "code",
        "kind",
        "capacity_weight_kg",
        "capacity_volume_l",
        "capacity_boxes",
        "shift_start",
        "shift_end",
        "fixed_cost_twd",
        "depot_code",
        "break_start",
        "break_end",
        "break_minutes",
        "max_working_minutes",
        "max_trips",
    ),
    required=("code", "kind", "capacity_weight_kg", "capacity_volume_l", "capacity_boxes"),
    text_columns=frozenset({"code", "kind"}),
    references={"depot_code": Reference("depot_id", "depot")},
)
DRIVER_SHEET = CodeSheet(
    noun="driver",
    model=DriverIn,
    columns=("code", "name", "phone", "vehicle_code"),
    required=("code", "name"),
    text_columns=frozenset({"code", "name", "phone"}),
    references={"vehicle_code": Reference("vehicle_id", "vehicle")},
)

DEPOTS = Resource(
    "depot",
    Depot,
    DepotOut,
    DEPOT_SHEET,
    before_delete=lambda session, depot: repository.unlink_vehicles_of(session, depot.id),
    geocoded=True,
)
VEHICLES = Resource(
    "vehicle",
    Vehicle,
    VehicleOut,
    VEHICLE_SHEET,
    nullable=frozenset({"depot_id", "break_start", "break_end", "max_working_minutes"}),
    references={"depot_id": (Depot, "depot")},
    row_rule=vehicle_rule_error,
)
DRIVERS = Resource(
    "driver",
    Driver,
    DriverOut,
    DRIVER_SHEET,
    nullable=frozenset({"user_subject", "vehicle_id"}),
    references={"vehicle_id": (Vehicle, "vehicle")},
)


def _stored(session: ScopedSession, resource: Resource, row_id: int) -> Any:
    row = repository.find(session, resource.model, row_id)
    if row is None:
        raise NotFound(
            f"No {resource.noun} {row_id}.", code=f"dispatch.{resource.noun}.not_found", params={"id": row_id}
        )
    return row


def _check_references(session: ScopedSession, resource: Resource, values: Mapping[str, Any]) -> None:
    for name, (model, noun) in resource.references.items():
        row_id = values.get(name)
        if row_id is not None and repository.find(session, model, row_id) is None:
            code, params = f"dispatch.{noun}.not_found", {"id": row_id}
            raise Unprocessable(
                f"no {noun} {row_id}",
                code=code,
                params=params,
                errors=[{"loc": ["body", name], "code": code, "params": params, "message": f"no {noun} {row_id}"}],
            )


def _insert(session: ScopedSession, rows: list[Any], noun: str) -> None:
    """Store new rows; a code taken by a concurrent request since the check is a 409, not a 500."""
    try:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"a {noun} with this code was created at the same time", code=f"dispatch.{noun}.code_race"
        ) from None


def create(session: ScopedSession, resource: Resource, body: BaseModel, *, language: str = "zh-TW") -> Out:
    values = body.model_dump()
    if resource.geocoded and values.get("lat") is None:
        found = locate(session, values["address"], language=language)
        values.update(lat=found.lat, lng=found.lng)
    if repository.code_taken(session, resource.model, values["code"]):
        code, params = f"dispatch.{resource.noun}.code_taken", {"code": values["code"]}
        raise Conflict(
            f"{resource.noun} {values['code']} already exists",
            code=code,
            params=params,
            errors=[{"loc": ["body", "code"], "code": code, "params": params, "message": "taken"}],
        )
    _check_references(session, resource, values)
    row = resource.model(**values)
    _insert(session, [row], resource.noun)
    return resource.out.model_validate(row)


def import_sheet(
    session: ScopedSession, resource: Resource, filename: str, content: bytes, *, language: str = "zh-TW"
) -> int:
    """Store every row of a fleet sheet, or none (a bad row is a 422 naming every bad row and column).

    A depot row with an address and no lat/lng is geocoded; one that cannot be is its row's error.
    """
    spec = resource.sheet
    lookups = {
        column: repository.ids_by_code(session, resource.references[reference.field][0])
        for column, reference in spec.references.items()
    }
    rows = read_code_sheet(
        spec, filename, content, stored_codes=repository.stored_codes(session, resource.model), lookups=lookups
    )
    # A reference column (depot_code, vehicle_code) arrives as the referenced row's id.
    resolved = {reference.field for reference in spec.references.values()}
    places: dict[int, tuple[float, float]] = {}
    if resource.geocoded:
        wanted = {r.row: str(r.body.model_dump()["address"]) for r in rows if r.body.model_dump()["lat"] is None}
        found, misses = locate_all(session, wanted, language=language)
        if misses:
            raise_row_errors(
                [
                    RowError(m.key, "address", GEOCODING_ROW_MESSAGES[m.code], m.code, {"address": m.address})
                    for m in misses
                ]
            )
        places = {row: (f.lat, f.lng) for row, f in found.items()}
    created = []
    for r in rows:
        values = r.body.model_dump(exclude=resolved)
        if r.row in places:
            values["lat"], values["lng"] = places[r.row]
        created.append(resource.model(**values, **r.references))
    _insert(session, created, spec.noun)
    return len(created)


def page(session: ScopedSession, resource: Resource, *, limit: int, cursor: str | None) -> Page[Any]:
    """The tenant's rows, oldest first."""
    return paginate(
        session,
        repository.all_rows(resource.model),
        resource.model.id,
        limit=limit,
        cursor=cursor,
        serialize=resource.out.model_validate,
    )


def get(session: ScopedSession, resource: Resource, row_id: int) -> Out:
    return resource.out.model_validate(_stored(session, resource, row_id))


def change(session: ScopedSession, resource: Resource, row_id: int, body: BaseModel) -> Out:
    row = _stored(session, resource, row_id)
    changes = body.model_dump(exclude_unset=True)
    _check_references(session, resource, changes)
    for name, value in changes.items():
        if value is None and name not in resource.nullable:
            error = {"loc": ["body", name], "code": "dispatch.field.not_null", "message": "not null"}
            raise Unprocessable(f"{name} cannot be null", code="dispatch.field.not_null", errors=[error])
        setattr(row, name, value)
    if resource.row_rule is not None:
        broken = resource.row_rule({name: getattr(row, name) for name in resource.out.model_fields})
        if broken is not None:
            where, message = broken
            code = RULE_CODES.get(message)
            raise Unprocessable(message, code=code, errors=[{"loc": ["body", where], "code": code, "message": message}])
    session.flush()
    return resource.out.model_validate(row)


def delete(session: ScopedSession, resource: Resource, row_id: int) -> None:
    row = _stored(session, resource, row_id)
    if resource.before_delete is not None:
        resource.before_delete(session, row)
    session.delete(row)
    session.flush()
