"""/api/v1/locations: the warehouse's bins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import NotFound, problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_wms.locations import repository
from smartdist_wms.locations.schemas import LocationIn, LocationOut, LocationPatch, LocationStatus
from smartdist_wms.locations.service import change_location, create_location
from smartdist_wms.products.schemas import NO_NUL
from smartdist_wms.staff.roles import Reader, Writer

Code = Annotated[str, Path(min_length=1, max_length=40, pattern=NO_NUL)]
router = APIRouter(tags=["locations"])


@router.post(
    "/locations", status_code=status.HTTP_201_CREATED, response_model=LocationOut, responses=problem_responses(409, 422)
)
def post_location(body: LocationIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Create a location (a code the tenant already has is 409)."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, LocationOut.model_validate(create_location(session, body)))


@router.get("/locations", response_model=Page[LocationOut])
def list_locations(
    session: DbSession,
    principal: Reader,
    zone: Annotated[str | None, Query(max_length=40, pattern=NO_NUL)] = None,
    status: LocationStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[LocationOut]:
    """The tenant's locations, oldest first; filter by zone or status."""
    return repository.page(session, zone=zone, status=status, limit=limit, cursor=cursor)


@router.get("/locations/{code}", response_model=LocationOut, responses=problem_responses(404))
def get_location(code: Code, session: DbSession, principal: Reader) -> LocationOut:
    """One location by code."""
    location = repository.by_code(session, code)
    if location is None:
        raise NotFound(f"No location {code!r}.")
    return LocationOut.model_validate(location)


@router.patch("/locations/{code}", response_model=LocationOut, responses=problem_responses(422))
def patch_location(code: Code, body: LocationPatch, session: DbSession, principal: Writer) -> LocationOut:
    """Block, unblock or re-sequence a location, or change its capacity."""
    return LocationOut.model_validate(change_location(session, code, body))
