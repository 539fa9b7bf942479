"""/api/v1/depots, /vehicles, /drivers (each with its sheet import): the dispatcher's fleet.

The three resources answer the same six endpoints, so one function mounts them per resource.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Request, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from smartdist.auth import Principal, require_roles
from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist.web.i18n import language_for
from smartdist_dispatch.fleet import service
from smartdist_dispatch.fleet.schemas import MAX_ID, DepotIn, DepotPatch, DriverIn, DriverPatch, VehicleIn, VehiclePatch
from smartdist_dispatch.fleet.service import DEPOTS, DRIVERS, VEHICLES, Resource
from smartdist_dispatch.orders.upload import read_upload

Dispatcher = Annotated[Principal, require_roles("dispatcher")]
SheetFile = Annotated[UploadFile, File(description="CSV (UTF-8, BOM allowed) or .xlsx")]
router = APIRouter(tags=["fleet"])


class Imported(BaseModel):
    created: int = Field(description="Rows stored (every row of the sheet)")


def _typed(handler: Callable[..., Any], **annotations: Any) -> Callable[..., Any]:
    """The handler with its body's real schema, which FastAPI reads off the annotations."""
    handler.__annotations__ = handler.__annotations__ | annotations
    return handler


def mount(resource: Resource, plural: str, body_in: type[BaseModel], patch: type[BaseModel], sheet_note: str) -> None:
    """POST (one and a sheet), GET (list and one), PATCH and DELETE of one fleet resource."""
    noun, out = resource.noun, resource.out
    one = f"/{plural}/{{{noun}_id}}"

    def create(body: Any, request: Request, session: DbSession, principal: Dispatcher, idem: IdempotencyDep) -> Any:
        if idem.replay is not None:
            return idem.replay
        return idem.save(201, service.create(session, resource, body, language=language_for(request)))

    def import_sheet(
        file: SheetFile, request: Request, session: DbSession, principal: Dispatcher, idem: IdempotencyDep
    ) -> Any:
        if idem.replay is not None:
            return idem.replay
        sheet = read_upload(file.filename, file.file)
        created = service.import_sheet(session, resource, sheet.filename, sheet.content, language=language_for(request))
        return idem.save(201, Imported(created=created))

    def list_rows(session: DbSession, principal: Dispatcher, limit: Limit = 50, cursor: Cursor = None) -> Any:
        return service.page(session, resource, limit=limit, cursor=cursor)

    def get_row(row_id: int, session: DbSession, principal: Dispatcher) -> Any:
        return service.get(session, resource, row_id)

    def change_row(row_id: int, body: Any, session: DbSession, principal: Dispatcher) -> Any:
        return service.change(session, resource, row_id, body)

    def delete_row(row_id: int, session: DbSession, principal: Dispatcher) -> Response:
        service.delete(session, resource, row_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    # The path names the row ({depot_id}); the handlers take it as row_id.
    row_id = Annotated[int, Path(alias=f"{noun}_id", ge=1, le=MAX_ID)]
    for handler in (get_row, change_row, delete_row):
        _typed(handler, row_id=row_id)

    router.add_api_route(
        f"/{plural}",
        _typed(create, body=body_in),
        methods=["POST"],
        name=f"create_{noun}",
        status_code=status.HTTP_201_CREATED,
        response_model=out,
        responses=problem_responses(503) if resource.geocoded else None,
        summary=f"Create a {noun}",
        description=f"Create one {noun} (Idempotency-Key honoured; a stored code is a 409).",
    )
    router.add_api_route(
        f"/{plural}/import",
        import_sheet,
        methods=["POST"],
        name=f"import_{plural}",
        status_code=status.HTTP_201_CREATED,
        response_model=Imported,
        responses=problem_responses(503) if resource.geocoded else None,
        summary=f"Import {plural}",
        description=f"Create every {noun} of a sheet, or none: any bad row is a 422 listing every bad row{sheet_note}. "
        f"Header: {resource.sheet.header}",
    )
    router.add_api_route(
        f"/{plural}",
        list_rows,
        methods=["GET"],
        name=f"list_{plural}",
        response_model=Page[out],  # type: ignore[valid-type]
        summary=f"List {plural}",
        description=f"The tenant's {plural}, oldest first.",
    )
    router.add_api_route(
        one, get_row, methods=["GET"], name=f"get_{noun}", response_model=out, summary=f"Read a {noun}"
    )
    router.add_api_route(
        one,
        _typed(change_row, body=patch),
        methods=["PATCH"],
        name=f"change_{noun}",
        response_model=out,
        summary=f"Change a {noun}",
        description=f"Change the fields given; {', '.join(sorted(resource.nullable)) or 'no field'} may be cleared "
        "with null.",
    )
    router.add_api_route(
        one,
        delete_row,
        methods=["DELETE"],
        name=f"delete_{noun}",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary=f"Delete a {noun}",
    )


mount(DEPOTS, "depots", DepotIn, DepotPatch, "")
mount(VEHICLES, "vehicles", VehicleIn, VehiclePatch, "")
mount(DRIVERS, "drivers", DriverIn, DriverPatch, "; vehicle_code names the vehicle the driver usually drives")
