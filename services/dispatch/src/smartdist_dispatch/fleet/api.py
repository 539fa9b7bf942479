"""/api/v1/depots, /vehicles (and their sheet import), /drivers: the dispatcher's fleet."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, status
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from smartdist.auth import Principal, require_roles
from smartdist.db import ScopedSession
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.problems import Conflict, NotFound, Unprocessable
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_dispatch.fleet.models import Depot, Driver, Vehicle
from smartdist_dispatch.fleet.schemas import (
    DepotIn,
    DepotOut,
    DepotPatch,
    DriverIn,
    DriverOut,
    DriverPatch,
    VehicleIn,
    VehicleOut,
    VehiclePatch,
    vehicle_rule_error,
)
from smartdist_dispatch.fleet.sheet import CodeSheet, Reference, read_code_sheet
from smartdist_dispatch.orders.upload import SheetUpload

Dispatcher = Annotated[Principal, require_roles("dispatcher")]
router = APIRouter(tags=["fleet"])
Row = TypeVar("Row", Depot, Vehicle, Driver)


def _get(session: ScopedSession, model: type[Row], row_id: int, noun: str) -> Row:
    row: Row | None = session.get(model, row_id)
    if row is None:
        raise NotFound(f"No {noun} {row_id}.")
    return row


def _code_free(session: ScopedSession, column: InstrumentedAttribute[str], code: str, noun: str) -> None:
    if session.scalars(select(column).where(column == code)).first() is not None:
        raise Conflict(f"{noun} {code} already exists", errors=[{"loc": ["body", "code"], "message": "taken"}])


def _insert(session: ScopedSession, rows: list[Any], noun: str) -> None:
    """Store new rows; a code taken by a concurrent request since the check is a 409, not a 500."""
    try:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    except IntegrityError:
        raise Conflict(f"a {noun} with this code was created at the same time") from None


def _import_sheet(
    session: ScopedSession,
    sheet: SheetUpload,
    spec: CodeSheet[Any],
    model: type[Depot] | type[Vehicle] | type[Driver],
    lookups: dict[str, dict[str, int]],
) -> dict[str, int]:
    """Store every row of a fleet sheet, or none (a bad row is a 422 naming every bad row and column)."""
    rows = read_code_sheet(
        spec, sheet.filename, sheet.content, stored_codes=set(session.scalars(select(model.code))), lookups=lookups
    )
    # A reference column (depot_code, vehicle_code) arrives as the referenced row's id.
    resolved = {reference.field for reference in spec.references.values()}
    created = [model(**r.body.model_dump(exclude=resolved), **r.references) for r in rows]
    _insert(session, created, spec.noun)
    return {"created": len(created)}


def _apply(row: Any, body: BaseModel, nullable: frozenset[str] = frozenset()) -> None:
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is None and field not in nullable:
            raise Unprocessable(f"{field} cannot be null", errors=[{"loc": ["body", field], "message": "not null"}])
        setattr(row, field, value)


def _out(model: type[BaseModel], row: Any) -> Any:
    return model.model_validate({name: getattr(row, name) for name in model.model_fields})


# -- depots ---------------------------------------------------------------------------------------


@router.post("/depots", status_code=status.HTTP_201_CREATED, response_model=DepotOut)
def create_depot(body: DepotIn, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
    if idem.replay is not None:
        return idem.replay
    _code_free(session, Depot.code, body.code, "depot")
    depot = Depot(**body.model_dump())
    _insert(session, [depot], "depot")
    return idem.save(201, _out(DepotOut, depot))


DEPOT_SHEET = CodeSheet(
    noun="depot",
    model=DepotIn,
    columns=("code", "name", "lat", "lng", "address"),
    required=("code", "name", "lat", "lng"),
    text_columns=frozenset({"code", "name", "address"}),
)


@router.post(
    "/depots/import",
    status_code=status.HTTP_201_CREATED,
    description=f"Create every depot of a sheet, or none: any bad row is a 422 listing every bad row. "
    f"Header: {DEPOT_SHEET.header}",
)
def import_depots(sheet: SheetUpload, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
    """Create every depot of a sheet, or none: any bad row is a 422 listing every bad row."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, _import_sheet(session, sheet, DEPOT_SHEET, Depot, lookups={}))


@router.get("/depots", response_model=Page[DepotOut])
def list_depots(session: DbSession, principal: Dispatcher, limit: Limit = 50, cursor: Cursor = None) -> Page[DepotOut]:
    return paginate(session, select(Depot), Depot.id, limit=limit, cursor=cursor, serialize=lambda d: _out(DepotOut, d))


@router.get("/depots/{depot_id}", response_model=DepotOut)
def get_depot(depot_id: IntId, session: DbSession, principal: Dispatcher) -> Any:
    return _out(DepotOut, _get(session, Depot, depot_id, "depot"))


@router.patch("/depots/{depot_id}", response_model=DepotOut)
def change_depot(depot_id: IntId, body: DepotPatch, session: DbSession, principal: Dispatcher) -> Any:
    depot = _get(session, Depot, depot_id, "depot")
    _apply(depot, body)
    session.flush()
    return _out(DepotOut, depot)


@router.delete("/depots/{depot_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_depot(depot_id: IntId, session: DbSession, principal: Dispatcher) -> Response:
    depot = _get(session, Depot, depot_id, "depot")
    # Its vehicles stay, without a home depot, rather than vanishing with it.
    session.execute(update(Vehicle).where(Vehicle.depot_id == depot.id).values(depot_id=None))
    session.delete(depot)
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- vehicles -------------------------------------------------------------------------------------


def _check_depot(session: ScopedSession, depot_id: int | None, loc: list[Any]) -> None:
    if depot_id is not None and session.get(Depot, depot_id) is None:
        raise Unprocessable(f"no depot {depot_id}", errors=[{"loc": loc, "message": f"no depot {depot_id}"}])


@router.post("/vehicles", status_code=status.HTTP_201_CREATED, response_model=VehicleOut)
def create_vehicle(body: VehicleIn, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
    if idem.replay is not None:
        return idem.replay
    _code_free(session, Vehicle.code, body.code, "vehicle")
    _check_depot(session, body.depot_id, ["body", "depot_id"])
    vehicle = Vehicle(**body.model_dump())
    _insert(session, [vehicle], "vehicle")
    return idem.save(201, _out(VehicleOut, vehicle))


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


@router.post(
    "/vehicles/import",
    status_code=status.HTTP_201_CREATED,
    description=f"Create every vehicle of a sheet, or none: any bad row is a 422 listing every bad row. "
    f"Header: {VEHICLE_SHEET.header}",
)
def import_vehicles(sheet: SheetUpload, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
    """Create every vehicle of a sheet, or none: any bad row is a 422 listing every bad row."""
    if idem.replay is not None:
        return idem.replay
    lookups = {"depot_code": _ids_by_code(session, Depot)}
    return idem.save(201, _import_sheet(session, sheet, VEHICLE_SHEET, Vehicle, lookups))


def _ids_by_code(session: ScopedSession, model: type[Depot] | type[Vehicle]) -> dict[str, int]:
    return {code: row_id for code, row_id in session.execute(select(model.code, model.id))}


@router.get("/vehicles", response_model=Page[VehicleOut])
def list_vehicles(
    session: DbSession, principal: Dispatcher, limit: Limit = 50, cursor: Cursor = None
) -> Page[VehicleOut]:
    return paginate(
        session, select(Vehicle), Vehicle.id, limit=limit, cursor=cursor, serialize=lambda v: _out(VehicleOut, v)
    )


@router.get("/vehicles/{vehicle_id}", response_model=VehicleOut)
def get_vehicle(vehicle_id: IntId, session: DbSession, principal: Dispatcher) -> Any:
    return _out(VehicleOut, _get(session, Vehicle, vehicle_id, "vehicle"))


@router.patch("/vehicles/{vehicle_id}", response_model=VehicleOut)
def change_vehicle(vehicle_id: IntId, body: VehiclePatch, session: DbSession, principal: Dispatcher) -> Any:
    vehicle = _get(session, Vehicle, vehicle_id, "vehicle")
    _check_depot(session, body.depot_id, ["body", "depot_id"])
    _apply(vehicle, body, nullable=frozenset({"depot_id", "break_start", "break_end", "max_working_minutes"}))
    # Checked on the changed row: a patch may give one field whose rule involves a stored one.
    broken = vehicle_rule_error({name: getattr(vehicle, name) for name in VehicleOut.model_fields})
    if broken is not None:
        field, message = broken
        raise Unprocessable(message, errors=[{"loc": ["body", field], "message": message}])
    session.flush()
    return _out(VehicleOut, vehicle)


@router.delete("/vehicles/{vehicle_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_vehicle(vehicle_id: IntId, session: DbSession, principal: Dispatcher) -> Response:
    session.delete(_get(session, Vehicle, vehicle_id, "vehicle"))
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- drivers --------------------------------------------------------------------------------------


def _check_vehicle(session: ScopedSession, vehicle_id: int | None) -> None:
    if vehicle_id is not None and session.get(Vehicle, vehicle_id) is None:
        raise Unprocessable(
            f"no vehicle {vehicle_id}", errors=[{"loc": ["body", "vehicle_id"], "message": f"no vehicle {vehicle_id}"}]
        )


@router.post("/drivers", status_code=status.HTTP_201_CREATED, response_model=DriverOut)
def create_driver(body: DriverIn, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
    if idem.replay is not None:
        return idem.replay
    _code_free(session, Driver.code, body.code, "driver")
    _check_vehicle(session, body.vehicle_id)
    driver = Driver(**body.model_dump())
    _insert(session, [driver], "driver")
    return idem.save(201, _out(DriverOut, driver))


DRIVER_SHEET = CodeSheet(
    noun="driver",
    model=DriverIn,
    columns=("code", "name", "phone", "vehicle_code"),
    required=("code", "name"),
    text_columns=frozenset({"code", "name", "phone"}),
    references={"vehicle_code": Reference("vehicle_id", "vehicle")},
)


@router.post(
    "/drivers/import",
    status_code=status.HTTP_201_CREATED,
    description=f"Create every driver of a sheet, or none: any bad row is a 422 listing every bad row; "
    f"vehicle_code names the vehicle the driver usually drives. Header: {DRIVER_SHEET.header}",
)
def import_drivers(sheet: SheetUpload, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
    """Create every driver of a sheet, or none: any bad row is a 422 listing every bad row."""
    if idem.replay is not None:
        return idem.replay
    lookups = {"vehicle_code": _ids_by_code(session, Vehicle)}
    return idem.save(201, _import_sheet(session, sheet, DRIVER_SHEET, Driver, lookups))


@router.get("/drivers", response_model=Page[DriverOut])
def list_drivers(
    session: DbSession, principal: Dispatcher, limit: Limit = 50, cursor: Cursor = None
) -> Page[DriverOut]:
    return paginate(
        session, select(Driver), Driver.id, limit=limit, cursor=cursor, serialize=lambda d: _out(DriverOut, d)
    )


@router.get("/drivers/{driver_id}", response_model=DriverOut)
def get_driver(driver_id: IntId, session: DbSession, principal: Dispatcher) -> Any:
    return _out(DriverOut, _get(session, Driver, driver_id, "driver"))


@router.patch("/drivers/{driver_id}", response_model=DriverOut)
def change_driver(driver_id: IntId, body: DriverPatch, session: DbSession, principal: Dispatcher) -> Any:
    driver = _get(session, Driver, driver_id, "driver")
    _check_vehicle(session, body.vehicle_id)
    _apply(driver, body, nullable=frozenset({"user_subject", "vehicle_id"}))
    session.flush()
    return _out(DriverOut, driver)


@router.delete("/drivers/{driver_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_driver(driver_id: IntId, session: DbSession, principal: Dispatcher) -> Response:
    session.delete(_get(session, Driver, driver_id, "driver"))
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
