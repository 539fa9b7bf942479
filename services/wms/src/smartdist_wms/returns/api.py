"""/api/v1/returns: return notice, inspection, restock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_wms.returns import repository, service
from smartdist_wms.returns.schemas import InspectionIn, RestockIn, ReturnIn, ReturnOut, ReturnStatus
from smartdist_wms.staff.roles import Floor, Reader, Writer

router = APIRouter(tags=["returns"])


@router.post(
    "/returns", status_code=status.HTTP_201_CREATED, response_model=ReturnOut, responses=problem_responses(422)
)
def post_return(body: ReturnIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Announce a customer return (Idempotency-Key honoured)."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, service.return_out(service.create_return(session, body)))


@router.get("/returns", response_model=Page[ReturnOut])
def list_returns(
    session: DbSession, principal: Reader, status: ReturnStatus | None = None, limit: Limit = 50, cursor: Cursor = None
) -> Page[ReturnOut]:
    """Returns, newest first, optionally of one status."""
    return repository.page(session, status=status, limit=limit, cursor=cursor, serialize=service.return_out)


@router.get("/returns/{return_id}", response_model=ReturnOut, responses=problem_responses(404))
def get_return(return_id: IntId, session: DbSession, principal: Reader) -> ReturnOut:
    """One return with its lines and what inspection made of them."""
    return service.return_out(service.get_return(session, return_id))


@router.post(
    "/returns/{return_id}/inspections",
    status_code=status.HTTP_201_CREATED,
    response_model=ReturnOut,
    responses=problem_responses(404, 409, 422),
)
def post_inspection(
    return_id: IntId, body: InspectionIn, session: DbSession, principal: Floor, idem: IdempotencyDep
) -> Any:
    """Judge returned units: restock, damaged or scrap."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, service.return_out(service.inspect(session, return_id, body)))


@router.post(
    "/returns/{return_id}/restocks",
    status_code=status.HTTP_201_CREATED,
    response_model=ReturnOut,
    responses=problem_responses(404, 409, 422),
)
def post_restock(return_id: IntId, body: RestockIn, session: DbSession, principal: Floor, idem: IdempotencyDep) -> Any:
    """Put sound returned units back into a location."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, service.return_out(service.restock(session, return_id, body, by=principal.subject)))
